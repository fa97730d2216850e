import base64
import email.message
import hmac
import importlib.util
import io
import json
import socket
import sys
import time
from pathlib import Path

import pytest
import urllib3
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import (
    ConfigurationError,
    Headers,
    HeyGenError,
    Secret,
    WebhookPayloadError,
    WebhookSignatureError,
)
from heygen_pipeline.testing import load_spec
from heygen_pipeline.webhooks import (
    DEFAULT_SIGNATURE_HEADER,
    EVENT_CLASSES,
    EVENT_TYPES,
    MAX_WEBHOOK_BODY,
    SIGNATURE_HEADERS,
    AvatarVideoFail,
    AvatarVideoGifFail,
    AvatarVideoGifSuccess,
    AvatarVideoSuccess,
    JobEvent,
    PersonalizedVideo,
    SignatureScheme,
    UnknownEvent,
    VideoTranslateFail,
    VideoTranslateSuccess,
    WebhookEvent,
    callback_event,
    new_callback_id,
    parse_event,
    receive_event,
    sign_webhook,
    verified_event,
    verify_request,
    verify_webhook,
)

SECRET = "whsec_test_7d1e0b5c"
BODY = b'{"event_type": "avatar_video.success", "event_data": {"video_id": "v1"}}'
EXAMPLE = Path(__file__).parent.parent / "examples" / "webhook_receiver.py"

secrets = st.text(min_size=1, max_size=64)
bodies = st.binary(max_size=512)


def payload(event_type, **event_data):
    """A webhook body as HeyGen sends it."""
    return json.dumps({"event_type": event_type, "event_data": event_data}).encode()


def load_example():
    """The example receiver, imported from examples/ (it is a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["webhook_receiver"] = module
    spec.loader.exec_module(module)
    return module


class TestSignWebhook:
    """``sign_webhook``: lowercase hex HMAC-SHA256 of the raw body."""

    def test_rfc_4231_vector(self):
        """Matches RFC 4231 test case 2 (key "Jefe")."""
        expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        assert sign_webhook(b"what do ya want for nothing?", "Jefe") == expected

    def test_secret_holder_and_bytes_likes(self):
        """A Secret signs like its value; bytearray and memoryview like bytes."""
        plain = sign_webhook(BODY, SECRET)
        assert sign_webhook(BODY, Secret(SECRET)) == plain
        assert sign_webhook(bytearray(BODY), SECRET) == plain
        assert sign_webhook(memoryview(BODY), SECRET) == plain

    def test_text_body_refused(self):
        """A decoded str body is a receiver bug: TypeError that says to pass bytes."""
        with pytest.raises(TypeError, match="raw request body as bytes"):
            sign_webhook(BODY.decode(), SECRET)

    @pytest.mark.parametrize("secret", ["", 42, None, b"whsec"])
    def test_bad_secret_refused(self, secret):
        """An empty secret is a configuration error; a non-str secret a TypeError."""
        error = ConfigurationError if secret == "" else TypeError
        with pytest.raises(error):
            sign_webhook(BODY, secret)

    def test_lone_surrogate_secret(self):
        """A secret that cannot be UTF-8 encoded is a configuration error, not a crash."""
        with pytest.raises(ConfigurationError, match="not valid text"):
            sign_webhook(BODY, "whsec_\ud800")


class TestVerifyWebhook:
    """``verify_webhook``: True only for the body's own signature under the secret."""

    def test_valid(self):
        """The body's signature verifies."""
        assert verify_webhook(BODY, sign_webhook(BODY, SECRET), SECRET) is True

    def test_forged(self):
        """A well-formed signature that is not the body's fails."""
        assert verify_webhook(BODY, "ab" * 32, SECRET) is False

    def test_wrong_secret(self):
        """A signature made with another secret fails."""
        assert verify_webhook(BODY, sign_webhook(BODY, "whsec_other"), SECRET) is False

    def test_tampered_body(self):
        """Changing the body after signing fails."""
        signature = sign_webhook(BODY, SECRET)
        assert verify_webhook(BODY.replace(b"v1", b"v2"), signature, SECRET) is False

    def test_reserialised_json_fails(self):
        """Re-encoding the decoded JSON changes the bytes, and the signature no longer matches."""
        signature = sign_webhook(BODY, SECRET)
        reencoded = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
        assert verify_webhook(reencoded, signature, SECRET) is False

    @pytest.mark.parametrize("prefix", ["sha256=", "SHA256=", "Sha256="])
    def test_prefix_accepted(self, prefix):
        """An optional ``sha256=`` prefix (any case) is accepted."""
        assert verify_webhook(BODY, prefix + sign_webhook(BODY, SECRET), SECRET)

    def test_upper_case_hex(self):
        """Hex digits in upper case verify."""
        assert verify_webhook(BODY, sign_webhook(BODY, SECRET).upper(), SECRET)

    def test_surrounding_whitespace(self):
        """Spaces around the header value are ignored."""
        assert verify_webhook(BODY, f"  {sign_webhook(BODY, SECRET)}\t", SECRET)

    @pytest.mark.parametrize(
        "signature",
        [None, "", "   ", "sha256=", "zz" * 32, "ab" * 31, "ab" * 33, "é" * 64, "0x" + "a" * 62],
    )
    def test_missing_or_malformed_is_false(self, signature):
        """Absent, empty, non-hex, non-ASCII or wrong-length signatures are False, never errors."""
        assert verify_webhook(BODY, signature, SECRET) is False

    def test_double_prefix_is_false(self):
        """Only one prefix is stripped."""
        signature = "sha256=sha256=" + sign_webhook(BODY, SECRET)
        assert verify_webhook(BODY, signature, SECRET) is False

    def test_non_str_signature_refused(self):
        """A bytes signature is a receiver bug: TypeError."""
        with pytest.raises(TypeError, match="signature must be a str"):
            verify_webhook(BODY, sign_webhook(BODY, SECRET).encode(), SECRET)

    def test_empty_body(self):
        """An empty body verifies against its own signature, and not against another's."""
        assert verify_webhook(b"", sign_webhook(b"", SECRET), SECRET)
        assert not verify_webhook(b"", sign_webhook(b" ", SECRET), SECRET)

    @given(body=bodies, secret=secrets)
    def test_property_signed_body_verifies(self, body, secret):
        """Any body signed with any secret verifies under that secret."""
        assert verify_webhook(body, sign_webhook(body, secret), secret)

    @given(body=bodies.filter(bool), secret=secrets, data=st.data())
    def test_property_single_byte_change_fails(self, body, secret, data):
        """Changing any one byte of the body makes the signature fail."""
        signature = sign_webhook(body, secret)
        index = data.draw(st.integers(0, len(body) - 1), label="index")
        delta = data.draw(st.integers(1, 255), label="delta")
        changed = bytearray(body)
        changed[index] = (changed[index] + delta) % 256
        assert not verify_webhook(bytes(changed), signature, secret)

    @given(body=bodies, secret=secrets, other=secrets)
    def test_property_other_secret_fails(self, body, secret, other):
        """A signature made with a different secret never verifies."""
        if other != secret:
            assert not verify_webhook(body, sign_webhook(body, other), secret)

    @given(body=bodies, signature=st.text(max_size=80))
    def test_property_arbitrary_signature_never_raises(self, body, signature):
        """Any str signature gives a bool, and only the true one gives True."""
        result = verify_webhook(body, signature, SECRET)
        assert isinstance(result, bool)
        expected = sign_webhook(body, SECRET)
        cleaned = signature.strip().lower().removeprefix("sha256=")
        assert result == (cleaned == expected)


