"""The spec's "asset input": a file given by URL, by uploaded asset id, or inline as base64.

Several v3 bodies (avatar creation and consent, voice cloning) take a file as one of
``{"type": "url", "url"}``, ``{"type": "asset_id", "asset_id"}`` or
``{"type": "base64", "media_type", "data"}``. `asset_input` builds one from exactly one of
three keyword arguments, checked before anything is sent.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from typing import Any

from heygen_pipeline.resources._checks import optional_text, required_text
from heygen_pipeline.resources._upload import regular_file

__all__ = ["asset_input"]


def asset_input(
    what: str,
    *,
    url: object = None,
    asset_id: object = None,
    path: str | os.PathLike[str] | None = None,
    media_type: object = None,
    required: bool = True,
) -> dict[str, Any] | None:
    """The asset input for ``{what}_url=``, ``{what}_asset_id=`` or ``{what}_path=``.

    A path is read and sent inline as base64, its ``media_type`` given or guessed from the
    extension (a big file is better uploaded first with ``client.assets.upload`` and passed
    by asset id). Exactly one of the three is needed (none at all when not ``required``).

    Raises:
        TypeError: none (when required) or several are given, or one is not a str.
        ValueError: a value is empty, or a path's media type cannot be told.
        FileNotFoundError: the path is not a file.
    """
    given = [
        name
        for name, value in (("url", url), ("asset_id", asset_id), ("path", path))
        if value is not None
    ]
    names = f"{what}_url=, {what}_asset_id= or {what}_path="
    if len(given) > 1:
        msg = f"pass one of {names}, not {' and '.join(f'{what}_{g}=' for g in given)}"
        raise TypeError(msg)
    if media_type is not None and given != ["path"]:
        msg = f"{what}_media_type= goes with {what}_path= only"
        raise TypeError(msg)
    if not given:
        if required:
            msg = f"pass one of {names}"
            raise TypeError(msg)
        return None
    if url is not None:
        return {"type": "url", "url": required_text(url, f"{what}_url")}
    if asset_id is not None:
        return {"type": "asset_id", "asset_id": required_text(asset_id, f"{what}_asset_id")}
    assert path is not None  # noqa: S101 - narrowed by the checks above
    file, _ = regular_file(path)
    kind = optional_text(media_type, f"{what}_media_type") or mimetypes.guess_type(file.name)[0]
    if kind is None:
        msg = f"cannot tell the media type of {file.name!r}: pass {what}_media_type="
        raise ValueError(msg)
    data = base64.b64encode(file.read_bytes()).decode("ascii")
    return {"type": "base64", "media_type": kind, "data": data}
