"""The provider's discovery document, fetched once and shared through the cache.

OpenID Connect Discovery 1.0 §4: the document lives at ``<issuer>/.well-known/openid-configuration``
and its ``issuer`` must be *exactly* the issuer it was fetched for (§4.3), which also pins the
``iss`` every ID token must carry. D-AUTH "itsme® Discovery Document" gives the v2 locations.

A failed fetch is remembered in the cache for :data:`DISCOVERY_RETRY_AFTER` seconds: meanwhile
every worker fails at once with the same error class instead of waiting on itsme again (security
review, issue 9).

A document is checked (issuer, endpoint URL safety) once per fetch, not once per use: the parsed
:class:`ProviderMetadata` is kept in this process next to the document it came from, and reused
while the shared cache holds that same document. A different document there (another worker
fetched a newer one, or a cache entry was tampered with) is checked again before use.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from .cache import Cache
from .environments import connection_host, is_loopback_url
from .errors import DiscoveryError, TransportError, TransportTimeout
from .http import HttpClient
from .jose import PREFERRED_JWE_ALGORITHMS, PREFERRED_JWE_ENCRYPTIONS
from .provider_json import parse_json

__all__ = [
    "DISCOVERY_RETRY_AFTER",
    "DISCOVERY_TTL",
    "ProviderMetadata",
    "choose_request_object_encryption",
    "discovery_url",
    "get_provider_metadata",
]

#: Seconds a discovery document is reused. itsme's endpoints change with a new API version, not
#: daily; a day keeps logins free of this call while picking up changes by the next morning.
DISCOVERY_TTL = 24 * 3600
#: Seconds a failed discovery is not retried. During an outage each login would otherwise hold a
#: worker for up to ``HTTP_TIMEOUT``; now one call per half minute does, the others fail at once
#: with the same error, and a recovered itsme is used again within half a minute.
DISCOVERY_RETRY_AFTER = 30
#: The errors a remembered failure is raised as again, by class name.
_REMEMBERED: dict[str, type[DiscoveryError] | type[TransportError]] = {
    "DiscoveryError": DiscoveryError,
    "TransportError": TransportError,
    "TransportTimeout": TransportTimeout,
}
_REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of the discovery document the core uses, plus the whole document as ``raw``."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def request_object_encryption_algs(self) -> tuple[str, ...] | None:
        """``request_object_encryption_alg_values_supported``, or None when not published."""
        return _string_list(self.raw.get("request_object_encryption_alg_values_supported"))

    @property
    def request_object_encryption_encs(self) -> tuple[str, ...] | None:
        """``request_object_encryption_enc_values_supported``, or None when not published."""
        return _string_list(self.raw.get("request_object_encryption_enc_values_supported"))

    @classmethod
    def from_document(cls, document: Any, *, issuer: str) -> ProviderMetadata:
        """Check a discovery document and keep what we use.

        :param document: the parsed JSON.
        :param issuer: the issuer it was fetched for.
        :raises DiscoveryError: not an object, another issuer, or a missing/unsafe endpoint.
        """
        if not isinstance(document, Mapping):
            raise DiscoveryError("The discovery document is not a JSON object.")
        if document.get("issuer") != issuer:
            # OIDC Discovery §4.3: a mismatch means the document is not this provider's.
            raise DiscoveryError(f"The discovery document names another issuer than {issuer!r}.")
        endpoints: dict[str, str] = {}
        for name in _REQUIRED_ENDPOINTS:
            value = document.get(name)
            if not isinstance(value, str) or not _is_safe_endpoint(value, issuer):
                raise DiscoveryError(f"The discovery document has no usable {name!r}.")
            endpoints[name] = value
        # Read-only: one parsed object is shared by every use in the process.
        return cls(issuer=issuer, raw=MappingProxyType(dict(document)), **endpoints)


def _string_list(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, str))


def choose_request_object_encryption(
    metadata: ProviderMetadata, *, key_alg: str | None = None
) -> tuple[str, str]:
    """Pick the JWE ``alg`` and ``enc`` for what we encrypt to itsme (request object, and the
    client assertion when encrypted) from what its discovery document lists.

    D-JOSE: ``alg`` SHOULD be RSA-OAEP-256, ``enc`` one of the discovery values (example
    A128CBC-HS256); v1 and TB use RSA-OAEP (protocol notes §3.2, §11 #2). The live list is not
    public (§1.5, §11 #1), so it is read at run time; a document without the lists gets our first
    preference. An ``alg`` declared on itsme's encryption key goes first when both sides allow it.

    :param metadata: itsme's discovery document.
    :param key_alg: the ``alg`` member of itsme's ``enc`` key, if any.
    :returns: ``(alg, enc)``.
    :raises DiscoveryError: (code ``no_common_algorithm``) nothing itsme lists is on our
        allow-list; the message names both lists.
    """
    algs = _pick(
        "alg",
        metadata.request_object_encryption_algs,
        ((key_alg,) if key_alg in PREFERRED_JWE_ALGORITHMS else ()) + PREFERRED_JWE_ALGORITHMS,
        "request_object_encryption_alg_values_supported",
    )
    enc = _pick(
        "enc",
        metadata.request_object_encryption_encs,
        PREFERRED_JWE_ENCRYPTIONS,
        "request_object_encryption_enc_values_supported",
    )
    return algs, enc


def _pick(kind: str, listed: tuple[str, ...] | None, ours: tuple[Any, ...], member: str) -> str:
    for candidate in ours:
        if listed is None or candidate in listed:
            return str(candidate)
    theirs = ", ".join(repr(item[:40]) for item in (listed or ())[:10]) or "nothing"
    raise DiscoveryError(
        f"itsme's discovery {member} lists {theirs}, and we only encrypt with "
        f"{', '.join(dict.fromkeys(str(item) for item in ours))}: no common JWE {kind}. Ask "
        "itsme onboarding which algorithms your client is registered for.",
        code="no_common_algorithm",
    )


def _is_safe_endpoint(url: str, issuer: str) -> bool:
    if connection_host(url) is None:
        # Userinfo, a backslash or a control character: the host we would check is not the
        # one requests connects to (security review, issue 9).
        return False
    parts = urlsplit(url)
    if not parts.netloc or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    # Plain http only for the loopback simulator, and only when the issuer itself is loopback.
    return parts.scheme == "http" and is_loopback_url(issuer) and is_loopback_url(url)


def discovery_url(issuer: str) -> str:
    """``<issuer>/.well-known/openid-configuration`` (OIDC Discovery §4)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def cache_key(kind: str, url: str) -> str:
    """A short cache key for a document fetched from ``url``."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    return f"django-itsme:{kind}:{digest}"


def get_provider_metadata(
    issuer: str, *, http: HttpClient, cache: Cache, ttl: float = DISCOVERY_TTL
) -> ProviderMetadata:
    """Return the issuer's metadata, from the cache or fetched (and then cached).

    :raises TransportError: itsme could not be reached.
    :raises DiscoveryError: itsme answered with an error or an unusable document.
    """
    key = cache_key("discovery", issuer)
    cached = cache.get(key)
    if cached is not None:
        parsed = _parsed.get(issuer)
        if parsed is not None and parsed.raw == cached:
            return parsed  # this very document was checked already
        try:
            metadata = ProviderMetadata.from_document(cached, issuer=issuer)
        except DiscoveryError:
            cache.delete(key)
        else:
            _remember(metadata)
            return metadata
    failed_key = cache_key("discovery-failed", issuer)
    _raise_remembered_failure(cache.get(failed_key))
    try:
        response = http.get(discovery_url(issuer), error=DiscoveryError)
        document = parse_json(response.body, error=DiscoveryError, what="The discovery document")
        metadata = ProviderMetadata.from_document(document, issuer=issuer)
    except (DiscoveryError, TransportError) as exc:
        status = exc.status if isinstance(exc, DiscoveryError) else None
        failure = {"error": type(exc).__name__, "message": exc.message, "status": status}
        cache.set(failed_key, failure, DISCOVERY_RETRY_AFTER)
        raise
    cache.set(key, dict(metadata.raw), ttl)
    _remember(metadata)
    return metadata


#: The last checked document of each issuer, in this process (see the module's docstring).
_parsed: dict[str, ProviderMetadata] = {}
_parsed_lock = threading.Lock()


def _remember(metadata: ProviderMetadata) -> None:
    with _parsed_lock:
        _parsed[metadata.issuer] = metadata


def _raise_remembered_failure(failure: Any) -> None:
    """Raise again the discovery failure stored in the cache, if any (and well-formed)."""
    if not isinstance(failure, Mapping):
        return
    error_class = _REMEMBERED.get(str(failure.get("error")))
    message = failure.get("message")
    if error_class is None or not isinstance(message, str):
        return
    message = f"{message[:300]} (remembered: not retried for {DISCOVERY_RETRY_AFTER} s)"
    if issubclass(error_class, DiscoveryError):
        status = failure.get("status")
        raise error_class(message, status=status if isinstance(status, int) else None)
    raise error_class(message)
