"""Tools for testing code that uses heygen_pipeline (the project's own tests use them too).

- `MockTransport`: answer requests in-process with a function.
- `FakeHeyGen`: a real HTTP/1.1 server on 127.0.0.1 that speaks HeyGen's envelopes and can be
  scripted with faults (`Fault`), recording every request it receives.
- `load_spec("v3")` / `load_spec("legacy")`: HeyGen's own OpenAPI documents, vendored with the
  kit: operations, schemas, examples, and request/reply validation (`SpecViolation`) by
  openapi-core (the ``testing`` extra). FakeHeyGen is strict by default: it refuses a request
  that breaks the spec as HeyGen does.
- `heygen_pipeline.testing.strategies`: hypothesis strategies for envelopes, errors, headers,
  Retry-After values and stacks.
- A pytest plugin (loaded automatically once the package is installed) with the fixtures
  `fake_heygen`, `heygen_client` and `captured_logs`.
"""

from heygen_pipeline.testing._fake import (
    FakeHeyGen,
    Fault,
    RecordedRequest,
    ReplyViolation,
    UploadedAsset,
)
from heygen_pipeline.testing._mock import BytesStream, MockTransport, make_response
from heygen_pipeline.testing._spec import (
    ApiSpec,
    SpecExample,
    SpecOperation,
    SpecViolation,
    load_spec,
)

__all__ = [
    "ApiSpec",
    "BytesStream",
    "FakeHeyGen",
    "Fault",
    "MockTransport",
    "RecordedRequest",
    "ReplyViolation",
    "SpecExample",
    "SpecOperation",
    "SpecViolation",
    "UploadedAsset",
    "load_spec",
    "make_response",
]
