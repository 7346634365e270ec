"""The provider's discovery document, fetched once and shared through the cache.

OpenID Connect Discovery 1.0 §4: the document lives at ``<issuer>/.well-known/openid-configuration``
and its ``issuer`` must be *exactly* the issuer it was fetched for (§4.3), which also pins the
``iss`` every ID token must carry. D-AUTH "itsme® Discovery Document" gives the v2 locations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .cache import Cache
from .environments import connection_host, is_loopback_url
from .errors import DiscoveryError
from .http import HttpClient
from .provider_json import parse_json

__all__ = ["DISCOVERY_TTL", "ProviderMetadata", "discovery_url", "get_provider_metadata"]

#: Seconds a discovery document is reused. itsme's endpoints change with a new API version, not
#: daily; a day keeps logins free of this call while picking up changes by the next morning.
DISCOVERY_TTL = 24 * 3600
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
        return cls(issuer=issuer, raw=dict(document), **endpoints)


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
        try:
            return ProviderMetadata.from_document(cached, issuer=issuer)
        except DiscoveryError:
            cache.delete(key)
    response = http.get(discovery_url(issuer), error=DiscoveryError)
    document = parse_json(response.body, error=DiscoveryError, what="The discovery document")
    metadata = ProviderMetadata.from_document(document, issuer=issuer)
    cache.set(key, dict(metadata.raw), ttl)
    return metadata