class TestVerifyRequest:
    """``verify_request``: the signature read from a headers collection."""

    def test_default_header_any_case(self):
        """The ``Signature`` header is found whatever its case."""
        signature = sign_webhook(BODY, SECRET)
        assert DEFAULT_SIGNATURE_HEADER == "Signature"
        assert verify_request({"signature": signature}, BODY, SECRET)
        assert verify_request({"SIGNATURE": signature}, BODY, SECRET)

    def test_missing_header_is_false(self):
        """No signature header: not valid."""
        assert verify_request({"Content-Type": "application/json"}, BODY, SECRET) is False

    def test_configurable_header(self):
        """``header=`` names another header; the default one is then ignored."""
        signature = sign_webhook(BODY, SECRET)
        headers = {"X-HeyGen-Signature": signature}
        assert verify_request(headers, BODY, SECRET, header="x-heygen-signature")
        assert not verify_request(headers, BODY, SECRET)

    def test_http_server_and_library_headers(self):
        """``http.server``'s message headers and our Headers both work."""
        message = email.message.Message()
        message["Signature"] = sign_webhook(BODY, SECRET)
        assert verify_request(message, BODY, SECRET)
        assert verify_request(Headers({"Signature": message["Signature"]}), BODY, SECRET)


class TestVerifiedEvent:
    """``verified_event``: signature first (401 material), then payload (400 material)."""

    def test_returns_the_event(self):
        """A signed event comes back typed."""
        event = verified_event({"Signature": sign_webhook(BODY, SECRET)}, BODY, SECRET)
        assert isinstance(event, AvatarVideoSuccess)
        assert event.video_id == "v1"

    def test_missing_signature(self):
        """No header: WebhookSignatureError naming the header."""
        with pytest.raises(WebhookSignatureError, match="no Signature header"):
            verified_event({}, BODY, SECRET)

    def test_forged_signature(self):
        """A wrong signature: WebhookSignatureError."""
        with pytest.raises(WebhookSignatureError, match="does not match"):
            verified_event({"Signature": "00" * 32}, BODY, SECRET)

    def test_signature_checked_before_the_body_is_parsed(self):
        """A forged, malformed body is a signature error, not a payload error."""
        with pytest.raises(WebhookSignatureError):
            verified_event({"Signature": "00" * 32}, b"not json", SECRET)

    def test_signed_garbage_is_a_payload_error(self):
        """A correctly signed body that is not an event: WebhookPayloadError."""
        garbage = b"<html>"
        with pytest.raises(WebhookPayloadError):
            verified_event({"Signature": sign_webhook(garbage, SECRET)}, garbage, SECRET)

    def test_errors_are_library_errors(self):
        """Both errors derive from HeyGenError (payload errors from ValueError too)."""
        assert issubclass(WebhookSignatureError, HeyGenError)
        assert issubclass(WebhookPayloadError, HeyGenError)
        assert issubclass(WebhookPayloadError, ValueError)

    def test_secret_never_in_the_message(self):
        """The error message names the header, never the secret."""
        with pytest.raises(WebhookSignatureError) as info:
            verified_event({"Signature": SECRET}, BODY, SECRET)
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value)


