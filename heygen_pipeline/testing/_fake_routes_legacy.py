"""FakeHeyGen routes for the rest of the legacy v1/v2 spec: deletes, event names, languages.

Same conventions as ``_fake_routes``; answers follow the legacy spec's published examples
(v1: ``{"code": 100, "data", "msg"}`` and numeric error codes; v2: ``{"error", "data"}``).
"""

from __future__ import annotations

from typing import Final

from heygen_pipeline.testing._fake_routes import Call, route, v1_ok, v2_ok
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["ROUTES"]


def v1_delete(c: Call) -> Reply:
    """DELETE /v1/video.delete?video_id=: 404 (code 40104) when there is no such video."""
    video_id = c.req.query.get("video_id")
    if not video_id:
        return json_reply(400, {"code": 40001, "message": "Missing required parameter: video_id"})
    if not c.state.delete(video_id):
        return json_reply(404, {"code": 40104, "message": "Video not found"})
    return v1_ok(None, msg=None)


_TARGET_LANGUAGES: Final = ("English", "Spanish", "French", "German", "Japanese", "Portuguese")


def v2_target_languages(c: Call) -> Reply:
    """GET /v2/video_translate/target_languages: the languages a translation can target."""
    del c
    return v2_ok({"languages": list(_TARGET_LANGUAGES)})


_V1_EVENTS: Final = (
    "avatar_video.success",
    "avatar_video.fail",
    "avatar_video_gif.success",
    "avatar_video_gif.fail",
    "video_translate.success",
    "video_translate.fail",
)


def v1_webhook_events(c: Call) -> Reply:
    """GET /v1/webhook/webhook.list: the event names an endpoint can subscribe to."""
    del c
    return v1_ok(list(_V1_EVENTS), msg=None)


ROUTES: Final = (
    route("api", "DELETE", r"/v1/video\.delete", "v1", v1_delete),
    route("api", "GET", r"/v1/webhook/webhook\.list", "v1", v1_webhook_events),
    # Before the {id} route of _fake_routes_jobs: a literal segment wins, as in the spec.
    route("api", "GET", "/v2/video_translate/target_languages", "v2", v2_target_languages),
)
"""The routes of this module (served ahead of the others)."""
