"""One structured log event per attempt, and the API key never in any of them.

Runs against an embedded FakeHeyGen (no key, no network). The client's stack gets a
``LoggingMiddleware`` with a logger of this script's own: structlog printing key=value lines into
a buffer, with ``RedactSecrets`` in its processor chain. The script then:

1. makes a call that is rate limited once (``Retry-After: 0``): two events, a WARNING that
   says the attempt will be retried and an INFO for the success, with the attempt numbers;
2. makes a call whose error body echoes the API key back, with bodies logged: the key is
   scrubbed from the logged body and from the exception message;
3. moves ``logging`` inside ``auth``, where the request carries ``X-Api-Key``: the header is
   logged as ``REDACTED``;
4. logs an event of the application's own that carries another token: ``RedactSecrets``,
   given that token, removes it.

It prints every log line and checks that neither secret appears anywhere in them.
"""

from __future__ import annotations

import io
from typing import Any

import structlog

from heygen_pipeline import BadRequestError, HeyGenClient, default_stack
from heygen_pipeline.middleware import BackoffMiddleware, LoggingMiddleware, RedactSecrets
from heygen_pipeline.testing import FakeHeyGen, Fault

OTHER_TOKEN = "app-token-5e2b91c4"
"""A placeholder for a secret of the application's own."""


def make_logger(out: io.StringIO) -> Any:
    """A structlog logger of this script's own (the library never configures structlog)."""
    return structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[
            RedactSecrets(OTHER_TOKEN),  # also removes every key the library registered
            structlog.processors.add_log_level,
            structlog.processors.KeyValueRenderer(
                key_order=["level", "event", "method", "url", "status", "attempt", "retry"],
                drop_missing=True,
            ),
        ],
    )


def main() -> None:
    out = io.StringIO()
    logger = make_logger(out)
    with FakeHeyGen() as fake:
        stack = default_stack(logger=logger).replace(
            "backoff", BackoffMiddleware(sleep=lambda _seconds: None)
        )
        with HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client:
            print("1. a call rate limited once")
            fake.inject("GET", "/v3/users/me", Fault.rate_limited("0"))
            client.get("/v3/users/me")

            print("2. an error body that echoes the key, with bodies logged")
            chatty = stack.replace("logging", LoggingMiddleware(logger, log_bodies=True))
            echo = {"error": {"code": "invalid_parameter", "message": f"bad key {fake.api_key}"}}
            fake.inject("GET", "/v3/users/me", Fault.status(400, echo))
            try:
                client.with_stack(chatty).get("/v3/users/me")
            except BadRequestError as exc:
                print("   the exception says:", exc)

            print("3. logging moved inside auth: the key header is on the request it logs")
            inside = stack.remove("logging").append("logging", LoggingMiddleware(logger))
            client.with_stack(inside).get("/v3/users/me")

        print("4. an application event with a token of its own")
        logger.info("app_event", note="calling HeyGen", token=OTHER_TOKEN)

    text = out.getvalue()
    print()
    print(text)
    if fake.api_key in text or OTHER_TOKEN in text:
        msg = "a secret leaked into a log line"
        raise SystemExit(msg)
    print(f"{len(text.splitlines())} log lines; neither the API key nor the app token is in them")


if __name__ == "__main__":
    main()
