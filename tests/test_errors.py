import builtins
import copy
import inspect
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import Request, _redact, _secrets, errors
from heygen_pipeline._redact import Secret
from heygen_pipeline.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConflictError,
    ConnectError,
    ConnectTimeoutError,
    DuplicateNameError,
    HeyGenError,
    InsufficientCreditError,
    MalformedResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    ServerError,
    StackError,
    TimeoutError,  # noqa: A004 - the library's name, tested as such
    TLSError,
    TooManyRedirectsError,
    TransportError,
    UnknownNameError,
    error_class_for_status,
)
from heygen_pipeline.testing._strategies_core import secret_keys
from heygen_pipeline.testing._strategies_secrets import (
    awkward_keys,
    encoded_forms,
    encoded_key_forms,
)

SECRET = "sk-test-9f3a1c77e0b2"


@pytest.fixture
def registry(monkeypatch):
    """An empty secret registry for one test, restored afterwards."""
    monkeypatch.setattr(_redact, "REGISTRY", _secrets._Registry())
    monkeypatch.setattr(_secrets, "REGISTRY", _redact.REGISTRY)


class TestStatusMapping:
    """error_class_for_status picks the most specific class."""

    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, BadRequestError),
            (401, AuthenticationError),
            (402, InsufficientCreditError),
            (403, PermissionDeniedError),
            (404, NotFoundError),
            (409, ConflictError),
            (413, PayloadTooLargeError),
            (422, BadRequestError),
            (424, BadRequestError),
            (429, RateLimitError),
            (500, ServerError),
            (502, ServerError),
            (503, ServerError),
            (599, ServerError),
            (418, APIError),
            (405, APIError),
            (600, APIError),
            (200, APIError),
        ],
    )
    def test_mapping(self, status, cls):
        """Each mapped status gives its class, 5xx gives ServerError, others APIError."""
        assert error_class_for_status(status) is cls

    @given(st.integers(500, 599))
    def test_5xx_range(self, status):
        """Every 5xx status maps to ServerError."""
        assert error_class_for_status(status) is ServerError

    @given(st.integers(0, 1000))
    def test_always_an_api_error(self, status):
        """Every status maps to an APIError subclass."""
        assert issubclass(error_class_for_status(status), APIError)


class TestTree:
    """The class hierarchy that retry decisions rely on."""

    def test_roots(self):
        """Everything derives from HeyGenError; stack errors are ValueErrors."""
        for cls in (APIError, TransportError, CircuitOpenError, TooManyRedirectsError, StackError):
            assert issubclass(cls, HeyGenError)
        assert issubclass(UnknownNameError, KeyError)
        assert issubclass(DuplicateNameError, ValueError)
        assert issubclass(MalformedResponseError, APIError)

    def test_transport_branch(self):
        """TLS is a ConnectError; timeouts are TransportErrors and builtins.TimeoutError."""
        assert issubclass(TLSError, ConnectError)
        assert issubclass(ConnectError, TransportError)
        assert issubclass(ProtocolError, TransportError)
        assert issubclass(TimeoutError, builtins.TimeoutError)
        assert issubclass(TimeoutError, TransportError)
        assert issubclass(ConnectTimeoutError, ConnectError)
        assert issubclass(ReadTimeoutError, TimeoutError)
        assert errors.TimeoutError is TimeoutError

    def test_builtin_timeout_catch(self):
        """A ReadTimeoutError is caught by `except builtins.TimeoutError`."""
        with pytest.raises(builtins.TimeoutError):
            raise ReadTimeoutError("slow")

    @pytest.mark.parametrize(
        ("cls", "sent"),
        [
            (TransportError, True),
            (ConnectError, False),
            (TLSError, False),
            (ConnectTimeoutError, False),
            (ReadTimeoutError, True),
            (TimeoutError, True),
            (ProtocolError, True),
        ],
    )
    def test_sent(self, cls, sent):
        """Sent is False only where nothing can have reached the server."""
        assert cls("x").sent is sent