class TestParseEvent:
    """``parse_event``: a typed event per documented type, tolerant of what HeyGen changes."""

    def test_avatar_video_success(self):
        """``avatar_video.success``: video_id, url and callback_id."""
        body = payload("avatar_video.success", video_id="v", url="u", callback_id="c")
        event = parse_event(body)
        assert event == AvatarVideoSuccess(
            event_type="avatar_video.success",
            data=json.loads(body)["event_data"],
            raw=json.loads(body),
            video_id="v",
            url="u",
            callback_id="c",
        )
        assert event.succeeded is True

    def test_avatar_video_fail_reason_under_msg(self):
        """``avatar_video.fail``: the reason is read from ``msg``."""
        event = parse_event(payload("avatar_video.fail", video_id="v", msg="no voice"))
        assert isinstance(event, AvatarVideoFail)
        assert (event.video_id, event.message, event.callback_id) == ("v", "no voice", None)
        assert event.succeeded is False

    def test_avatar_video_fail_falls_back_to_message(self):
        """A fail event that sends ``message`` instead of ``msg`` keeps the reason."""
        event = parse_event(payload("avatar_video.fail", msg=None, message="quota"))
        assert isinstance(event, AvatarVideoFail)
        assert event.message == "quota"

    def test_gif_events(self):
        """The GIF events have the video events' fields, and their own classes."""
        ok = parse_event(payload("avatar_video_gif.success", video_id="v", url="g"))
        bad = parse_event(payload("avatar_video_gif.fail", video_id="v", msg="m"))
        assert type(ok) is AvatarVideoGifSuccess
        assert ok.url == "g"
        assert type(bad) is AvatarVideoGifFail
        assert bad.message == "m"

    def test_video_translate_success(self):
        """``video_translate.success``: id, url, output language, callback id."""
        event = parse_event(
            payload(
                "video_translate.success",
                video_translate_id="t",
                url="u",
                callback_id="c",
                output_language="German",
            )
        )
        assert isinstance(event, VideoTranslateSuccess)
        fields = (event.video_translate_id, event.url, event.output_language, event.callback_id)
        assert fields == ("t", "u", "German", "c")

    def test_video_translate_fail(self):
        """``video_translate.fail``: the reason is read from ``message``."""
        event = parse_event(payload("video_translate.fail", video_translate_id="t", message="m"))
        assert isinstance(event, VideoTranslateFail)
        assert (event.video_translate_id, event.message) == ("t", "m")

    def test_personalized_video(self):
        """``personalized_video``: its ids and links; the rest stays in ``data``."""
        event = parse_event(
            payload(
                "personalized_video",
                project_id="p",
                video_id="v",
                video_url="vu",
                landing_page_url="l",
                gif_url="g",
                gif_html="<img>",
                contact_info={"email": "a@b.c"},
            )
        )
        assert isinstance(event, PersonalizedVideo)
        assert (event.project_id, event.video_url, event.landing_page_url) == ("p", "vu", "l")
        assert event.data["contact_info"] == {"email": "a@b.c"}
        assert event.succeeded is None

    def test_every_spec_type_has_a_class(self):
        """The registry maps each event type of the v3 spec to its class (JobEvent if generic)."""
        assert set(EVENT_CLASSES) == set(EVENT_TYPES)
        for event_type, cls in EVENT_CLASSES.items():
            assert cls.EVENT_TYPE in (event_type, "", "video_translate.preflight.validation_failed")
            assert type(parse_event(payload(event_type))) is cls
        assert EVENT_CLASSES["avatar_video.success"] is AvatarVideoSuccess
        assert EVENT_CLASSES["instant_avatar.success"] is JobEvent

    def test_generic_type(self):
        """A spec type without a documented payload is a JobEvent with the shared fields."""
        event = parse_event(payload("instant_avatar.success", avatar_id="a"))
        assert type(event) is JobEvent
        assert event.event_type == "instant_avatar.success"
        assert event.data == {"avatar_id": "a"}
        assert (event.id, event.succeeded) == ("a", True)

    def test_unknown_type(self):
        """A type outside the spec is an UnknownEvent keeping its type and data."""
        event = parse_event(payload("brand_new.success", thing_id="a"))
        assert type(event) is UnknownEvent
        assert event.event_type == "brand_new.success"
        assert event.data == {"thing_id": "a"}
        assert event.succeeded is True

    def test_missing_fields_are_none(self):
        """A payload without event_data gives an event with every field None."""
        event = parse_event(b'{"event_type": "avatar_video.success"}')
        assert isinstance(event, AvatarVideoSuccess)
        assert (event.video_id, event.url, event.callback_id) == (None, None, None)
        assert event.data == {}

    def test_extra_and_odd_fields_tolerated(self):
        """Extra fields stay in ``data``/``raw``; numbers become text, objects and bools None."""
        body = json.dumps(
            {
                "event_type": "avatar_video.success",
                "event_data": {"video_id": 12, "url": {"x": 1}, "callback_id": True, "new": 1},
                "sent_at": 1700000000,
            }
        ).encode()
        event = parse_event(body)
        assert isinstance(event, AvatarVideoSuccess)
        assert (event.video_id, event.url, event.callback_id) == ("12", None, None)
        assert event.data["new"] == 1
        assert event.raw["sent_at"] == 1700000000

    def test_event_data_not_an_object(self):
        """``event_data`` that is not an object is treated as empty."""
        event = parse_event(b'{"event_type": "avatar_video.fail", "event_data": [1, 2]}')
        assert isinstance(event, AvatarVideoFail)
        assert event.data == {}

    def test_accepts_text(self):
        """An already decoded body parses too."""
        assert isinstance(parse_event(BODY.decode()), AvatarVideoSuccess)

    def test_events_are_read_only_values(self):
        """Events are frozen, hashable, and their mappings read-only; repr leaves out raw."""
        event = parse_event(payload("avatar_video.success", video_id="v"))
        with pytest.raises(AttributeError):
            event.video_id = "w"  # type: ignore[misc]
        with pytest.raises(TypeError):
            event.data["video_id"] = "w"  # type: ignore[index]
        assert hash(event) == hash(parse_event(payload("avatar_video.success", video_id="v")))
        assert "raw=" not in repr(event)
        assert "video_id='v'" in repr(event)

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b"", "not JSON"),
            (b"{", "not JSON"),
            (b"<html>502</html>", "not JSON"),
            (b"\xff\xfe{}", "not UTF-8"),
            (b"[]", "JSON object, not list"),
            (b'"avatar_video.success"', "JSON object, not str"),
            (b"null", "JSON object, not NoneType"),
            (b"{}", "no event_type"),
            (b'{"event_type": ""}', "no event_type"),
            (b'{"event_type": 7}', "no event_type"),
            (b"[" * 100_000, "nested too deeply"),
        ],
    )
    def test_malformed(self, body, message):
        """Anything that is not an event raises WebhookPayloadError saying what is wrong."""
        with pytest.raises(WebhookPayloadError, match=message):
            parse_event(body)

    def test_non_bytes_refused(self):
        """A dict (already decoded JSON) is a TypeError: pass the raw body."""
        with pytest.raises(TypeError):
            parse_event({"event_type": "x"})  # type: ignore[arg-type]

    @given(body=st.binary(max_size=256))
    def test_property_arbitrary_bytes(self, body):
        """Any bytes give an event or a WebhookPayloadError, nothing else."""
        try:
            event = parse_event(body)
        except WebhookPayloadError:
            return
        assert isinstance(event, WebhookEvent)

    @given(
        event_type=st.one_of(st.sampled_from(sorted(EVENT_CLASSES)), st.text(min_size=1)),
        event_data=st.dictionaries(
            st.sampled_from(["video_id", "url", "msg", "message", "callback_id", "x"]),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.lists(st.integers())),
        ),
    )
    def test_property_any_event_data_parses(self, event_type, event_data):
        """Any event_data parses into the type's class; typed fields are text or None."""
        event = parse_event(payload(event_type, **event_data))
        assert type(event) is EVENT_CLASSES.get(event_type, UnknownEvent)
        assert event.event_type == event_type
        assert event.data == event_data
        for name in type(event)._SOURCES:
            assert getattr(event, name) is None or isinstance(getattr(event, name), str)


