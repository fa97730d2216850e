"""State shared between processes and hosts through Redis (the ``redis`` extra).

Many workers on one HeyGen API key should act as one client:

- [RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage]: one circuit breaker for all,
  its transitions atomic in Redis. A breaker one worker opens fails fast in every other.
- [SharedCooldown][heygen_pipeline.shared.SharedCooldown]: a 429 with ``Retry-After`` seen by one
  worker makes every worker on the key wait it out.
- [JobSlots][heygen_pipeline.shared.JobSlots]: a semaphore with leases for HeyGen's limit on
  concurrent video jobs.
- [with_shared_state][heygen_pipeline.shared.with_shared_state] wires the first two into a stack;
  [connect][heygen_pipeline.shared.connect] makes a Redis client that never hangs;
  [key_id][heygen_pipeline.shared.key_id] names an API key without revealing it.

Each takes ``on_error``: ``"open"`` (carry on with local state, logging a warning) or
``"closed"`` (raise [SharedStateError][heygen_pipeline.shared.SharedStateError]).
``heygen_pipeline`` itself never imports this package, so the core needs no Redis.
"""

from heygen_pipeline.shared._breaker_storage import RedisBreakerStorage
from heygen_pipeline.shared._connection import OnError, connect, key_id
from heygen_pipeline.shared._cooldown import SharedCooldown
from heygen_pipeline.shared._errors import SharedStateError, SlotLostError, SlotTimeoutError
from heygen_pipeline.shared._slot import Slot
from heygen_pipeline.shared._slots import JobSlots
from heygen_pipeline.shared._wiring import with_shared_state

__all__ = [
    "JobSlots",
    "OnError",
    "RedisBreakerStorage",
    "SharedCooldown",
    "SharedStateError",
    "Slot",
    "SlotLostError",
    "SlotTimeoutError",
    "connect",
    "key_id",
    "with_shared_state",
]
