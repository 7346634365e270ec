"""The provider's public keys: cached, shared, refetched once on an unknown ``kid`` or a refusal.

itsme signs ID tokens and userinfo with a key named by ``kid`` in its ``jwks_uri`` set (D-JOSE §3),
and we encrypt request objects to its ``use: enc`` key (D-AREQ). Keys rotate: a token naming a
``kid`` we have not seen makes us fetch the set once more before giving up (OIDC Core §10.1.1),
at most once per :data:`JWKS_REFETCH_COOLDOWN` for all workers sharing the cache: tokens with
made-up ``kid`` values must not turn into one call to itsme each (security review, issue 9).
When itsme refuses a request object we encrypted to its key, the set is dropped so the next flow
fetches it (:meth:`ProviderKeys.refetch_soon`), under the same limit.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from jwcrypto import jwk
from jwcrypto.common import JWException

from .cache import Cache
from .discovery import cache_key
from .errors import ItsmeError, ProviderKeysError
from .http import HttpClient
from .jose import ALLOWED_JWE_ALGORITHMS
from .key_store import PRIVATE_MEMBERS
from .provider_json import FOREIGN_ERRORS, parse_json

__all__ = ["JWKS_REFETCH_COOLDOWN", "JWKS_TTL", "ProviderKeys", "StepKeys"]

#: Seconds a fetched key set is reused. Rotation is covered by the refetch on an unknown kid, so
#: this only bounds how long a removed (e.g. compromised) key keeps being trusted.
JWKS_TTL = 3600
#: Seconds after an unknown-kid refetch during which no other one is made (per ``jwks_uri``,
#: shared by every worker using the cache). A rotation is picked up by the first token that needs
#: it; itsme publishes a new key well before signing with it (D-AUTH "Key rotation procedure"), so
#: one refetch a minute is plenty, and a flood of forged kids costs one call a minute.
JWKS_REFETCH_COOLDOWN = 60


class ProviderKeys:
    """itsme's key set behind a cache.

    :param jwks_uri: the ``jwks_uri`` from discovery.
    :param http: the HTTP client.
    :param cache: where the raw set is shared between workers.
    :param ttl: seconds to keep the set.
    """

    def __init__(
        self, jwks_uri: str, *, http: HttpClient, cache: Cache, ttl: float = JWKS_TTL
    ) -> None:
        self.jwks_uri = jwks_uri
        self._http = http
        self._cache = cache
        self._ttl = ttl
        self._cache_key = cache_key("jwks", jwks_uri)
        self._refetched_key = cache_key("jwks-refetched", jwks_uri)
        self._lock = threading.Lock()
        # Parsed keys memoised per raw document, so a cached set is parsed once per process.
        self._parsed_for: str | None = None
        self._parsed: dict[str, jwk.JWK] = {}
        self._parsed_all: list[jwk.JWK] = []

    def signing_key(self, kid: str) -> jwk.JWK:
        """The provider's verification key named ``kid``, refetching the set once if unknown.

        :raises ProviderKeysError: no such key, even after a refetch.
        """
        return self._signing_key(kid, self._keys(refresh=False)[0])

    def _signing_key(self, kid: str, known: Mapping[str, jwk.JWK]) -> jwk.JWK:
        key = known.get(kid)
        if key is None:
            key = self._keys(refresh=True)[0].get(kid)
        if key is None or key.get("use") not in (None, "sig"):
            raise ProviderKeysError("The provider's key set has no signing key for this token.")
        return key

    def read_once(self) -> StepKeys:
        """The key set as one step of a flow sees it: read from the shared cache at its first use
        and kept for the step (each read is a round trip with Redis), refetched as
        :meth:`signing_key` does for a ``kid`` it lacks."""
        return StepKeys(self)

    def encryption_key(self) -> jwk.JWK:
        """The provider's ``enc`` key request objects are encrypted to (D-AREQ, D-JOSE).

        :raises ProviderKeysError: the set has no RSA ``enc`` key for an allowed algorithm.
        """
        for refresh in (False, True):
            for key in self._keys(refresh=refresh)[1]:
                if (
                    key.get("use") == "enc"
                    and key.get("kty") == "RSA"
                    and key.get("alg") in (None, *ALLOWED_JWE_ALGORITHMS)
                ):
                    return key
        raise ProviderKeysError("The provider's key set has no RSA encryption key.")

    def refetch_soon(self) -> bool:
        """Drop the shared copy of the set, so that its next use fetches it again.

        For when itsme refused what we encrypted to a key of that copy: itsme may have replaced
        its encryption key, and the copy would keep naming the old one until it expires. Limited
        like the refetch for an unknown ``kid``, with which it shares the cooldown: at most once
        per :data:`JWKS_REFETCH_COOLDOWN` for every worker sharing the cache.

        :returns: True if dropped now; False within the cooldown (nothing changes).
        """
        if not self._claim_refetch():
            return False
        self._cache.delete(self._cache_key)
        return True

    def _claim_refetch(self) -> bool:
        """Take this cooldown's one refetch for every worker sharing the cache; False if taken.
        Marked before fetching, so concurrent requests do not all refetch."""
        if self._cache.get(self._refetched_key) is not None:
            return False
        self._cache.set(self._refetched_key, True, JWKS_REFETCH_COOLDOWN)
        return True

    def public_keys(self) -> list[dict[str, Any]]:
        """Every usable key of the set, public members only (for reports such as
        ``manage.py itsme_check --online``)."""
        return [key.export_public(as_dict=True) for key in self._keys(refresh=False)[1]]

    def public_jwk(self, kid: str) -> dict[str, Any]:
        """The public JWK of ``kid`` as a dict (kept with evidence, for offline re-verification)."""
        return self.read_once().public_jwk(kid)

    def _keys(self, *, refresh: bool) -> tuple[Mapping[str, jwk.JWK], list[jwk.JWK]]:
        raw = self._cache.get(self._cache_key)
        if refresh and raw is not None and self._claim_refetch():
            raw = None
        if not isinstance(raw, str):
            raw = self._fetch()
            self._cache.set(self._cache_key, raw, self._ttl)
        return self._parse(raw)

    def _fetch(self) -> str:
        response = self._http.get(self.jwks_uri, error=ProviderKeysError)
        document = parse_json(response.body, error=ProviderKeysError, what="The provider's key set")
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ProviderKeysError("The provider's key set is not a JWK set.")
        return json.dumps(document, sort_keys=True)

    def _parse(self, raw: str) -> tuple[Mapping[str, jwk.JWK], list[jwk.JWK]]:
        with self._lock:
            if raw != self._parsed_for:
                keys = _parse_public_keys(raw, on_error=ProviderKeysError)
                self._parsed = {str(k.get("kid")): k for k in keys if k.get("kid")}
                self._parsed_all = keys
                self._parsed_for = raw
            return self._parsed, self._parsed_all


class StepKeys:
    """itsme's signing keys for one step (:meth:`ProviderKeys.read_once`)."""

    __slots__ = ("_known", "_source")

    def __init__(self, source: ProviderKeys) -> None:
        self._source = source
        self._known: Mapping[str, jwk.JWK] | None = None

    def signing_key(self, kid: str) -> jwk.JWK:
        """See :meth:`ProviderKeys.signing_key`."""
        if self._known is None:
            self._known = self._source._keys(refresh=False)[0]
        return self._source._signing_key(kid, self._known)

    def public_jwk(self, kid: str) -> dict[str, Any]:
        """See :meth:`ProviderKeys.public_jwk`."""
        exported: dict[str, Any] = self.signing_key(kid).export_public(as_dict=True)
        return exported


def _parse_public_keys(raw: str, *, on_error: Callable[[str], ItsmeError]) -> list[jwk.JWK]:
    # ``raw`` comes from a cache other processes can write: parsed as carefully as an answer.
    document = parse_json(raw, error=on_error, what="The provider's key set")
    items = document.get("keys") if isinstance(document, dict) else None
    keys: list[jwk.JWK] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("kty") != "RSA":
            continue  # D-JOSE: itsme uses RSA only; anything else is ignored, not fatal
        public = {k: v for k, v in item.items() if k not in PRIVATE_MEMBERS}
        try:
            keys.append(jwk.JWK(**public))
        except (JWException, *FOREIGN_ERRORS):
            continue
    if not keys:
        raise on_error("The provider's key set holds no usable RSA key.")
    return keys
