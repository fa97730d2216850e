"""Facts about HeyGen's service itself: where its API and its upload host live.

One home for them, imported by the auth middleware, the default stack and the client.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_UPLOAD_URL", "UPLOAD_HOST"]

DEFAULT_BASE_URL: Final = "https://api.heygen.com"
"""HeyGen's API."""
UPLOAD_HOST: Final = "upload.heygen.com"
"""The legacy asset upload host, allowlisted by default next to the base URL's host."""
DEFAULT_UPLOAD_URL: Final = f"https://{UPLOAD_HOST}"
"""The legacy asset upload service."""
