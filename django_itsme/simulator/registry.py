"""Registered clients (partners) and a short-lived cache of their public JWK Sets."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import requests
from jwcrypto import jwk

#: Service types: Authentication, Identification/Data Sharing, Confirmation (D-AUTH).
ServiceType = Literal["login", "share", "confirm"]
#: Token endpoint authentication, chosen at registration (D-AUTH "Securing the exchange of
#: information"): a private key JWT, or the client secret in the POST body (D-AUTH "Token
#: Request", secret tab).
AuthMethod = Literal["private_key_jwt", "client_secret_post"]
#: How the ID token of a client with a secret is signed, chosen at registration (D-AUTH "Secret
#: key method": RS256 with the provider's key, or HS256 with the secret).
IdTokenAlg = Literal["RS256", "HS256"]

#: Longest time a fetched client JWKS is reused, in seconds.
JWKS_MAX_AGE = 60.0
#: itsme keeps a partner's JWKS at least 30 minutes and at most 24 hours, honouring
#: ``Cache-Control: max-age`` in between (D-AUTH "Key rotation procedure"):
#: :meth:`ClientKeyStore.cache_like_itsme`.
ITSME_CACHE_MIN = 1800.0
ITSME_CACHE_MAX = 86_400.0
#: Timeout for fetching a client's JWKS or a request object, in seconds.
FETCH_TIMEOUT = 5.0

_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class RegisteredClient:
    """A partner as BMID onboarding would have registered it (D-AUTH "Onboarding").

    :param client_id: the partner code.
    :param jwks_uri: where the partner publishes its public keys (one ``sig``, one ``enc``).
    :param redirect_uris: registered redirect URIs, compared by exact string (D-AREQ).
    :param services: service code -> ``"login"``, ``"share"`` or ``"confirm"``.
    :param require_pkce: whether PKCE (S256) is enforced for this client (D-AUTH).
    :param token_endpoint_auth_method: ``private_key_jwt`` (needs ``jwks_uri``) or
        ``client_secret_post`` (needs ``client_secret``).
    :param client_secret: the shared secret of a client-secret client. Whenever it is set, ID
        tokens and userinfo answers are JWE ``dir`` + A256GCM with a key derived from it (D-AUTH
        secret-key example; OIDC Core §10.2), whatever the authentication method: a
        ``private_key_jwt`` client with a secret plays a mis-registration.
    :param id_token_signed_response_alg: ``RS256`` or ``HS256`` (with the secret) for a client
        with a secret; a client without one always gets RS256.
    """

    client_id: str
    jwks_uri: str = ""
    redirect_uris: list[str] = field(default_factory=list)
    services: dict[str, ServiceType] = field(default_factory=dict)
    require_pkce: bool = True
    token_endpoint_auth_method: AuthMethod = "private_key_jwt"  # noqa: S105
    client_secret: str | None = field(default=None, repr=False)
    id_token_signed_response_alg: IdTokenAlg = "RS256"  # noqa: S105

    def __post_init__(self) -> None:
        """Check the service types and the authentication registration.

        :raises ValueError: on an unknown service type, method or algorithm, or a method without
            what it needs.
        """
        allowed = get_args(ServiceType)
        for code, kind in self.services.items():
            if kind not in allowed:
                msg = f"service {code!r}: type must be one of {allowed}, not {kind!r}"
                raise ValueError(msg)
        if self.token_endpoint_auth_method not in get_args(AuthMethod):
            msg = f"token_endpoint_auth_method must be one of {get_args(AuthMethod)}"
            raise ValueError(msg)
        if self.id_token_signed_response_alg not in get_args(IdTokenAlg):
            msg = f"id_token_signed_response_alg must be one of {get_args(IdTokenAlg)}"
            raise ValueError(msg)
        if self.token_endpoint_auth_method == "private_key_jwt" and not self.jwks_uri:  # noqa: S105
            msg = "a private_key_jwt client needs a jwks_uri"
            raise ValueError(msg)
        if self.token_endpoint_auth_method == "client_secret_post" and not self.client_secret:  # noqa: S105
            msg = "a client_secret_post client needs a client_secret"
            raise ValueError(msg)
        if self.id_token_signed_response_alg == "HS256" and not self.client_secret:  # noqa: S105
            msg = "HS256 ID tokens need a client_secret"
            raise ValueError(msg)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegisteredClient:
        """Build a client from a JSON-style mapping (the ``--config`` file format).

        :param data: mapping with ``client_id``, ``jwks_uri`` (or ``client_secret``),
            ``redirect_uris``, ``services`` and optionally ``require_pkce``,
            ``token_endpoint_auth_method`` and ``id_token_signed_response_alg``.
        :returns: the client.
        :raises ValueError: when a member is missing or has the wrong type.
        """
        method = data.get("token_endpoint_auth_method", "private_key_jwt")
        try:
            client_id = data["client_id"]
            jwks_uri = data["jwks_uri"] if method == "private_key_jwt" else data.get("jwks_uri", "")
        except KeyError as exc:
            msg = f"client entry lacks {exc.args[0]!r}"
            raise ValueError(msg) from None
        secret = data.get("client_secret")
        alg = data.get("id_token_signed_response_alg", "RS256")
        if secret is not None and not isinstance(secret, str):
            msg = "client_secret must be a string"
            raise ValueError(msg)
        redirect_uris = data.get("redirect_uris", [])
        services = data.get("services", {})
        require_pkce = data.get("require_pkce", True)
        if not isinstance(client_id, str) or not isinstance(jwks_uri, str):
            msg = "client_id and jwks_uri must be strings"
            raise ValueError(msg)
        if not isinstance(redirect_uris, list) or not all(
            isinstance(uri, str) for uri in redirect_uris
        ):
            msg = "redirect_uris must be a list of strings"
            raise ValueError(msg)
        if not isinstance(services, dict):
            msg = "services must be an object mapping service codes to types"
            raise ValueError(msg)
        if not isinstance(require_pkce, bool):
            msg = "require_pkce must be true or false"
            raise ValueError(msg)
        return cls(
            client_id=client_id,
            jwks_uri=jwks_uri,
            redirect_uris=list(redirect_uris),
            services=cast("dict[str, ServiceType]", dict(services)),
            require_pkce=require_pkce,
            token_endpoint_auth_method=cast("AuthMethod", method),
            client_secret=secret,
            id_token_signed_response_alg=cast("IdTokenAlg", alg),
        )


class ClientRegistry:
    """Thread-safe set of registered clients, by ``client_id``."""

    def __init__(self, clients: Iterable[RegisteredClient] = ()) -> None:
        """Create the registry.

        :param clients: initial clients.
        """
        self._lock = threading.Lock()
        self._clients: dict[str, RegisteredClient] = {}
        for client in clients:
            self.register(client)

    def register(self, client: RegisteredClient) -> None:
        """Add a client, replacing one with the same ``client_id``.

        :param client: the client.
        """
        with self._lock:
            self._clients[client.client_id] = client

    def get(self, client_id: str) -> RegisteredClient | None:
        """Look a client up.

        :param client_id: the partner code.
        :returns: the client or ``None``.
        """
        with self._lock:
            return self._clients.get(client_id)

    def all(self) -> list[RegisteredClient]:
        """List the clients.

        :returns: the registered clients.
        """
        with self._lock:
            return list(self._clients.values())


def secret_key(secret: str) -> jwk.JWK:
    """The HMAC key of a client secret: the octets of its UTF-8 form (OIDC Core §10.1).

    :param secret: the client secret.
    :returns: an ``oct`` JWK.
    """
    encoded = base64.urlsafe_b64encode(secret.encode("utf-8")).rstrip(b"=").decode("ascii")
    return jwk.JWK(kty="oct", k=encoded)


class KeyFetchError(Exception):
    """A client's JWKS could not be fetched, or holds no usable key."""


