"""Credential injection: ``X-Api-Key`` (or ``Authorization: Bearer``) for allowlisted hosts only.

The key goes only to the hosts on the allowlist (by default the base URL's host and the legacy
upload host), so a redirect to a CDN or any other host never carries it; a request to another
host that already carries a credential header has it stripped. Plain ``http://`` is refused for
an allowlisted host unless it is a loopback address. The credential is held in a
`Secret`: reprs, pickling errors and tracebacks never show it.

Everything is decided in ``__init__``; a call costs a set lookup and one header change. The
middlewares are frozen attrs values: ``attrs.evolve(auth, hosts=[...])`` builds a checked copy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Final, NoReturn

import attrs

from heygen_pipeline._checks import non_empty_str
from heygen_pipeline._headers import Headers
from heygen_pipeline._heygen import DEFAULT_BASE_URL, UPLOAD_HOST
from heygen_pipeline._hosts import HostAllowlist, base_host
from heygen_pipeline._http import is_loopback
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import MIN_SECRET_LEN, Secret, redact_url
from heygen_pipeline.errors import ConfigurationError, InsecureTransportError
from heygen_pipeline.typing import Handler

__all__ = [
    "DEFAULT_BASE_URL",
    "UPLOAD_HOST",
    "ApiKeyAuth",
    "BearerAuth",
]

_CREDENTIAL_HEADERS: Final = ("x-api-key", "authorization")
"""Credential headers removed from requests to hosts that are not on the allowlist."""
_MIN_CREDENTIAL_LEN: Final = MIN_SECRET_LEN
"""Shorter credentials could not be scrubbed from text (``register_secret`` ignores them)."""
_BAD_VALUE_CHARS: Final = re.compile(r"[\x00-\x1f\x7f]")


def _credential(value: object, *, env_var: str | None, what: str) -> Secret:
    """Resolve the credential from ``value`` or the environment, checked and held as a Secret.

    No message ever contains the value: each says what is wrong with it instead.
    """
    if isinstance(value, Secret):
        raw, where = value.reveal(), f"the {what}"
    elif isinstance(value, str):
        raw, where = value, f"the {what}"
    elif value is None and env_var is not None:
        raw, where = os.environ.get(env_var, ""), f"the {env_var} environment variable"
        if not raw.strip():
            state = "is blank" if env_var in os.environ else "is not set"
            msg = f"no HeyGen {what}: pass one explicitly, or set {env_var} (it {state})"
            raise ConfigurationError(msg)
    else:
        msg = f"the {what} must be a str or a Secret, not {type(value).__name__}"
        raise TypeError(msg)
    cleaned = raw.strip()
    if not cleaned:
        msg = f"{where} is empty or whitespace; pass a real HeyGen {what}"
        raise ConfigurationError(msg)
    if len(cleaned) < _MIN_CREDENTIAL_LEN:
        msg = (
            f"{where} is too short to be a HeyGen {what} (fewer than "
            f"{_MIN_CREDENTIAL_LEN} characters)"
        )
        raise ConfigurationError(msg)
    if _BAD_VALUE_CHARS.search(cleaned) or not cleaned.isascii():
        msg = (
            f"{where} contains control or non-ASCII characters that cannot be sent in an "
            "HTTP header (a stray newline or quote from a copy-paste?)"
        )
        raise ConfigurationError(msg)
    return value if isinstance(value, Secret) and cleaned == raw else Secret(cleaned)


@attrs.frozen(init=False, repr=False, eq=False)
class _CredentialAuth:
    """The shared host policy: send one credential header to allowlisted hosts only.

    A frozen attrs value: `attrs.evolve` builds a new one through ``__init__``, so every
    change is checked again. What a call needs (allowlist, header value, headers to strip) is
    derived once, in ``__init__``.
    """

    base_url: str
    _hosts_given: tuple[str, ...] | None = attrs.field(alias="hosts")
    _allowlist: HostAllowlist = attrs.field(init=False)
    _header: str = attrs.field(init=False)
    _value: Secret = attrs.field(init=False, repr=False)
    _strip: tuple[str, ...] = attrs.field(init=False)

    def _set_policy(
        self, header: str, value: Secret, *, base_url: str, hosts: Iterable[str] | None
    ) -> None:
        scheme, host, entry = base_host(base_url)
        if scheme == "http" and not is_loopback(host):
            msg = (
                f"refusing an http:// base_url ({redact_url(base_url)!r}): the credential "
                "would travel in clear; use https:// (plain http is allowed for loopback "
                "addresses only)"
            )
            raise InsecureTransportError(msg)
        if hosts is None:
            entries: list[str] = [entry, UPLOAD_HOST]
        elif isinstance(hosts, (str, bytes)):
            msg = f"hosts must be an iterable of host names, not a single {type(hosts).__name__}"
            raise TypeError(msg)
        else:
            entries = list(hosts)
            if not entries:
                msg = "hosts is empty: the credential would never be sent"
                raise ConfigurationError(msg)
        allowlist = HostAllowlist(entries)
        Headers({header: "x"})  # validates the header name once
        _set(
            self,
            base_url=base_url,
            _hosts_given=None if hosts is None else allowlist.entries,
            _allowlist=allowlist,
            _header=header,
            _value=value,
            _strip=tuple(dict.fromkeys((*_CREDENTIAL_HEADERS, header.lower()))),
        )

    @property
    def hosts(self) -> tuple[str, ...]:
        """The allowlist, as given (lower case): host names and ``host:port`` entries."""
        return self._allowlist.entries

    def allows(self, request: Request) -> bool:
        """Whether ``request`` goes to an allowlisted host (and so would carry the credential)."""
        return self._allowlist.allows(request)

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Add the credential for an allowlisted host; strip credentials for any other host."""
        if self.allows(request):
            if request.scheme == "http" and not is_loopback(request.host):
                self._refuse(request)
            # No local variable ever holds the revealed value (tracebacks may show locals).
            # Name and value were checked in __init__ (`_credential`): set without re-checking.
            return call_next(
                request.evolve(
                    headers=request.headers._with_valid(self._header, self._value.reveal())
                )
            )
        headers = request.headers
        for name in self._strip:
            if name in headers:
                request = request.without_headers(*self._strip)
                break
        return call_next(request)

    def _refuse(self, request: Request) -> NoReturn:
        msg = (
            f"refusing to send the credential over plain http:// to {request.host} (not a "
            "loopback address); use https://"
        )
        raise InsecureTransportError(msg, request=request)

    def __repr__(self) -> str:
        """Header name and hosts; never the credential."""
        return f"{type(self).__name__}(header={self._header!r}, hosts={self._allowlist.entries!r})"

    def __reduce__(self) -> NoReturn:
        """Refuse pickling: a pickle would carry the credential in clear."""
        msg = (
            f"{type(self).__name__} holds a credential and cannot be pickled; build a new one "
            "where it is needed (it can read the key from the environment)"
        )
        raise TypeError(msg)

    def __copy__(self) -> _CredentialAuth:
        """Immutable: a copy is the object itself."""
        return self

    def __deepcopy__(self, _memo: object) -> _CredentialAuth:
        """Immutable: a copy is the object itself."""
        return self