@pytest.fixture(scope="module")
def example():
    """The example receiver module."""
    return load_example()


@pytest.fixture
def receiver(example):
    """The example receiver, serving on 127.0.0.1 on an ephemeral port."""
    with example.running(example.make_receiver(SECRET)) as server:
        yield server


@pytest.fixture
def http():
    """A urllib3 pool with no retries and short timeouts, cleared afterwards."""
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=5.0))
    yield pool
    pool.clear()


def post(http, url, body, headers):
    """POST ``body`` with ``headers``; returns (status, decoded JSON answer)."""
    answer = http.request("POST", url, body=body, headers=headers)
    return answer.status, json.loads(answer.data)


def raw_exchange(server, data):
    """Send ``data`` over a plain socket and return the status line's code."""
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        reply = sock.makefile("rb").readline()
    return int(reply.split()[1])


class TestExampleReceiver:
    """examples/webhook_receiver.py, over a real socket."""

    def test_options_validation_is_fast(self, receiver, http):
        """HeyGen's OPTIONS check gets 200 well within its 1 s limit, with Allow."""
        started = time.monotonic()
        answer = http.request("OPTIONS", receiver.url, timeout=1.0)
        assert answer.status == 200
        assert time.monotonic() - started < 1.0
        assert answer.headers["Allow"] == "POST, OPTIONS"

    def test_signed_event_is_queued(self, receiver, http):
        """A signed event: 200, and the typed event lands on the queue."""
        body = payload("avatar_video.success", video_id="v9", url="u", callback_id="c")
        status, answer = post(http, receiver.url, body, {"Signature": sign_webhook(body, SECRET)})
        assert (status, answer) == (200, {"received": "avatar_video.success"})
        event = receiver.events.get_nowait()
        assert isinstance(event, AvatarVideoSuccess)
        assert event.video_id == "v9"

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Signature": "00" * 32}, {"Signature": sign_webhook(BODY, "whsec_wrong")}],
    )
    def test_forged_or_missing_signature_is_401(self, receiver, http, headers):
        """Missing, forged or wrong-secret signatures: 401 and nothing queued."""
        status, answer = post(http, receiver.url, BODY, headers)
        assert (status, answer) == (401, {"error": "invalid signature"})
        assert receiver.events.empty()

    def test_tampered_body_is_401(self, receiver, http):
        """A body changed after signing: 401."""
        signature = sign_webhook(BODY, SECRET)
        status, _ = post(http, receiver.url, BODY.replace(b"v1", b"v2"), {"Signature": signature})
        assert status == 401

    def test_signed_bad_json_is_400(self, receiver, http):
        """A correctly signed body that is not JSON: 400 with the reason."""
        body = b'{"event_type": '
        status, answer = post(http, receiver.url, body, {"Signature": sign_webhook(body, SECRET)})
        assert status == 400
        assert "not JSON" in answer["error"]
        assert receiver.events.empty()

    def test_unknown_event_is_accepted(self, receiver, http):
        """An event type the library does not model is still accepted and queued."""
        body = payload("brand_new.success", session_id="s")
        status, _ = post(http, receiver.url, body, {"Signature": sign_webhook(body, SECRET)})
        assert status == 200
        assert type(receiver.events.get_nowait()) is UnknownEvent

    def test_custom_header_name(self, example, http):
        """A receiver built with ``header=`` reads the signature from that header only."""
        server = example.make_receiver(SECRET, header="X-HeyGen-Signature")
        with example.running(server):
            signature = sign_webhook(BODY, SECRET)
            assert post(http, server.url, BODY, {"x-heygen-signature": signature})[0] == 200
            assert post(http, server.url, BODY, {"Signature": signature})[0] == 401

    def test_missing_length_is_411(self, receiver):
        """A POST without Content-Length is refused without waiting for a body."""
        status = raw_exchange(receiver, b"POST /webhook HTTP/1.0\r\nHost: x\r\n\r\n")
        assert status == 411

    def test_oversized_body_is_413(self, receiver):
        """A declared length over the limit is refused before reading the body."""
        request = b"POST /webhook HTTP/1.0\r\nContent-Length: 99999999\r\n\r\n"
        assert raw_exchange(receiver, request) == 413

    def test_bad_length_is_400(self, receiver):
        """A Content-Length that is not a number is a bad request."""
        request = b"POST /webhook HTTP/1.0\r\nContent-Length: -5\r\n\r\n"
        assert raw_exchange(receiver, request) == 400

    def test_other_methods_unsupported(self, receiver, http):
        """GET is not a webhook: 501 from http.server."""
        assert http.request("GET", receiver.url).status == 501

    def test_main_runs_the_demo(self, example, monkeypatch):
        """``main()`` prints each outcome and the queued event, and exits normally."""
        out = io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        example.main()
        text = out.getvalue()
        assert "signed event       -> 200 OK" in text
        assert "forged signature   -> 401 Unauthorized" in text
        assert "signed, not JSON   -> 400 Bad Request" in text
        assert "queued: AvatarVideoSuccess(" in text


