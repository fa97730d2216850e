"""Hypothesis strategies for URLs that URL parsers may read differently.

Each URL is assembled from pieces known to split parsers: a backslash before ``@``, tabs
and newlines (which some strip), userinfo, percent-encoding in the host, IPv6 zone ids,
trailing dots, mixed case, non-ASCII and IDNA hosts, ports with leading zeros or out of
range, and ``//`` in odd places.
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["tricky_urls"]

_SCHEMES = ("http", "https", "HTTP", "hTTpS", "ftp", "http:", "")
_SEPARATORS = ("://", ":/", ":", ":///", ":\\\\", ":/\\", "://\\", ":\t//")
_HOSTS = (
    "api.heygen.com",
    "API.HeyGen.COM",
    "api.heygen.com.",
    "evil.test",
    "127.0.0.1",
    "127.1",
    "0x7f.0.0.1",
    "2130706433",
    "127.000.000.001",
    "[::1]",
    "[0:0::1]",
    "[fe80::1%25eth0]",
    "[fe80::1%eth0]",
    "[::ffff:127.0.0.1]",
    "%61pi.heygen.com",
    "api%2eheygen.com",
    "аpi.heygen.com",  # noqa: RUF001 - a Cyrillic a, on purpose
    "xn--pi-7kc.heygen.com",
    "api.heygen.com\u3002",
    "a..b",
    "_dmarc.example",
    "",
)
_INFIXES = (
    "",
    "\\@",
    "\\\\@",
    "@",
    "user@",
    "user:pass@",
    ":@",
    "%40",
    "\t",
    "\n",
    "\r\n",
    " ",
    "#@",
    "?@",
    "/@",
    ";@",
    "//",
    "\\",
    "%5C@",
    "\u0000",
)
_PORTS = (
    "",
    ":443",
    ":80",
    ":8443",
    ":0443",
    ":65536",
    ":0",
    ":",
    ":-1",
    ":+80",
    ":\u0663",
    ":80:81",
)
_TAILS = ("", "/", "/v2/videos", "?q=1", "#frag", "//evil.test/x", "/a/../b", "/\u00e9", "/%zz")


@st.composite
def tricky_urls(draw: st.DrawFn) -> str:
    """One URL built from pieces that split URL parsers (often invalid on purpose)."""
    scheme = draw(st.sampled_from(_SCHEMES))
    separator = draw(st.sampled_from(_SEPARATORS))
    first = draw(st.sampled_from(_HOSTS))
    first_port = draw(st.sampled_from(_PORTS))
    infix = draw(st.sampled_from(_INFIXES))
    second = draw(st.sampled_from(("", *_HOSTS)))
    second_port = draw(st.sampled_from(_PORTS)) if second else ""
    tail = draw(st.sampled_from(_TAILS))
    return f"{scheme}{separator}{first}{first_port}{infix}{second}{second_port}{tail}"
