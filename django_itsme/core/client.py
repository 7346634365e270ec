"""The client: the vendor SDK's four calls for itsme v2, in pure Python.

1. configure: :meth:`ItsmeClient.configure` (or ``ItsmeClient(ClientConfig.from_mapping(...))``);
2. build the authentication URL: :meth:`ItsmeClient.build_authentication_request`;
3. build the signed-then-encrypted request object: :meth:`ItsmeClient.build_request_object`
   (also done by step 2, which returns it for ``request_uri`` hosting);
4. get the user's details from the code: :meth:`ItsmeClient.get_user_details`.

Collaborators are arguments: the HTTP client, the cache and the clock. Nothing here knows about
Django or a web request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import jose
from .authorize import (
    build_authorization_parameters,
    build_request_object,
    choose_request_uri,
    generate_nonce,
    generate_state,
    parse_authorization_response,
    read_authorization_error,
    send_request_object,
)
from .cache import Cache, MemoryCache
from .config import ClientConfig, RequestBy
from .confirm import ConfirmTemplate
from .discovery import (
    DISCOVERY_TTL,
    ProviderMetadata,
    choose_request_object_encryption,
    get_provider_metadata,
)
from .errors import AuthorizationDenied, ConfigurationError, TokenEndpointError
from .flow import AuthenticationRequest, PendingFlow
from .http import HttpClient
from .id_token import validate_id_token_claims
from .identity_claims import IdentityClaims, parse_identity_claims
from .jwks import JWKS_TTL, ProviderKeys
from .keys import KeySource
from .oauth_errors import ASSERTION_REFUSALS, REQUEST_OBJECT_ERRORS
from .picture import fetch_picture
from .pkce import generate_code_verifier
from .services import AcrLevel, Service
from .token import exchange_code
from .userinfo import fetch_userinfo as fetch_verified_userinfo

__all__ = [
    "PROTOCOL_CLAIMS",
    "AuthenticationRequest",
    "ItsmeClient",
    "UserDetails",
]

Clock = Callable[[], float]

#: Claims about the authentication rather than the user (OIDC Core §2, §3.1.3.6, RFC 7519 §4.1):
#: in the merged result they always come from the validated ID token, never from userinfo, which
#: carries user data (OIDC Core §5.3.2) and whose values for these were never checked (security
#: review, issue 9).
PROTOCOL_CLAIMS = frozenset(
    {
        "iss",
        "aud",
        "azp",
        "acr",
        "amr",
        "sub",
        "nonce",
        "exp",
        "iat",
        "nbf",
        "auth_time",
        "at_hash",
        "c_hash",
        "sid",
        "jti",
    }
)


@dataclass(frozen=True, slots=True)
class UserDetails:
    """The verified outcome of a flow.

    :ivar sub: itsme's identifier of the user for this partner: link accounts on it only (D-MAP).
    :ivar identity: the typed claims: userinfo's user data over the ID token's, with every
        protocol claim (:data:`PROTOCOL_CLAIMS`) from the ID token only.
    :ivar id_token: the verified inner JWS of the ID token (header, claims, compact form): the
        evidence that itsme signed this outcome, re-verifiable offline with ``signing_key``.
    :ivar signing_key: the public JWK (dict) of itsme's key that signed the ID token; empty for
        a client-secret partner's HS256 ID token (signed with the shared secret: evidence only
        the partner and itsme can check).
    :ivar userinfo: the verified userinfo JWT, or None when no user data was asked for.
    :ivar acr: the authentication level itsme reports, if any.
    """

    sub: str
    identity: IdentityClaims
    id_token: jose.DecodedJWT
    signing_key: Mapping[str, Any] = field(repr=False)
    userinfo: jose.DecodedJWT | None = None
    acr: AcrLevel | None = None

    @property
    def claims(self) -> Mapping[str, Any]:
        """All raw claims: the ID token's, then userinfo's user data on top (never its protocol
        claims, see :data:`PROTOCOL_CLAIMS`)."""
        return self.identity.raw


class ItsmeClient:
    """A configured itsme client.

    :param config: the checked configuration.
    :param http: HTTP client (one ``requests.Session``, timeout from the configuration).
    :param cache: where discovery and provider keys are kept (in-memory by default).
    :param clock: the time source, seconds since the epoch.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: HttpClient | None = None,
        cache: Cache | None = None,
        clock: Clock = time.time,
        discovery_ttl: float = DISCOVERY_TTL,
        jwks_ttl: float = JWKS_TTL,
    ) -> None:
        self.config = config
        self.http = http or HttpClient(timeout=config.http_timeout)
        self.cache: Cache = cache if cache is not None else MemoryCache(clock=clock)
        self.clock = clock
        self._discovery_ttl = discovery_ttl
        self._jwks_ttl = jwks_ttl
        self._provider_keys: ProviderKeys | None = None

    @classmethod
    def configure(
        cls,
        *,
        client_id: str,
        environment: str,
        services: Mapping[str, Mapping[str, Any]],
        private_jwks: KeySource | None = None,
        **options: Any,
    ) -> ItsmeClient:
        """Build a client from plain values (the vendor SDK's "configure" step).

        :param client_id: the partner code.
        :param private_jwks: a path, JSON text or dict holding our private JWK set (None for a
            client-secret partner, or with a ``key_store``).
        :param environment: ``"e2e"``, ``"prd"`` or an issuer URL.
        :param services: service name -> ``{"CODE": ..., "SCOPES": [...], "CLAIMS": [...],
            "ACR": ...}``.
        :param options: ``redirect_uri``, ``request_by``, ``http_timeout``, ``leeway``, and the
            collaborators ``http``, ``cache``, ``clock``.
        :raises ConfigurationError: the values break a rule (the message names its id).
        """
        collaborators = {k: options.pop(k) for k in ("http", "cache", "clock") if k in options}
        settings = {
            "CLIENT_ID": client_id,
            "PRIVATE_JWKS": private_jwks,
            "ENVIRONMENT": environment,
            "SERVICES": services,
            **{key.upper(): value for key, value in options.items()},
        }
        return cls(ClientConfig.from_mapping(settings), **collaborators)

    # ------------------------------------------------------------------ provider
    def provider_metadata(self) -> ProviderMetadata:
        """itsme's discovery document (cached)."""
        return get_provider_metadata(
            self.config.issuer, http=self.http, cache=self.cache, ttl=self._discovery_ttl
        )

    def provider_keys(self, metadata: ProviderMetadata | None = None) -> ProviderKeys:
        """itsme's key set (cached; refetched once on an unknown kid).

        :param metadata: the discovery document this step already read (one cache read a step).
        """
        jwks_uri = (metadata or self.provider_metadata()).jwks_uri
        keys = self._provider_keys
        if keys is None or keys.jwks_uri != jwks_uri:
            keys = ProviderKeys(jwks_uri, http=self.http, cache=self.cache, ttl=self._jwks_ttl)
            self._provider_keys = keys
        return keys

    def encryption_choice(self) -> tuple[str, str]:
        """The JWE ``(alg, enc)`` we encrypt to itsme with, chosen from its discovery lists.

        :raises DiscoveryError: nothing itsme lists is on our allow-list (code
            ``no_common_algorithm``).
        """
        metadata = self.provider_metadata()
        return _encryption_choice(metadata, self.provider_keys(metadata).encryption_key())

    def request_object_audience(self, metadata: ProviderMetadata | None = None) -> str:
        """The request object's ``aud`` (``REQUEST_OBJECT_AUD``; D-AREQ, protocol notes §11 #3).

        :param metadata: the discovery document this step already read.
        """
        chosen = self.config.request_object_aud
        if chosen == "issuer":
            return self.config.issuer
        if chosen == "authorization_endpoint":
            return (metadata or self.provider_metadata()).authorization_endpoint
        return chosen

    # ------------------------------------------------------------------ step 2 and 3
    def build_request_object(
        self, parameters: Mapping[str, Any], *, metadata: ProviderMetadata | None = None
    ) -> str:
        """Sign ``parameters`` and encrypt them to itsme's key (D-AREQ, D-JOSE).

        A client-secret partner signs HS256 with its secret instead of RS256 with our ``sig``
        key. No itsme page says how such a partner signs: D-AREQ says "MUST be signed ... MUST
        also be encrypted" for every partner, and D-JOSE's RS256 needs a key itsme knows, which a
        client-secret partner never registers (D-AUTH: the secret replaces the JWK Set URI).
        BMID's own client-secret test partner signs HS256 with the secret (S-RO
        ``clientsecretreqobjectuat.json``, OIDC Core §6.1 and §10.1) and encrypts with RSA-OAEP
        to itsme's key (S-RO ``ClientSecretReqObjectUAT.json``): we do the same, with the JWE
        algorithms discovery lists.

        :param parameters: authorization parameters (``scope``, ``redirect_uri``, ``state``, ...).
        :param metadata: the discovery document this step already read.
        :returns: the compact JWE; ``iss`` is our client id, ``aud`` per ``REQUEST_OBJECT_AUD``
            (the issuer by default), ``alg``/``enc`` from discovery.
        :raises DiscoveryError: no common JWE algorithm with itsme.
        """
        metadata = metadata or self.provider_metadata()
        encrypt_to = self.provider_keys(metadata).encryption_key()
        alg, enc = _encryption_choice(metadata, encrypt_to)
        secret = self._shared_secret()
        return build_request_object(
            parameters,
            client_id=self.config.client_id,
            audience=self.request_object_audience(metadata),
            signing_key=secret if secret is not None else self.config.private_keys(),
            provider_encryption_key=encrypt_to,
            now=self.clock(),
            alg=alg,
            enc=enc,
        )

    def _shared_secret(self) -> jose.SharedSecret | None:
        """The client secret as a key source, for client-secret partners only."""
        secret = self.config.client_secret
        return jose.SharedSecret(secret) if self.config.uses_client_secret and secret else None

    def build_authentication_request(
        self,
        service: str,
        *,
        redirect_uri: str | None = None,
        request_by: RequestBy | None = None,
        request_uri: str | None = None,
        template: ConfirmTemplate | None = None,
        sub: str | None = None,
        claims: Iterable[str] = (),
        ui_locales: str | None = None,
        state: str | None = None,
        nonce: str | None = None,
    ) -> AuthenticationRequest:
        """Prepare a flow for one configured service.

        :param service: the service's name in the configuration.
        :param redirect_uri: where itsme sends the user back; default ``REDIRECT_URI``.
        :param request_by: ``"value"`` (``request=``) or ``"reference"`` (``request_uri=``);
            default ``REQUEST_BY``.
        :param request_uri: for ``"reference"``: the URL where the caller will serve the returned
            ``request_object`` (D-AREQ rules: https, explicit ``:443``). For ``"value"``: where
            the caller can serve it if the URL would exceed
            :data:`.authorize.MAX_AUTHORIZATION_URL_LENGTH`; ``AuthenticationRequest.request_uri``
            then says it was used (serve the object).
        :param template: a Confirm template (D-CONF), placed under ``claims.userinfo``
            (protocol notes §11 #13).
        :param sub: the known ``sub`` of the user, so itsme skips identification (D-AREQ,
            Confirmation row); the ID token must then carry the same ``sub``.
        :param claims: extra claims for this flow only, on top of the service's.
        :param ui_locales: ``fr``, ``nl``, ``de`` or ``en`` (D-AREQ); others are dropped.
        :param state: override the generated ``state`` (tests); normally left out.
        :param nonce: override the generated ``nonce`` (Confirm binds it to the transaction).
        :raises ConfigurationError: unknown service, bad redirect or request URI, bad template;
            a Confirm template for a partner whose ID tokens are HS256 (``confirm_needs_rs256``).
        """
        config = self.config
        chosen: Service = config.service(service)
        if template is not None and config.uses_client_secret:
            _check_confirm_signature(config.id_token_signing_alg)
        redirect = redirect_uri or config.redirect_uri
        if not redirect:
            raise ConfigurationError("No redirect_uri given and REDIRECT_URI is not set.")
        mode = request_by or config.request_by
        request_uri = choose_request_uri(mode, request_uri, issuer=config.issuer)
        state = state or generate_state()
        nonce = nonce or generate_nonce()
        verifier = generate_code_verifier()
        parameters = build_authorization_parameters(
            chosen,
            redirect_uri=redirect,
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            template=template,
            sub=sub,
            claims=claims,
            ui_locales=ui_locales,
        )
        # One read of the shared discovery document for this step (a cache round trip each).
        metadata = self.provider_metadata()
        request_object = self.build_request_object(parameters, metadata=metadata)
        url, mode = send_request_object(
            metadata.authorization_endpoint,
            client_id=config.client_id,
            scope=chosen.scope,
            redirect_uri=redirect,
            request_object=request_object,
            request_by=mode,
            request_uri=request_uri,
        )
        return AuthenticationRequest(
            url=url,
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            redirect_uri=redirect,
            service=chosen.name,
            acr=chosen.acr,
            request_object=request_object,
            request_uri=request_uri if mode == "reference" else None,
            expected_sub=sub,
        )

    # ------------------------------------------------------------------ step 4
    def get_user_details(
        self,
        code: str,
        *,
        redirect_uri: str,
        nonce: str,
        code_verifier: str | None,
        service: str | None = None,
        acr: AcrLevel | None = None,
        expected_sub: str | None = None,
        fetch_userinfo: bool | None = None,
    ) -> UserDetails:
        """Redeem ``code`` and return the verified user.

        :param code: the authorization code from the callback.
        :param redirect_uri: the same redirect URI as in the authorization request.
        :param nonce: the nonce of this flow.
        :param code_verifier: the PKCE verifier of this flow.
        :param service: the service's name; decides the required ``acr``, what a missing
            ``acr`` means, whether userinfo is fetched and whether the photo is fetched, unless
            given explicitly.
        :param acr: the level to require (overrides the service's).
        :param expected_sub: refuse an ID token for another ``sub`` (Confirm).
        :param fetch_userinfo: call userinfo; default: only when the service asks for user data
            there (``CLAIMS_IN`` ``"userinfo"``), or asks for scopes whose claims none came in the
            ID token (see :meth:`.Service.needs_userinfo`). A plain login, or a share-data flow
            with claims in the ID token, costs a single HTTP call to itsme.
        :raises TransportError, ProviderError, TokenValidationError: see :mod:`.errors`.
        """
        chosen = self.config.service(service) if service else None
        required_acr = acr if acr is not None else (chosen.acr if chosen else None)
        metadata = self.provider_metadata()
        keys = self.provider_keys(metadata).read_once()  # one read of the set for this step
        secret = self._shared_secret()
        # What itsme's answers may be opened with (protocol notes §8.1). private_key_jwt: RSA-OAEP*
        # to our enc keys, RS256 by itsme's keys, nothing else. Client secret (D-AUTH "Secret key
        # method"): ``dir`` with the key derived from the secret only, signed with the one
        # algorithm registered (ID_TOKEN_SIGNING_ALG): RS256 by itsme's keys or HS256 by the
        # secret, never both, never ``none`` (see :mod:`.jose`).
        decryption_keys = (
            secret.decryption_keys() if secret is not None else self.config.private_keys()
        )
        key_for: jose.KeyLookup = keys.signing_key
        if secret is not None and self.config.id_token_signing_alg == "HS256":  # noqa: S105
            key_for = secret
        assertion_encryption = self._assertion_encryption()
        try:
            tokens = exchange_code(
                metadata.token_endpoint,
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
                client_id=self.config.client_id,
                signing_key=None if secret is not None else self.config.private_keys(),
                http=self.http,
                now=self.clock(),
                client_secret=self.config.client_secret if secret is not None else None,
                **assertion_encryption,
            )
        except TokenEndpointError as refused:
            if assertion_encryption and refused.error in ASSERTION_REFUSALS:
                # Encrypted to a key itsme may have replaced (see note_refusal).
                self._drop_provider_keys()
            raise
        id_token = jose.decrypt_and_verify(
            tokens.id_token, decryption_keys=decryption_keys, key_for=key_for
        )
        now = self.clock()
        obtained_acr = validate_id_token_claims(
            id_token.claims,
            issuer=metadata.issuer,
            client_id=self.config.client_id,
            nonce=nonce,
            now=now,
            leeway=self.config.leeway,
            required_acr=required_acr,
            expected_sub=expected_sub,
            acr_missing=chosen.acr_missing if chosen else None,
        )
        sub: str = id_token.claims["sub"]
        if fetch_userinfo is None:
            fetch_userinfo = chosen.needs_userinfo(id_token.claims) if chosen else True
        userinfo = None
        if fetch_userinfo:
            userinfo = fetch_verified_userinfo(
                metadata.userinfo_endpoint,
                access_token=tokens.access_token,
                http=self.http,
                decryption_keys=decryption_keys,
                key_for=key_for,
                expected_sub=sub,
                issuer=metadata.issuer,
                client_id=self.config.client_id,
                now=now,
                leeway=self.config.leeway,
            )
        merged = merge_claims(id_token.claims, userinfo.claims if userinfo else {})
        identity = parse_identity_claims(merged)
        wants_photo = chosen is not None and chosen.wants_photo
        if wants_photo and identity.photo is None and identity.picture:
            # D-AREQ: picture is a URL of the ID photo, fetched with the access token.
            photo = fetch_picture(
                identity.picture,
                access_token=tokens.access_token,
                http=self.http,
                issuer=metadata.issuer,
            )
            identity = replace(identity, photo=photo)
        return UserDetails(
            sub=sub,
            identity=identity,
            id_token=id_token,
            signing_key={} if key_for is secret else keys.public_jwk(str(id_token.header["kid"])),
            userinfo=userinfo,
            acr=obtained_acr,
        )

    def finish_flow(
        self,
        flow: PendingFlow,
        params: Mapping[str, str],
        *,
        fetch_userinfo: bool | None = None,
    ) -> UserDetails:
        """Finish a flow from its callback: check ``state``, redeem the code, return the user.

        :param flow: the flow kept since its start (:meth:`.flow.AuthenticationRequest.pending`).
        :param params: the callback's query parameters.
        :param fetch_userinfo: see :meth:`get_user_details`.
        :returns: the verified user details.
        :raises StateMismatch: ``state`` missing or another flow's (``invalid_state``).
        :raises AuthorizationDenied: itsme returned an ``error``.
        :raises TransportError, ProviderError, TokenValidationError: see :mod:`.errors`.
        """
        code = self.parse_callback(params, expected_state=flow.state)
        return self.get_user_details(
            code,
            redirect_uri=flow.redirect_uri,
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
            service=flow.service,
            expected_sub=flow.expected_sub,
            fetch_userinfo=fetch_userinfo,
        )

    def _assertion_encryption(self) -> dict[str, Any]:
        """``exchange_code`` arguments that encrypt the client assertion, when configured."""
        if not self.config.encrypt_client_assertion or self.config.uses_client_secret:
            return {}
        return {
            "encrypt_assertion_to": self.provider_keys().encryption_key(),
            "assertion_encryption": self.encryption_choice(),
        }

    def parse_callback(self, params: Mapping[str, str], *, expected_state: str) -> str:
        """Check the callback's ``state`` and return its ``code`` (see
        :func:`.authorize.parse_authorization_response`).

        :param params: the callback's query parameters.
        :param expected_state: the ``state`` of the flow this callback should finish.
        :returns: the authorization code.
        :raises StateMismatch: ``state`` missing or different (``invalid_state``).
        :raises AuthorizationDenied: itsme returned an ``error``.
        """
        try:
            return parse_authorization_response(params, expected_state=expected_state)
        except AuthorizationDenied as denied:  # this flow's own answer: its state matched
            self.note_refusal(denied)
            raise

    def note_refusal(self, denied: AuthorizationDenied) -> bool:
        """Learn from itsme's refusal of one of our flows.

        A refused request object (``invalid_request_object``, ``invalid_request_uri``) may mean
        that itsme replaced its encryption key: the cached key set is dropped, so the next flow
        encrypts to the key itsme publishes now, not to the old one until the copy expires (an
        hour). Call it only for a refusal that belongs to a flow of the caller (its ``state``
        matched, or it was the visitor's one pending flow): anyone can send a refusal to the
        callback. A flood costs at most one fetch per :data:`.jwks.JWKS_REFETCH_COOLDOWN`.
        :meth:`parse_callback` calls it; an answer without ``state`` is the caller's to attribute.

        :param denied: the refusal.
        :returns: True if the key set will be fetched again at its next use.
        """
        if denied.error not in REQUEST_OBJECT_ERRORS:
            return False
        return self._drop_provider_keys()

    def _drop_provider_keys(self) -> bool:
        """itsme refused what we encrypted to its key: drop the cached key set, within the
        shared cooldown (:meth:`.jwks.ProviderKeys.refetch_soon`)."""
        try:
            return self.provider_keys().refetch_soon()
        except Exception:  # discovery or the cache unreachable: the refusal is reported anyway
            return False

    @staticmethod
    def read_callback_error(params: Mapping[str, str]) -> AuthorizationDenied | None:
        """The ``error`` of a callback, read without any ``state`` (see
        :func:`.authorize.read_authorization_error`): for an error redirect that came back
        without ``state``, which can only end a flow.

        :param params: the callback's query parameters.
        :returns: the error, or None when there is none.
        """
        return read_authorization_error(params)

    def __repr__(self) -> str:
        return f"ItsmeClient(client_id={self.config.client_id!r}, issuer={self.config.issuer!r})"


