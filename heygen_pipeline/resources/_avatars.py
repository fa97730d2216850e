"""``client.avatars``: avatar looks (what a video shows), groups, creation, consent; legacy v2.

HeyGen's v3 API has two levels. A **group** (``GET /v3/avatars``) is one identity; its
**looks** (``GET /v3/avatars/looks``) are the outfits and styles a video can show, and a
look's id is what ``POST /v3/videos`` takes as ``avatar_id``. So ``client.avatars.list()``
lists looks (also as ``client.avatars.looks.list()``, with get, update and delete there);
groups have their own clearly named methods (`Avatars.list_groups`, ...).
"""

from __future__ import annotations

import builtins
import os
import random as _random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._avatars_looks import (
    LOOKS_LIMIT,
    AvatarLooks,
    AvatarType,
    Ownership,
)
from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_choice,
    check_limit,
    optional_text,
    parsed,
    required_text,
)
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._inputs import asset_input
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results import Avatar, TalkingPhoto
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._results_avatars import (
    OWNERSHIPS,
    AvatarConsent,
    AvatarCreation,
    AvatarGroup,
    AvatarLook,
)
from heygen_pipeline.typing import Clock, Random, Sleep

if TYPE_CHECKING:
    from heygen_pipeline.resources._requester import Requester

__all__ = [
    "DEFAULT_TRAINING_WAIT",
    "GROUPS_LIMIT",
    "LOOKS_LIMIT",
    "MAX_REFERENCE_IMAGES",
    "AvatarLooks",
    "Avatars",
    "training_failure",
]

GROUPS_LIMIT: Final = 50
"""The ``limit`` maximum of ``GET /v3/avatars``."""
MAX_REFERENCE_IMAGES: Final = 3
"""A prompt-generated avatar takes at most this many reference images."""
DEFAULT_TRAINING_WAIT: Final = 3600.0
"""How long `Avatars.wait` waits for training by default (seconds)."""
_BASE: Final = "/v3/avatars"


def _ids(values: Sequence[str] | None, what: str) -> builtins.list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        msg = f"{what} must be a list of str, not a single str"
        raise TypeError(msg)
    return [required_text(v, what) for v in values]


def training_failure(
    group: AvatarGroup, group_id: str, request_id: str | None
) -> JobFailedError | None:
    """The error for a group whose training failed (HeyGen's ``error``, or that it gave none)."""
    if not group.is_failed:
        return None
    reason = group.failure_message
    message = (
        f"the avatar group {group_id} failed to train: {reason}"
        if reason
        else f"the avatar group {group_id} failed to train, and HeyGen gave no reason"
    )
    return JobFailedError(
        message,
        code=group.failure_code,
        request_id=request_id,
        job_id=group_id,
        job_status=group.status,
        failure_message=reason,
    )