class TestEventTypes:
    """The event types are the spec's."""

    def test_event_types_are_the_specs(self):
        """EVENT_TYPES is the enum of the events list and of the endpoints' ``events``."""
        document = load_spec("v3").document["paths"]
        [param] = [
            p
            for p in document["/v3/webhooks/events"]["get"]["parameters"]
            if p["name"] == "event_type"
        ]
        assert tuple(param["schema"]["enum"]) == EVENT_TYPES
        body = document["/v3/webhooks/endpoints"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert tuple(schema["properties"]["events"]["items"]["enum"]) == EVENT_TYPES

    def test_video_url_as_well_as_url(self):
        """A v3 payload's ``event_data.video_url`` is read like the legacy ``url``."""
        v3 = parse_event(payload("avatar_video.success", video_id="v", video_url="https://c/v"))
        legacy = parse_event(payload("avatar_video.success", video_id="v", url="https://c/v"))
        assert v3.url == v3.video_url == legacy.url == legacy.video_url == "https://c/v"
        translated = parse_event(payload("video_translate.success", video_url="https://c/t"))
        assert translated.url == "https://c/t"

    def test_preflight_failures_are_failures(self):
        """The translation preflight events are typed failures."""
        for name in (
            "video_translate.preflight.validation_failed",
            "video_translate.preflight.download_failed",
        ):
            event = parse_event(payload(name, video_translate_id="t", message="bad"))
            assert isinstance(event, VideoTranslateFail)
            assert (event.succeeded, event.message, event.event_type) == (False, "bad", name)

    def test_event_id_and_callback_id(self):
        """``event_id`` (top level) and ``callback_id`` (any event type) are read."""
        body = json.dumps(
            {"event_id": "e1", "event_type": "video_agent.fail", "event_data": {"callback_id": "c"}}
        ).encode()
        event = parse_event(body)
        assert (event.event_id, event.callback_id, event.succeeded) == ("e1", "c", False)
        assert event.verified_by is None


class TestSignatureScheme:
    """The signature's header, encoding and timestamp are configurable; each variant holds."""

    def test_several_header_names(self):
        """``header=`` may list names; the first present is read, in any case."""
        signature = sign_webhook(BODY, SECRET)
        assert verify_request(
            {"x-heygen-signature": signature}, BODY, SECRET, header=SIGNATURE_HEADERS
        )
        assert verify_request({"X-Signature": signature}, BODY, SECRET, header=SIGNATURE_HEADERS)
        assert not verify_request({"X-Other": signature}, BODY, SECRET, header=SIGNATURE_HEADERS)

    def test_base64_encoding(self):
        """A base64 scheme verifies base64 (standard or URL-safe, prefix or not), not hex."""
        scheme = SignatureScheme(encoding="base64")
        value = scheme.sign(BODY, SECRET)
        digest = base64.b64decode(value)
        assert digest.hex() == sign_webhook(BODY, SECRET)
        urlsafe = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        for candidate in (value, f"sha256={value}", urlsafe):
            assert verify_request({"Signature": candidate}, BODY, SECRET, scheme=scheme)
        assert not verify_request({"Signature": digest.hex()}, BODY, SECRET, scheme=scheme)
        assert verify_webhook(BODY, value, SECRET, encoding="base64")
        assert not verify_webhook(
            BODY, base64.b64encode(digest[:31]).decode(), SECRET, encoding="base64"
        )

    def test_timestamped_scheme(self):
        """``{timestamp}.{body}`` signed, read from the timestamp header, within the window."""
        scheme = SignatureScheme(timestamp_header="Signature-Timestamp", clock=lambda: 1_000_000)
        signature = scheme.sign(BODY, SECRET, timestamp="999900")
        headers = {"Signature": signature, "Signature-Timestamp": "999900"}
        assert verify_request(headers, BODY, SECRET, scheme=scheme)
        event = verified_event(headers, BODY, SECRET, scheme=scheme)
        assert event.verified_by == "signature"

    @pytest.mark.parametrize(
        ("timestamp", "message"),
        [
            (None, "no Signature-Timestamp header"),
            ("999699", "replay window"),
            ("1000301", "replay window"),
            ("soon", "not a Unix time"),
            ("-5", "not a Unix time"),
            ("1" * 40, "not a Unix time"),
            ("\u0661\u0662", "not a Unix time"),
        ],
    )
    def test_replay_window_refuses(self, timestamp, message):
        """A stale, future, missing or odd timestamp is refused even with a valid signature."""
        scheme = SignatureScheme(timestamp_header="Signature-Timestamp", clock=lambda: 1_000_000)
        headers = {"Signature": scheme.sign(BODY, SECRET, timestamp=timestamp or "0")}
        if timestamp is not None:
            headers["Signature-Timestamp"] = timestamp
        with pytest.raises(WebhookSignatureError, match=message):
            verified_event(headers, BODY, SECRET, scheme=scheme)

    def test_timestamp_is_signed(self):
        """Moving a captured signature to a fresh timestamp does not verify (no replay)."""
        scheme = SignatureScheme(timestamp_header="Signature-Timestamp", clock=lambda: 1_000_000)
        old = scheme.sign(BODY, SECRET, timestamp="999000")
        headers = {"Signature": old, "Signature-Timestamp": "1000000"}
        with pytest.raises(WebhookSignatureError, match="does not match"):
            verified_event(headers, BODY, SECRET, scheme=scheme)
        plain = {"Signature": sign_webhook(BODY, SECRET), "Signature-Timestamp": "1000000"}
        assert not verify_request(plain, BODY, SECRET, scheme=scheme)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"encoding": "hexadecimal"},
            {"header": ""},
            {"header": ()},
            {"tolerance": 0},
            {"tolerance": float("inf")},
            {"tolerance": True},
            {"timestamp_header": ""},
        ],
    )
    def test_bad_schemes_refused(self, kwargs):
        """A scheme that cannot work is a ValueError when it is made."""
        with pytest.raises(ValueError):
            SignatureScheme(**kwargs)

    def test_scheme_must_be_a_scheme(self):
        """A scheme that is not a SignatureScheme is a TypeError, not a silent default."""
        with pytest.raises(TypeError):
            verify_request({"Signature": "x"}, BODY, SECRET, scheme="base64")  # type: ignore[arg-type]

    def test_empty_header_value_is_not_valid(self):
        """A present but empty signature header is a wrong signature, not a missing one."""
        with pytest.raises(WebhookSignatureError, match="does not match"):
            verified_event({"Signature": ""}, BODY, SECRET)
        with pytest.raises(WebhookSignatureError, match="does not match"):
            receive_event({"Signature": ""}, CALLBACK, secret=SECRET, callback_ids="cb_7Hq2")

    def test_every_comparison_is_constant_time(self, monkeypatch):
        """Each scheme compares digests through hmac.compare_digest, good and bad alike."""
        calls = []
        real = hmac.compare_digest

        def spy(a, b):
            calls.append(len(a))
            return real(a, b)

        monkeypatch.setattr("heygen_pipeline.webhooks.hmac.compare_digest", spy)
        for scheme in (SignatureScheme(), SignatureScheme(encoding="base64")):
            good = {"Signature": scheme.sign(BODY, SECRET)}
            assert verify_request(good, BODY, SECRET, scheme=scheme)
            bad = {"Signature": scheme.sign(BODY, "whsec_other")}
            assert not verify_request(bad, BODY, SECRET, scheme=scheme)
        assert calls == [32, 32, 32, 32]

    @given(
        body=bodies, signature=st.text(max_size=100), encoding=st.sampled_from(["hex", "base64"])
    )
    def test_property_arbitrary_signature_never_raises(self, body, signature, encoding):
        """Any header value is a clean False, under either encoding."""
        scheme = SignatureScheme(encoding=encoding)
        assert verify_request({"Signature": signature}, body, SECRET, scheme=scheme) in (
            True,
            False,
        )


