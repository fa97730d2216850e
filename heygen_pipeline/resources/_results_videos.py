"""Result models of ``client.videos`` beyond `Video`: video batches.

A batch's items are ``queued``, ``processing``, then ``completed`` or ``failed`` (with an
``error`` object); each item's ``id`` is its video's, once the video exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from heygen_pipeline.resources._results_assets import AssetBatch

__all__ = ["VideoBatch"]


@attrs.frozen(kw_only=True)
class VideoBatch(AssetBatch):
    """A video batch and one page of its items (``GET /v3/videos/batches/{batch_id}``)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VideoBatch:
        """Read a video batch (also what creating one answers)."""
        return cls(**attrs.asdict(AssetBatch.from_api(data), recurse=False))
