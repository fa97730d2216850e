"""FakeHeyGen routes for v3 voices: list, get, delete, design, clone and speech, spec-shaped.

The stock voices are HeyGen's (``type: public``) and keep the ids of the legacy v2 list;
clones are the account's (``private``): ``processing`` a step per ``GET /v3/voices/{id}``,
then ``complete``, or ``failed`` with a ``failure_message`` when scripted
(``FakeHeyGen.fail_voice_clone``). Speech needs a voice of the ``starfish`` engine.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from heygen_pipeline.testing._fake_avatars import CloneView
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route
from heygen_pipeline.testing._fake_routes_shared import asset_input_error, bad, page
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["PUBLIC_VOICES", "ROUTES"]

LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/voices``."""
_CREATED: Final = 1_700_000_000
_MAX_TEXT: Final = 5000
_SECONDS_PER_WORD: Final = 0.4
# voice id, name, language, locale, gender, supports pause, supports locales, engines, interactive
PUBLIC_VOICES: Final = (
    (
        "v-f-en-1",
        "Allison - Cheerful",
        "English",
        "en-US",
        "female",
        True,
        True,
        ("starfish",),
        True,
    ),
    ("v-m-en-1", "Paul - Natural", "English", "en-US", "male", True, True, ("starfish",), True),
    ("v-m-en-2", "Mark - Professional", "English", "en-GB", "male", False, False, (), False),
    ("v-f-es-1", "Lucia - Warm", "Spanish", "es-ES", "female", True, True, ("starfish",), False),
    ("v-m-de-1", "Jonas - Calm", "German", "de-DE", "male", False, False, (), False),
    ("v-f-fr-1", "Camille - Bright", "French", "fr-FR", "female", True, True, ("starfish",), True),
)


def _not_found() -> Reply:
    return error_reply(404, "v3", "voice_not_found", "Voice not found")


def _listed(c: Call, row: tuple[Any, ...]) -> dict[str, Any]:
    """A stock voice as lists and designs give it."""
    voice_id, name, language, _, gender, pause, locales, _, _ = row
    return {
        "voice_id": voice_id,
        "name": name,
        "language": language,
        "gender": gender,
        "type": "public",
        "preview_audio_url": f"{c.cdn}/previews/{voice_id}.mp3",
        "support_pause": pause,
        "support_locale": locales,
    }


def _clone_listed(view: CloneView) -> dict[str, Any]:
    clone = view.clone
    return {
        "voice_id": clone.id,
        "name": clone.name,
        "language": clone.language or "English",
        "gender": "unknown",
        "type": "private",
        "preview_audio_url": None,
        "support_pause": True,
        "support_locale": False,
    }


def list_voices(c: Call) -> Reply:
    """GET /v3/voices: filtered by type, engine, language and gender; 100 a page."""
    query = c.req.query
    kind = query.get("type")
    if kind is not None and kind not in {"public", "private"}:
        return bad("type must be public or private", "type")
    engine, language, gender = query.get("engine"), query.get("language"), query.get("gender")
    found = [
        _listed(c, row)
        for row in PUBLIC_VOICES
        if kind != "private"
        and (engine is None or engine in row[7])
        and (language is None or language.casefold() == row[2].casefold())
        and (gender is None or gender.casefold() == row[4])
    ]
    if kind != "public" and engine is None:
        found += [
            _clone_listed(v)
            for v in c.state.voices.views()
            if v.status == "complete"
            and (language is None or language.casefold() == (v.clone.language or "").casefold())
            and gender is None
        ]
    return page(c, found, LIMIT)