class TestMessages:
    """str and repr say what happened, in one line."""

    def test_api_error_str(self):
        """Str holds status, code, message, param and request id."""
        err = BadRequestError(
            "avatar not found", status=400, code="invalid_parameter", request_id="rid-7", param="x"
        )
        assert str(err) == (
            "HTTP 400 [invalid_parameter] avatar not found (param: x) (request id: rid-7)"
        )
        assert repr(err) == f"BadRequestError({str(err)!r})"

    def test_api_error_minimal(self):
        """Without fields, str is the message alone."""
        assert str(APIError("boom")) == "boom"

    def test_fields_kept(self):
        """Every field is available as an attribute."""
        req = Request("GET", "https://h.test/")
        err = RateLimitError(
            "slow down",
            status=429,
            code=40029,
            request_id="r",
            param="p",
            doc_url="https://docs",
            body_excerpt="{}",
            retry_after=1.5,
            request=req,
        )
        assert (err.status, err.code, err.request_id, err.param, err.doc_url) == (
            429,
            40029,
            "r",
            "p",
            "https://docs",
        )
        assert (err.body_excerpt, err.retry_after, err.request, err.response) == (
            "{}",
            1.5,
            req,
            None,
        )

    def test_unknown_name_no_quotes(self):
        """UnknownNameError's str is the plain message, not KeyError's quoted repr."""
        err = UnknownNameError("no middleware named 'x'", names=("a", "b"))
        assert str(err) == "no middleware named 'x'; the stack has: a, b"
        assert not str(err).startswith('"')

    def test_stack_error_lists_nothing(self):
        """A stack error on an empty stack says so."""
        assert str(DuplicateNameError("dup")) == "dup; the stack has: (nothing)"

    def test_circuit_open(self):
        """CircuitOpenError keeps retry_after."""
        assert CircuitOpenError("open", retry_after=3.0).retry_after == 3.0


class TestSecrets:
    """Registered secrets never appear in rendered errors."""

    def test_scrubbed_at_construction(self, registry):
        """A secret registered before construction is removed from the stored message."""
        _redact.register_secret(SECRET)
        err = TransportError(f"failed with key {SECRET}")
        assert SECRET not in err.message
        assert SECRET not in str(err)
        assert SECRET not in repr(err)
        assert SECRET not in str(err.args)

    def test_scrubbed_when_rendered(self, registry):
        """A secret registered after construction is removed when rendered."""
        err = APIError(f"bad key {SECRET}", status=401, code=SECRET, request_id="r")
        _redact.register_secret(SECRET)
        assert SECRET not in str(err)
        assert SECRET not in repr(err)
        assert "REDACTED" in str(err)

    def test_body_excerpt_scrubbed(self, registry):
        """The body excerpt is scrubbed too."""
        _redact.register_secret(SECRET)
        err = MalformedResponseError("bad", body_excerpt=f'{{"key": "{SECRET}"}}')
        assert SECRET not in err.body_excerpt

    def test_short_secrets_ignored(self, registry):
        """Secrets shorter than 4 characters are not registered (they would scrub everything)."""
        _redact.register_secret("ab")
        assert str(APIError("abc")) == "abc"

    def test_longest_first(self, registry):
        """A secret containing another is removed whole."""
        _redact.register_secret("abcd")
        _redact.register_secret("abcdefgh")
        assert str(APIError("x abcdefgh y")) == "x REDACTED y"

    @given(key=secret_keys())
    def test_any_secret(self, key):
        """Any registered key of 8+ characters is absent from str and repr."""
        saved = _secrets.REGISTRY
        _secrets.REGISTRY = _redact.REGISTRY = _secrets._Registry()
        try:
            _redact.register_secret(key)
            err = APIError(f"key={key}!", status=401, code=key, request_id=key)
            assert key not in str(err)
            assert key not in repr(err)
        finally:
            _secrets.REGISTRY = _redact.REGISTRY = saved