class TestBodyLimit:
    """Bodies are bounded before any work is done on them."""

    def test_oversized_body_refused_before_the_signature(self, monkeypatch):
        """A body over ``max_body`` is a payload error, without computing an HMAC."""
        monkeypatch.setattr(
            "heygen_pipeline.webhooks.hmac.new", lambda *_: pytest.fail("HMAC computed")
        )
        big = b"{" + b" " * MAX_WEBHOOK_BODY + b"}"
        with pytest.raises(WebhookPayloadError, match="over the 1048576-byte limit"):
            verified_event({"Signature": "0" * 64}, big, SECRET)
        with pytest.raises(WebhookPayloadError, match="over the 10-byte limit"):
            callback_event(BODY, "c", max_body=10)

    def test_limit_is_configurable(self):
        """``max_body`` raises or lowers the bound; a bad value is refused."""
        assert verified_event(
            {"Signature": sign_webhook(BODY, SECRET)}, BODY, SECRET, max_body=len(BODY)
        )
        with pytest.raises(WebhookPayloadError):
            verified_event(
                {"Signature": sign_webhook(BODY, SECRET)}, BODY, SECRET, max_body=len(BODY) - 1
            )
        with pytest.raises(ValueError):
            verified_event({"Signature": "x"}, BODY, SECRET, max_body=-1)


