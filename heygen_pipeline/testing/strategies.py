"""Hypothesis strategies for testing code built on heygen_pipeline.

Requires ``hypothesis`` (the ``test`` extra). What there is:

- Envelopes: `success_envelopes` (with the data they must unwrap to), `error_envelopes`,
  `non_envelope_bodies`, `json_values`, and the `Envelope` they yield.
- Requests and headers: `requests`, `methods`, `urls`, `request_bodies`, `headers`,
  `header_sets`, `header_names`, `header_values`.
- Keys and hosts: `secret_keys`, `api_keys` (distinctive keys, safe to register for
  scrubbing), `hosts`, `allowlists`, `target_urls`.
- Stacks: `stacks` (any subset of the default middlewares in any order, plus
  `user_middlewares`), `default_middlewares`, and for editing stacks `middleware_names`,
  `stack_names`, `stack_edits`, `stack_edit_sequences` with the `StackEdit` reference model.
- Retries: `retry_after_values`, `retry_after_headers`, `backoff_policies`,
  `attempt_histories`, `attempt_outcomes`, `backoff_requests`, `jitter_samples`, `retry_decisions`
  and `REFERENCE_EPOCH` (the instant HTTP-date values are drawn around).
- Outcomes of one attempt: `outcomes`, `responses`, `transport_errors`, `non_transport_errors`,
  `statuses`, `client_error_statuses`, `server_error_statuses`.
- Redirects: `redirect_statuses`, `relative_locations`, `hostile_locations`.
- Redaction: `scenarios` (one attempt through ``auth`` and ``logging``, with the key echoed
  anywhere), with its `Scenario` and `Reply`.
"""

from heygen_pipeline.testing._strategies_backoff import (
    REFERENCE_EPOCH,
    attempt_histories,
    attempt_outcomes,
    backoff_policies,
    backoff_requests,
    jitter_samples,
    retry_after_headers,
    retry_after_values,
)
from heygen_pipeline.testing._strategies_breaker import (
    client_error_statuses,
    hostile_locations,
    non_transport_errors,
    outcomes,
    redirect_statuses,
    relative_locations,
    responses,
    server_error_statuses,
    statuses,
    transport_errors,
)
from heygen_pipeline.testing._strategies_core import (
    StackEdit,
    header_names,
    header_sets,
    header_values,
    headers,
    methods,
    middleware_names,
    request_bodies,
    requests,
    secret_keys,
    stack_edit_sequences,
    stack_edits,
    stack_names,
    urls,
)
from heygen_pipeline.testing._strategies_envelope import (
    Envelope,
    error_envelopes,
    json_values,
    non_envelope_bodies,
    success_envelopes,
)
from heygen_pipeline.testing._strategies_logging import (
    Reply,
    Scenario,
    allowlists,
    api_keys,
    hosts,
    retry_decisions,
    scenarios,
    target_urls,
)
from heygen_pipeline.testing._strategies_stack import (
    default_middlewares,
    stacks,
    user_middlewares,
)

__all__ = [
    "REFERENCE_EPOCH",
    "Envelope",
    "Reply",
    "Scenario",
    "StackEdit",
    "allowlists",
    "api_keys",
    "attempt_histories",
    "attempt_outcomes",
    "backoff_policies",
    "backoff_requests",
    "client_error_statuses",
    "default_middlewares",
    "error_envelopes",
    "header_names",
    "header_sets",
    "header_values",
    "headers",
    "hostile_locations",
    "hosts",
    "jitter_samples",
    "json_values",
    "methods",
    "middleware_names",
    "non_envelope_bodies",
    "non_transport_errors",
    "outcomes",
    "redirect_statuses",
    "relative_locations",
    "request_bodies",
    "requests",
    "responses",
    "retry_after_headers",
    "retry_after_values",
    "retry_decisions",
    "scenarios",
    "secret_keys",
    "server_error_statuses",
    "stack_edit_sequences",
    "stack_edits",
    "stack_names",
    "stacks",
    "statuses",
    "success_envelopes",
    "target_urls",
    "transport_errors",
    "urls",
    "user_middlewares",
]