def merge_claims(id_token: Mapping[str, Any], userinfo: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the verified ID token and userinfo claims for :class:`UserDetails`.

    :param id_token: the validated ID token's claims.
    :param userinfo: the verified userinfo claims (empty when not fetched).
    :returns: userinfo's user data over the ID token's claims; the protocol claims
        (:data:`PROTOCOL_CLAIMS`) are the ID token's, or absent when it has none.
    """
    user_data = {name: value for name, value in userinfo.items() if name not in PROTOCOL_CLAIMS}
    return {**id_token, **user_data}


def _check_confirm_signature(id_token_signing_alg: str) -> None:
    """Confirm evidence is an ID token itsme signed (D-CONF): RS256, with a key of itsme's that
    anyone can check. An HS256 token is signed with the partner's own client secret, so the site
    could have made it: it proves no approval to a third party. Refused before the user is sent
    to itsme, rather than after they approved (D-AUTH "Secret key method" lets a client-secret
    partner register RS256).

    :raises ConfigurationError: HS256 (code ``confirm_needs_rs256``).
    """
    if id_token_signing_alg == "HS256":  # noqa: S105 - an algorithm's name
        raise ConfigurationError(
            "Confirm needs ID tokens signed by itsme: with ID_TOKEN_SIGNING_ALG 'HS256' they are "
            "signed with this site's own CLIENT_SECRET and prove no approval to anyone else. "
            "Register RS256 with itsme for the Confirm service and set ID_TOKEN_SIGNING_ALG "
            "to 'RS256'.",
            code="confirm_needs_rs256",
        )


def _encryption_choice(
    metadata: ProviderMetadata, encrypt_to: Mapping[str, Any]
) -> tuple[str, str]:
    """The JWE ``(alg, enc)`` for itsme's ``enc`` key, from its discovery lists."""
    key_alg = encrypt_to.get("alg")
    return choose_request_object_encryption(
        metadata, key_alg=key_alg if isinstance(key_alg, str) else None
    )