CALLBACK = payload("avatar_video.success", video_id="v1", callback_id="cb_7Hq2")


class TestCallbackEvent:
    """Unsigned per-job ``callback_url`` deliveries, accepted by their echoed callback_id."""

    def test_matching_callback_id(self):
        """The echoed id you issued: the event, marked as authenticated by callback_id."""
        event = callback_event(CALLBACK, "cb_7Hq2")
        assert isinstance(event, AvatarVideoSuccess)
        assert (event.callback_id, event.verified_by) == ("cb_7Hq2", "callback_id")
        assert callback_event(CALLBACK, ["other", "cb_7Hq2"]).video_id == "v1"

    @pytest.mark.parametrize(
        "body",
        [
            payload("avatar_video.success", video_id="v1", callback_id="cb_7Hq3"),
            payload("avatar_video.success", video_id="v1", callback_id="cb_7Hq"),
            payload("avatar_video.success", video_id="v1", callback_id="CB_7HQ2"),
            payload("avatar_video.success", video_id="v1"),
            payload("avatar_video.success", video_id="v1", callback_id=""),
            payload("avatar_video.success", video_id="v1", callback_id=None),
        ],
    )
    def test_other_or_missing_id_refused(self, body):
        """Any other, partial, case-changed, empty or missing id is a signature error."""
        with pytest.raises(WebhookSignatureError, match="callback_id"):
            callback_event(body, "cb_7Hq2")

    @pytest.mark.parametrize("expected", ["", " ", [], [""], 7, [None]])
    def test_expected_ids_checked(self, expected):
        """The ids you expect must be non-empty strings: a wildcard cannot slip in."""
        with pytest.raises((ValueError, TypeError)):
            callback_event(CALLBACK, expected)

    def test_compared_in_constant_time_against_every_id(self, monkeypatch):
        """Each expected id is compared through hmac.compare_digest, even after a match."""
        calls = []
        real = hmac.compare_digest
        monkeypatch.setattr(
            "heygen_pipeline.webhooks.hmac.compare_digest",
            lambda a, b: calls.append(b) or real(a, b),
        )
        callback_event(CALLBACK, ["cb_7Hq2", "b", "c"])
        assert calls == [b"cb_7Hq2", b"b", b"c"]

    def test_not_an_event_is_a_payload_error(self):
        """An unsigned body that is not an event: WebhookPayloadError."""
        with pytest.raises(WebhookPayloadError):
            callback_event(b"<html>", "cb_7Hq2")

    def test_new_callback_ids_are_unguessable(self):
        """``new_callback_id`` gives long random ids, different each time."""
        ids = {new_callback_id() for _ in range(50)}
        assert len(ids) == 50
        assert all(len(i) >= 32 for i in ids)