class TestPickle:
    """Errors cross process boundaries with their fields."""

    @pytest.mark.parametrize(
        "err",
        [
            APIError("m", status=418, code="teapot", request_id="r1"),
            RateLimitError("slow", status=429, code="rl", request_id="r2", retry_after=2.5),
            ServerError("down", status=503, param="p", doc_url="u", body_excerpt="<html>"),
            CircuitOpenError("open", retry_after=4.0),
            ReadTimeoutError("slow read"),
            ConnectError("refused"),
            UnknownNameError("no middleware named 'x'", names=("a",)),
            DuplicateNameError("dup", names=("a", "b")),
        ],
        ids=lambda e: type(e).__name__,
    )
    def test_round_trip(self, err):
        """Unpickling gives the same class, message and fields."""
        back = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own data
        assert type(back) is type(err)
        assert str(back) == str(err)
        assert back.args == err.args
        for name in ("status", "code", "request_id", "retry_after", "names", "sent", "param"):
            assert getattr(back, name, None) == getattr(err, name, None)

    def test_with_request(self):
        """An error carrying a request (not picklable) pickles without it."""
        req = Request("GET", "https://h.test/")
        err = ReadTimeoutError("slow", request=req)
        back = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own data
        assert back.request is None
        assert err.request is req
        assert str(back) == "slow"
        assert back.sent is True


ERROR_CLASSES = sorted(
    (
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, HeyGenError)
    ),
    key=lambda cls: cls.__name__,
)
_NUMBERS = {"status": 401, "retry_after": 1.0, "limit": 10, "size": 20, "timeout": 5.0}


def build_error(cls, text):
    """An instance of ``cls`` whose every text field (and message) is ``text``."""
    params = dict(inspect.signature(cls.__init__).parameters)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        params |= inspect.signature(APIError.__init__).parameters
    kwargs = {}
    for name, param in params.items():
        if name in {"self", "message", "request", "response", "kwargs"}:
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        if name == "names":
            kwargs[name] = (text, "auth")
        else:
            kwargs[name] = _NUMBERS.get(name, text)
    return cls(f"failed: {text}", **kwargs)


def renderings(err):
    """Every way an error's content can be read or shipped elsewhere."""
    yield "str", str(err)
    yield "repr", repr(err)
    yield "args", repr(err.args)
    yield "vars", repr(vars(err))
    for name in dir(err):
        if not name.startswith("__"):
            yield f"attribute {name}", repr(getattr(err, name, None))
    yield "pickle", pickle.dumps(err).decode("latin-1")
    yield "copy", repr(vars(copy.copy(err)))
    yield "unpickled", repr(vars(pickle.loads(pickle.dumps(err))))  # noqa: S301 - our own data


class TestEchoedFields:
    """A key a server echoes into any field of any error is held nowhere in it."""

    @settings(max_examples=150)
    @given(data=st.data(), cls=st.sampled_from(ERROR_CLASSES))
    def test_no_field_holds_the_key(self, data, cls):
        """str, repr, args, vars, every attribute, pickle and copies hold no form of the key."""
        key = data.draw(awkward_keys(), label="key")
        held = Secret(key)
        echoed = data.draw(encoded_key_forms(key), label="echoed as")
        err = build_error(cls, f"<{echoed}>")
        err.code = f"late {echoed}"  # a field set after construction is scrubbed too
        for where, text in renderings(err):
            for form in encoded_forms(held.reveal()):
                assert form not in text, (where, form)

    def test_every_error_class_is_covered(self):
        """The property above builds every class the error tree exports."""
        built = {type(build_error(cls, "x")) for cls in ERROR_CLASSES}
        assert built == set(ERROR_CLASSES)
        assert {APIError, RateLimitError, TooManyRedirectsError} <= built