class Avatars(JobResource):
    """Avatars: the looks a video shows, their groups, creating and consenting; legacy v2.

    Sleeping, the clock and the jitter of `wait` are injectable, as on ``client.videos``.
    """

    __slots__ = ("looks",)

    def __init__(
        self,
        client: Requester,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        random: Random = _random.random,
    ) -> None:
        """Bind the helper (and ``looks``, its looks helper) to ``client``."""
        super().__init__(client, sleep=sleep, clock=clock, random=random)
        self.looks = AvatarLooks(client)
        """The looks: ``list``, ``get``, ``update`` (rename) and ``delete``."""

    # ---- looks: what a video shows -----------------------------------------------------------

    @operation("GET /v3/avatars/looks", model=AvatarLook)
    def list(
        self,
        *,
        group_id: str | None = None,
        avatar_type: AvatarType | None = None,
        ownership: Ownership | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[AvatarLook]:
        """Every avatar look you can put in a video (``GET /v3/avatars/looks``), lazily.

        The same as ``client.avatars.looks.list(...)``: pass a look's ``id`` as
        ``avatar_id`` to ``client.videos.create``. Groups: `list_groups`.
        """
        return self.looks.list(
            group_id=group_id,
            avatar_type=avatar_type,
            ownership=ownership,
            page_size=page_size,
            max_pages=max_pages,
        )

    @operation("GET /v3/avatars/looks/{look_id}", model=AvatarLook)
    def get(self, look_id: str) -> AvatarLook:
        """One look (``GET /v3/avatars/looks/{look_id}``), as ``client.avatars.looks.get``."""
        return self.looks.get(look_id)

    # ---- groups ------------------------------------------------------------------------------

    @operation("GET /v3/avatars", model=AvatarGroup)
    def list_groups(
        self,
        *,
        ownership: Ownership | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[AvatarGroup]:
        """Every avatar group (``GET /v3/avatars``), lazily; ``page_size`` is 1-50.

        A group is an identity, not something a video shows: its looks are
        ``client.avatars.list(group_id=group.id)``.
        """
        params = {"ownership": check_choice(ownership, OWNERSHIPS, "ownership")}
        pages = paginate(
            self._client,
            _BASE,
            params=params,
            page_size=check_limit(page_size, GROUPS_LIMIT),
            max_pages=max_pages,
        )
        return (AvatarGroup.from_api(item) for item in pages)

    @operation("GET /v3/avatars/{group_id}", model=AvatarGroup)
    def get_group(self, group_id: str) -> AvatarGroup:
        """One avatar group (``GET /v3/avatars/{group_id}``): its training and consent status."""
        path = f"{_BASE}/{path_id(group_id, 'group_id')}"
        return parsed(AvatarGroup.from_api, self._client.request("GET", path))

    @operation("DELETE /v3/avatars/{group_id}", model=Deletion)
    def delete_group(self, group_id: str) -> Deletion:
        """Delete one of your avatar groups, its looks with it (``DELETE /v3/avatars/{id}``)."""
        path = f"{_BASE}/{path_id(group_id, 'group_id')}"
        return parsed(Deletion.from_api, self._client.request("DELETE", path))

    def wait(
        self,
        group: str | AvatarGroup | AvatarCreation,
        *,
        timeout: float = DEFAULT_TRAINING_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[AvatarGroup], None] | None = None,
    ) -> AvatarGroup:
        """Poll an avatar group until it is trained; always ends within ``timeout`` seconds.

        Takes a group id, a group or what a ``create_*`` call answered. Same schedule and
        rules as ``client.videos.wait``. A digital twin stays ``pending_consent`` until the
        person consents (`consent`): wait after that, or the wait times out.

        Raises:
            JobFailedError: training failed (with HeyGen's code and message, if it gave them).
            WaitTimeoutError: ``timeout`` passed first.
        """
        if isinstance(group, AvatarCreation):
            group = group.avatar_group or AvatarGroup()
        group_id = group.id if isinstance(group, AvatarGroup) else group
        path = f"{_BASE}/{path_id(group_id, 'group_id')}"
        return self._wait_job(
            path,
            AvatarGroup.from_api,
            finished=lambda g: g.status is None or g.status == "completed",
            failure=training_failure,
            what="avatar group",
            job_id=str(group_id),
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )

    # ---- creating ------------------------------------------------------------------------------

    def _create(self, body: dict[str, Any], idempotency_key: str | None) -> AvatarCreation:
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request("POST", _BASE, json=body, **options)
        return parsed(AvatarCreation.from_api, response)

    @operation("POST /v3/avatars", model=AvatarCreation)
    def create_from_prompt(
        self,
        name: str,
        prompt: str,
        *,
        reference_image_urls: Sequence[str] | None = None,
        reference_image_asset_ids: Sequence[str] | None = None,
        avatar_id: str | None = None,
        avatar_group_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> AvatarCreation:
        """Generate an avatar from a text ``prompt`` (``POST /v3/avatars``, ``type: prompt``).

        Up to three reference images, by public URL or uploaded asset id. ``avatar_id`` (a
        look) is a visual reference whose group the result joins; ``avatar_group_id`` saves
        it to a group of yours. Returns the group and the new look (``processing`` at first).
        """
        urls = _ids(reference_image_urls, "reference_image_urls")
        assets = _ids(reference_image_asset_ids, "reference_image_asset_ids")
        images = [
            *({"type": "url", "url": u} for u in urls),
            *({"type": "asset_id", "asset_id": a} for a in assets),
        ]
        if len(images) > MAX_REFERENCE_IMAGES:
            msg = f"at most {MAX_REFERENCE_IMAGES} reference images in all, not {len(images)}"
            raise ValueError(msg)
        body: dict[str, Any] = {
            "type": "prompt",
            "name": required_text(name, "name"),
            "prompt": required_text(prompt, "prompt"),
            **drop_none(
                avatar_id=optional_text(avatar_id, "avatar_id"),
                avatar_group_id=optional_text(avatar_group_id, "avatar_group_id"),
            ),
        }
        if images:
            body["reference_images"] = images
        return self._create(body, idempotency_key)

    @operation("POST /v3/avatars", model=AvatarCreation)
    def create_digital_twin(
        self,
        name: str,
        *,
        video_url: str | None = None,
        video_asset_id: str | None = None,
        video_path: str | os.PathLike[str] | None = None,
        video_media_type: str | None = None,
        avatar_group_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> AvatarCreation:
        """Train a digital twin from footage (``POST /v3/avatars``, ``type: digital_twin``).

        The footage is one of ``video_url`` (public HTTPS), ``video_asset_id`` (uploaded with
        ``client.assets.upload``, best for big files) or ``video_path`` (sent inline as
        base64). The twin then waits for the person's consent: see `consent`.
        """
        body = {
            "type": "digital_twin",
            "name": required_text(name, "name"),
            "file": asset_input(
                "video",
                url=video_url,
                asset_id=video_asset_id,
                path=video_path,
                media_type=video_media_type,
            ),
            **drop_none(avatar_group_id=optional_text(avatar_group_id, "avatar_group_id")),
        }
        return self._create(body, idempotency_key)

    @operation("POST /v3/avatars", model=AvatarCreation)
    def create_photo(
        self,
        name: str,
        *,
        image_url: str | None = None,
        image_asset_id: str | None = None,
        image_path: str | os.PathLike[str] | None = None,
        image_media_type: str | None = None,
        avatar_group_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> AvatarCreation:
        """Make a photo avatar from one photo (``POST /v3/avatars``, ``type: photo``).

        The photo is one of ``image_url``, ``image_asset_id`` or ``image_path`` (inline).
        """
        body = {
            "type": "photo",
            "name": required_text(name, "name"),
            "file": asset_input(
                "image",
                url=image_url,
                asset_id=image_asset_id,
                path=image_path,
                media_type=image_media_type,
            ),
            **drop_none(avatar_group_id=optional_text(avatar_group_id, "avatar_group_id")),
        }
        return self._create(body, idempotency_key)

    @operation("POST /v3/avatars/{group_id}/consent", model=AvatarConsent)
    def consent(
        self,
        group_id: str,
        *,
        reroute_url: str | None = None,
        consent_text: str | None = None,
        video_url: str | None = None,
        video_asset_id: str | None = None,
    ) -> AvatarConsent:
        """Ask for a digital twin's consent (``POST /v3/avatars/{group_id}/consent``).

        By default HeyGen answers with a consent page ``url`` to send the person to
        (``reroute_url``: where the page goes after; ``consent_text``: custom wording,
        Enterprise only, no ``<`` or ``>``). A recorded consent video (``video_url`` or
        ``video_asset_id``, Enterprise only) is submitted at once instead, and cannot be
        combined with those two.
        """
        path = f"{_BASE}/{path_id(group_id, 'group_id')}/consent"
        video = asset_input("video", url=video_url, asset_id=video_asset_id, required=False)
        text = optional_text(consent_text, "consent_text")
        if text is not None and ("<" in text or ">" in text):
            msg = "consent_text must not contain '<' or '>' (HeyGen refuses them)"
            raise ValueError(msg)
        body: dict[str, Any] = drop_none(
            reroute_url=optional_text(reroute_url, "reroute_url"), consent_text=text
        )
        if video is not None:
            if body:
                msg = "a consent video cannot be combined with reroute_url= or consent_text="
                raise TypeError(msg)
            body["consent_video"] = video
        return parsed(AvatarConsent.from_api, self._client.request("POST", path, json=body))

    # ---- legacy v2 -----------------------------------------------------------------------------

    @operation("GET /v2/avatar_group.list", spec="legacy", model=AvatarGroup)
    def list_groups_v2(self, *, include_public: bool = False) -> builtins.list[AvatarGroup]:
        """The legacy group list (``GET /v2/avatar_group.list``): yours, HeyGen's too if asked."""
        if not isinstance(include_public, bool):
            msg = f"include_public must be a bool, not {type(include_public).__name__}"
            raise TypeError(msg)
        params = {"include_public": "true" if include_public else "false"}
        data = self._client.get("/v2/avatar_group.list", params=params)
        groups = items(data, "avatar_group_list", "/v2/avatar_group.list")
        return [AvatarGroup.from_api(item) for item in groups]

    @operation("GET /v2/avatar_group/{group_id}/avatars", spec="legacy", model=Avatar)
    def group_avatars_v2(self, group_id: str) -> builtins.list[Avatar]:
        """A group's avatars from the legacy ``GET /v2/avatar_group/{group_id}/avatars``."""
        path = f"/v2/avatar_group/{path_id(group_id, 'group_id')}/avatars"
        data = self._client.get(path)
        return [Avatar.from_api(item) for item in items(data, "avatar_list", path)]

    @operation("GET /v2/avatars", spec="legacy", model=Avatar)
    def list_v2(self) -> builtins.list[Avatar]:
        """The legacy avatar list (``GET /v2/avatars``), all in one answer."""
        data = self._client.get("/v2/avatars")
        return [Avatar.from_api(item) for item in items(data, "avatars", "/v2/avatars")]

    @operation("GET /v2/avatars", spec="legacy", model=TalkingPhoto)
    def talking_photos(self) -> builtins.list[TalkingPhoto]:
        """The talking photos of the legacy avatar list (``GET /v2/avatars``)."""
        data = self._client.get("/v2/avatars")
        return [
            TalkingPhoto.from_api(item) for item in items(data, "talking_photos", "/v2/avatars")
        ]