@attrs.frozen(init=False, repr=False, eq=False)
class ApiKeyAuth(_CredentialAuth):  # type: ignore[override]  # its __attrs_init__ adds fields
    """Send the HeyGen API key as ``X-Api-Key``, to allowlisted hosts only.

    Example:
        ```python
        auth = ApiKeyAuth()  # reads HEYGEN_API_KEY
        auth = ApiKeyAuth("sk-...", hosts=["api.heygen.com", "127.0.0.1:8080"])
        staging = attrs.evolve(auth, base_url="https://staging.example.com")
        ```
    """

    api_key: Secret = attrs.field(repr=False)
    env_var: str
    header: str

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        hosts: Iterable[str] | None = None,
        env_var: str = "HEYGEN_API_KEY",
        header: str = "X-Api-Key",
    ) -> None:
        """Resolve and check the key now, so a missing key fails here, not on the first call.

        Args:
            api_key: the key; ``None`` reads ``env_var``. Surrounding whitespace is dropped.
            base_url: the API's base URL; its host (with its port, when the URL names one)
                is allowlisted when ``hosts`` is None. ``http://`` only for loopback.
            hosts: the allowlist: host names (any port, case-insensitive) or ``host:port``
                (that port only). ``None``: the base URL's host and ``upload.heygen.com``.
            env_var: the environment variable read when ``api_key`` is None.
            header: the header that carries the key.

        Raises:
            ConfigurationError: the key is missing, empty or unusable, or an option is invalid.
            InsecureTransportError: ``base_url`` is ``http://`` to a host that is not loopback.
        """
        non_empty_str("env_var", env_var)
        secret = _credential(api_key, env_var=env_var, what="API key")
        self._set_policy(header, secret, base_url=base_url, hosts=hosts)
        _set(self, api_key=secret, env_var=env_var, header=header)


@attrs.frozen(init=False, repr=False, eq=False)
class BearerAuth(_CredentialAuth):  # type: ignore[override]  # its __attrs_init__ adds fields
    """Send an OAuth token as ``Authorization: Bearer <token>`` (v3), to allowlisted hosts only."""

    token: Secret = attrs.field(repr=False)
    """The bare token; holding it keeps it registered (scrubbed) while the auth lives."""

    def __init__(
        self,
        token: str | Secret,
        *,
        base_url: str = DEFAULT_BASE_URL,
        hosts: Iterable[str] | None = None,
    ) -> None:
        """Check the token now; ``base_url`` and ``hosts`` work as for `ApiKeyAuth`.

        Raises:
            ConfigurationError: the token is empty or unusable, or an option is invalid.
            InsecureTransportError: ``base_url`` is ``http://`` to a host that is not loopback.
        """
        secret = _credential(token, env_var=None, what="token")
        value = Secret(f"Bearer {secret.reveal()}")
        self._set_policy("Authorization", value, base_url=base_url, hosts=hosts)
        _set(self, token=secret)

    @property
    def header(self) -> str:
        """The name of the header that carries the credential: ``Authorization``."""
        return self._header


def _set(value: object, **fields: object) -> None:
    """Set fields of a frozen value being built (``__init__`` only)."""
    for name, field in fields.items():
        object.__setattr__(value, name, field)
