"""The middlewares of the default stack, each usable alone and configurable by its constructor."""

from heygen_pipeline.middleware._context import ATTEMPT, Attempt, RetryDecision

__all__ = ["ATTEMPT", "Attempt", "RetryDecision"]
