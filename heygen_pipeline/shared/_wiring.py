"""with_shared_state: turn a stack's breaker and 429 handling into shared ones, in one call."""

from __future__ import annotations

from typing import Any

import redis

from heygen_pipeline._stack import Stack
from heygen_pipeline.middleware import BackoffMiddleware, CircuitBreakerMiddleware
from heygen_pipeline.shared._breaker_storage import RedisBreakerStorage
from heygen_pipeline.shared._connection import DEFAULT_NAMESPACE, OnError
from heygen_pipeline.shared._cooldown import SharedCooldown

__all__ = ["with_shared_state"]


def with_shared_state(
    stack: Stack,
    connection: redis.Redis,
    *,
    api_key_id: str,
    namespace: str = DEFAULT_NAMESPACE,
    on_error: OnError = "open",
    retry_interval: float = 1.0,
    logger: Any = None,
    **cooldown_options: Any,
) -> Stack:
    """``stack`` with its breaker shared through Redis and a shared 429 cool-down added.

    - ``"breaker"``, a
      [CircuitBreakerMiddleware][heygen_pipeline.middleware.CircuitBreakerMiddleware],
      is replaced by one with every setting kept (name, ``fail_max``, ``reset_timeout``,
      ``half_open_max_calls``, excluded exceptions, listeners, clock, hosts) on a
      [RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage].
    - A [SharedCooldown][heygen_pipeline.shared.SharedCooldown] named ``"cooldown"`` goes just
      inside ``"backoff"`` (outermost when the stack has no backoff). It covers the hosts the
      breaker guards (each host on its own when the breaker guards every host), and its
      ``max_wait`` is the backoff policy's cap (``max_delay``), unless given.

    Args:
        stack: the stack to change (it is not modified: stacks are immutable).
        connection: a Redis client (see [connect][heygen_pipeline.shared.connect]).
        api_key_id: [key_id][heygen_pipeline.shared.key_id] of the API key.
        namespace: prefix of every key.
        on_error: ``"open"`` or ``"closed"``, for both.
        retry_interval: seconds Redis is left alone after an error, for both.
        logger: a structlog logger for both.
        **cooldown_options: more `SharedCooldown` keywords (``max_wait``, ``sleep``, ...).
    """
    if not isinstance(stack, Stack):
        msg = f"stack must be a Stack, not {type(stack).__name__}"
        raise TypeError(msg)
    hosts = None
    if "breaker" in stack:
        old = stack["breaker"]
        if not isinstance(old, CircuitBreakerMiddleware):
            msg = (
                "'breaker' must be a CircuitBreakerMiddleware to share it, "
                f"not {type(old).__name__}"
            )
            raise TypeError(msg)
        name = old.breaker.name or "heygen"
        storage = RedisBreakerStorage(
            connection,
            name=name,
            namespace=namespace,
            on_error=on_error,
            retry_interval=retry_interval,
            logger=logger,
        )
        stack = stack.replace("breaker", old.with_storage(storage, logger=logger))
        hosts = old.hosts
    backoff = stack["backoff"] if "backoff" in stack.names else None
    if isinstance(backoff, BackoffMiddleware):
        cooldown_options.setdefault("max_wait", backoff.policy.max_delay)
    cooldown_options.setdefault("hosts", hosts)
    cooldown = SharedCooldown(
        connection,
        api_key_id=api_key_id,
        namespace=namespace,
        on_error=on_error,
        retry_interval=retry_interval,
        logger=logger,
        **cooldown_options,
    )
    if "backoff" in stack:
        return stack.insert_after("backoff", "cooldown", cooldown)
    return stack.prepend("cooldown", cooldown)
