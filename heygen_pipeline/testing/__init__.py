"""Tools for testing code that uses heygen_pipeline (the project's own tests use them too).

- :class:`MockTransport`: answer requests in-process with a function.
- :class:`FakeHeyGen`: a real HTTP/1.1 server on 127.0.0.1 that speaks HeyGen's envelopes and
  can be scripted with faults.
"""

from heygen_pipeline.testing._mock import BytesStream, MockTransport, make_response

__all__ = ["BytesStream", "MockTransport", "make_response"]