def get_voice(c: Call) -> Reply:
    """GET /v3/voices/{voice_id}: a clone's status moves a step on."""
    row = next((v for v in PUBLIC_VOICES if v[0] == c.params["id"]), None)
    if row is not None:
        voice_id, name, language, _, gender, pause, _, _, interactive = row
        data: dict[str, Any] = {
            "voice_id": voice_id,
            "name": name,
            "language": language,
            "gender": gender,
            "preview_audio_url": f"{c.cdn}/previews/{voice_id}.mp3",
            "support_pause": pause,
            "support_interactive_avatar": interactive,
            "created_at": _CREATED,
        }
        return json_reply(200, {"data": data})
    view = c.state.voices.poll(c.params["id"])
    if view is None:
        return _not_found()
    clone, failed = view.clone, view.status == "failed"
    data = {
        "voice_id": clone.id,
        "name": clone.name,
        "language": clone.language,
        "gender": None,
        "preview_audio_url": (
            f"{c.cdn}/previews/{clone.id}.mp3" if view.status == "complete" else None
        ),
        "support_pause": True,
        "support_interactive_avatar": False,
        "created_at": clone.created_at,
        "status": view.status,
        "failure_message": (
            (clone.failure.message if clone.failure else None) or "Voice cloning failed"
            if failed
            else None
        ),
    }
    return json_reply(200, {"data": data})


def delete_voice(c: Call) -> Reply:
    """DELETE /v3/voices/{voice_id}: one of the account's voices."""
    if any(v[0] == c.params["id"] for v in PUBLIC_VOICES):
        return error_reply(403, "v3", "forbidden", "HeyGen's own voices cannot be deleted")
    if not c.state.voices.delete(c.params["id"]):
        return _not_found()
    return json_reply(200, {"data": {"voice_id": c.params["id"]}})


def design(c: Call) -> Reply:
    """POST /v3/voices: stock voices for a prompt, a batch of 3 per ``seed``."""
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return bad("prompt is required", "prompt")
    seed = body.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return bad("seed must be an integer >= 0", "seed")
    gender, locale = body.get("gender"), body.get("locale")
    matches = [
        _listed(c, row)
        for row in PUBLIC_VOICES
        if (gender is None or str(gender).casefold() == row[4])
        and (locale is None or str(locale).casefold() == row[3].casefold())
    ]
    batch = matches[seed * 3 : seed * 3 + 3]
    return json_reply(200, {"data": {"seed": seed, "voices": batch}})


def clone(c: Call) -> Reply:
    """POST /v3/voices/clone: a new private voice, ``processing`` at first."""
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    name = body.get("voice_name")
    if not isinstance(name, str) or not name.strip():
        return bad("voice_name is required", "voice_name")
    if (refusal := asset_input_error(body.get("audio"), "audio")) is not None:
        return refusal
    language = body.get("language")
    voice_id = c.state.voices.create(name, language if isinstance(language, str) else None)
    return json_reply(200, {"data": {"voice_clone_id": voice_id}})


def speech(c: Call) -> Reply:
    """POST /v3/voices/speech: 1-5000 characters with a starfish voice; word timings."""
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    text = body.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= _MAX_TEXT:
        return bad(f"text must be 1-{_MAX_TEXT} characters", "text")
    row = next((v for v in PUBLIC_VOICES if v[0] == body.get("voice_id")), None)
    if row is None:
        return _not_found()
    if "starfish" not in row[7]:
        return bad("the voice does not support the starfish engine", "voice_id")
    speed = body.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.5 <= speed <= 2:  # noqa: PLR2004
        return bad("speed must be between 0.5 and 2.0", "speed")
    if body.get("input_type", "text") not in {"text", "ssml"}:
        return bad("input_type must be text or ssml", "input_type")
    step = _SECONDS_PER_WORD / speed
    words = [
        {"word": word, "start": round(n * step, 3), "end": round((n + 1) * step, 3)}
        for n, word in enumerate(text.split())
    ]
    request_id = secrets.token_hex(16)
    data = {
        "audio_url": f"{c.cdn}/previews/speech-{request_id}.mp3",
        "duration": round(len(words) * step, 3),
        "request_id": request_id,
        "word_timestamps": words,
    }
    return json_reply(200, {"data": data})


ROUTES: Final = (
    route("api", "GET", "/v3/voices", "v3", list_voices),
    route("api", "POST", "/v3/voices", "v3", design),
    route("api", "POST", "/v3/voices/clone", "v3", clone),
    route("api", "POST", "/v3/voices/speech", "v3", speech),
    route("api", "GET", f"/v3/voices/{ID}", "v3", get_voice),
    route("api", "DELETE", f"/v3/voices/{ID}", "v3", delete_voice),
)
"""The voice routes."""
