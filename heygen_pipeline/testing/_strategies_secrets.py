"""Hypothesis strategies for keys with awkward characters and the forms a text may show them in.

A key with ``+``, ``=``, ``/``, ``%`` or a space changes when it is percent-encoded (in either
hex case), form-encoded (spaces as ``+``) or JSON-escaped; `encoded_forms` lists every form the
library can render, so a test can look for all of them.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

__all__ = ["awkward_keys", "encoded_forms", "encoded_key_forms"]

_AWKWARD = "abcdefghijklmnopqrstuvwxyz0123456789+=/% _-."


def awkward_keys() -> st.SearchStrategy[str]:
    """Keys of the form ``hgk-...-k`` whose middle holds characters that encodings change."""
    return st.text(alphabet=_AWKWARD, min_size=8, max_size=40).map(lambda s: f"hgk-{s}-k")


def _lower_hex(encoded: str) -> str:
    """``%2B`` written ``%2b``: the same bytes, another case."""
    out = []
    i = 0
    while i < len(encoded):  # bounded: each turn consumes 1 or 3 characters
        if encoded[i] == "%":
            out.append(encoded[i : i + 3].lower())
            i += 3
        else:
            out.append(encoded[i])
            i += 1
    return "".join(out)


def encoded_forms(key: str) -> list[str]:
    """``key`` raw, percent-encoded (both hex cases, ``/`` kept or not), form- and JSON-encoded."""
    forms = [
        key,
        quote(key, safe=""),
        quote(key, safe="/"),
        quote_plus(key, safe=""),
        quote_plus(key, safe="/"),
        json.dumps(key)[1:-1],
        json.dumps(key)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in key),
    ]
    forms += [_lower_hex(form) for form in forms[1:5]]
    return list(dict.fromkeys(forms))


def encoded_key_forms(key: str) -> st.SearchStrategy[str]:
    """One of the `encoded_forms` of ``key``."""
    return st.sampled_from(encoded_forms(key))