class TestReceiveEvent:
    """``receive_event``: signed deliveries by secret, unsigned ones by callback_id."""

    def test_signed(self):
        """A signed delivery is verified with the secret."""
        headers = {"Signature": sign_webhook(BODY, SECRET)}
        event = receive_event(headers, BODY, secret=SECRET, callback_ids=["x"])
        assert event.verified_by == "signature"

    def test_unsigned_by_callback_id(self):
        """An unsigned delivery with an expected callback_id is accepted as such."""
        event = receive_event({}, CALLBACK, secret=SECRET, callback_ids=["cb_7Hq2"])
        assert event.verified_by == "callback_id"

    def test_forged_signature_never_falls_back(self):
        """A wrong signature is forged, even when the body echoes a known callback_id."""
        with pytest.raises(WebhookSignatureError, match="does not match"):
            receive_event({"Signature": "0" * 64}, CALLBACK, secret=SECRET, callback_ids="cb_7Hq2")

    def test_unsigned_without_callback_ids_refused(self):
        """With only a secret, an unsigned delivery is refused as unsigned."""
        with pytest.raises(WebhookSignatureError, match="no Signature header"):
            receive_event({}, CALLBACK, secret=SECRET)

    def test_configuration_errors(self):
        """Neither secret nor ids, or a signed delivery with no secret: ConfigurationError."""
        with pytest.raises(ConfigurationError):
            receive_event({}, CALLBACK)
        with pytest.raises(ConfigurationError):
            receive_event({"Signature": "0" * 64}, CALLBACK, callback_ids="cb_7Hq2")

    def test_header_names_configurable(self):
        """``header=`` decides which header makes a delivery signed."""
        headers = {"X-HeyGen-Signature": sign_webhook(CALLBACK, SECRET)}
        event = receive_event(headers, CALLBACK, secret=SECRET, header=SIGNATURE_HEADERS)
        assert event.verified_by == "signature"
        unsigned = receive_event(headers, CALLBACK, secret=SECRET, callback_ids="cb_7Hq2")
        assert unsigned.verified_by == "callback_id"