@dataclass
class _Cached:
    """One fetched JWKS.

    :param keys: the public keys.
    :param expires: clock time after which the set is fetched again.
    """

    keys: list[jwk.JWK]
    expires: float


class ClientKeyStore:
    """Fetch clients' public JWK Sets over HTTP and cache them briefly.

    itsme caches partner keys (30 min to 24 h, honouring ``Cache-Control: max-age``) and an
    unknown ``kid`` once made it refresh (D-AUTH "Key rotation procedure"; S-HIST). The
    simulator caches for at most :data:`JWKS_MAX_AGE` seconds, honours a shorter ``max-age``,
    ``no-cache`` and ``no-store``, and refetches once when a ``kid`` is unknown. After
    :meth:`cache_like_itsme` it keeps each set 30 minutes to 24 hours as itsme does today, and an
    unknown ``kid`` fails (current docs promise no refresh); :meth:`clear` forces a refetch.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        max_age: float = JWKS_MAX_AGE,
        timeout: float = FETCH_TIMEOUT,
        min_age: float = 0.0,
        refetch_unknown_kid: bool = True,
    ) -> None:
        """Create an empty store.

        :param clock: returns the current time in seconds since the epoch.
        :param max_age: upper bound for caching, in seconds.
        :param timeout: HTTP timeout, in seconds.
        :param min_age: lower bound for caching, in seconds, whatever ``Cache-Control`` says.
        :param refetch_unknown_kid: fetch the set again once when a ``kid`` is not in it.
        """
        self._clock = clock
        self._max_age = max_age
        self._min_age = min_age
        self._refetch_unknown_kid = refetch_unknown_kid
        self._timeout = timeout
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}

    def clear(self) -> None:
        """Forget every cached JWKS (the next use fetches it again)."""
        with self._lock:
            self._cache.clear()

    def cache_like_itsme(self, enabled: bool = True) -> None:
        """Cache as itsme does (D-AUTH "Key rotation procedure"), or back to the short default.

        :param enabled: True: keep each set :data:`ITSME_CACHE_MIN` to :data:`ITSME_CACHE_MAX`
            seconds, honouring ``max-age`` in between, and never refetch for an unknown ``kid``;
            False: at most :data:`JWKS_MAX_AGE` seconds, refetching once for an unknown ``kid``.
        """
        with self._lock:
            if enabled:
                self._min_age, self._max_age = ITSME_CACHE_MIN, ITSME_CACHE_MAX
            else:
                self._min_age, self._max_age = 0.0, JWKS_MAX_AGE
            self._refetch_unknown_kid = not enabled
            self._cache.clear()

    def expires_at(self, uri: str) -> float | None:
        """When the cached set of ``uri`` expires (clock time), or None when none is cached.

        :param uri: the client's ``jwks_uri``.
        :returns: the expiry time, or None.
        """
        with self._lock:
            cached = self._cache.get(uri)
        return None if cached is None else cached.expires

    def keys(self, uri: str, *, refresh: bool = False) -> list[jwk.JWK]:
        """Return the public keys published at ``uri``.

        :param uri: the client's ``jwks_uri``.
        :param refresh: ignore the cache.
        :returns: parsed RSA public keys (keys that do not parse are skipped).
        :raises KeyFetchError: when the set cannot be fetched or parsed.
        """
        now = self._clock()
        with self._lock:
            cached = self._cache.get(uri)
        if cached is not None and not refresh and cached.expires > now:
            return cached.keys
        keys, max_age = self._fetch(uri)
        with self._lock:
            self._cache[uri] = _Cached(keys, now + max_age)
        return keys

    def _fetch(self, uri: str) -> tuple[list[jwk.JWK], float]:
        """Download and parse one JWKS.

        :param uri: the URL.
        :returns: the public keys and how long they may be cached.
        :raises KeyFetchError: on any transport or format problem.
        """
        try:
            response = requests.get(uri, timeout=self._timeout)
        except requests.RequestException as exc:
            msg = f"cannot fetch the client JWKS at {uri}: {exc}"
            raise KeyFetchError(msg) from None
        if response.status_code != 200:
            msg = f"client JWKS at {uri} answered HTTP {response.status_code}"
            raise KeyFetchError(msg)
        try:
            document = response.json()
        except ValueError:
            msg = f"client JWKS at {uri} is not JSON"
            raise KeyFetchError(msg) from None
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            msg = f"client JWKS at {uri} has no 'keys' list"
            raise KeyFetchError(msg)
        keys: list[jwk.JWK] = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            try:
                parsed = jwk.JWK(**entry)
                keys.append(jwk.JWK(**parsed.export_public(as_dict=True)))
            except Exception:  # noqa: S112 - skip keys jwcrypto cannot read
                continue
        return keys, self._cache_time(response.headers.get("Cache-Control", ""))

    def _cache_time(self, cache_control: str) -> float:
        """Translate a ``Cache-Control`` header into a cache lifetime.

        :param cache_control: the header value (may be empty).
        :returns: seconds, at most the configured maximum.
        """
        lowered = cache_control.lower()
        if "no-store" in lowered or "no-cache" in lowered:
            return self._min_age
        match = _MAX_AGE.search(lowered)
        if match:
            return max(self._min_age, min(float(match.group(1)), self._max_age))
        return self._max_age

    def signing_key(self, client: RegisteredClient, kid: str) -> jwk.JWK:
        """Find the client's signature key with this ``kid``, refetching once if unknown.

        :param client: the client.
        :param kid: the ``kid`` from a JWS header (required, D-JOSE).
        :returns: the RSA public key; for a ``client_secret_post`` client, the HMAC key made of
            its secret (OIDC Core §10.1), whatever ``kid`` says: what it signs (the request
            object) is HS256 with the secret (S-RO ``clientsecretreqobjectuat.json``).
        :raises KeyFetchError: when no such key is published.
        """
        if client.token_endpoint_auth_method == "client_secret_post":  # noqa: S105
            assert client.client_secret is not None
            return secret_key(client.client_secret)
        for refresh in (False, True)[: 2 if self._refetch_unknown_kid else 1]:
            for key in self.keys(client.jwks_uri, refresh=refresh):
                if key.get("kid") == kid and key.get("use") in (None, "sig"):
                    return key
        msg = f"no signature key with kid {kid!r} in the JWKS of {client.client_id}"
        raise KeyFetchError(msg)

    def encryption_key(self, client: RegisteredClient) -> jwk.JWK:
        """Return the first ``use: enc`` RSA key of the client (D-JOSE §3).

        :param client: the client.
        :returns: the RSA public key.
        :raises KeyFetchError: when the client publishes no encryption key.
        """
        for refresh in (False, True):
            for key in self.keys(client.jwks_uri, refresh=refresh):
                if key.get("use") == "enc":
                    return key
        msg = f"the JWKS of {client.client_id} has no 'use': 'enc' key"
        raise KeyFetchError(msg)
