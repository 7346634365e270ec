"""Fault switches: make the simulator misbehave on purpose, one switch per failure mode.

Every switch is off by default. Tests flip attributes on ``Simulator.faults`` and call
:meth:`Faults.reset` (or rely on a fixture doing so) afterwards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Endpoint names accepted as keys of :attr:`Faults.delay`.
ENDPOINT_NAMES = ("discovery", "jwks", "authorization", "token", "userinfo")


@dataclass
class Faults:
    """Switches that break one aspect of the provider's answers.

    Status switches answer the given HTTP status with a JSON error body instead of doing the
    real work. ID-token switches change only the ID token; userinfo switches only the userinfo
    response; :attr:`sign_with_foreign_key` affects both signed documents.
    """

    #: Answer the token endpoint with this HTTP status and a JSON error body.
    token_status: int | None = None
    #: Answer the userinfo endpoint with this HTTP status and a JSON error body.
    userinfo_status: int | None = None
    #: Return a 200 token response whose body is not valid JSON.
    token_malformed_json: bool = False
    #: Return a 200 userinfo response whose body is not a JWT.
    userinfo_malformed: bool = False
    #: Answer discovery with this HTTP status.
    discovery_status: int | None = None
    #: Answer the JWKS endpoint with this HTTP status.
    jwks_status: int | None = None
    #: Seconds to sleep before answering, per endpoint name (see :data:`ENDPOINT_NAMES`).
    delay: dict[str, float] = field(default_factory=dict)
    #: Put this value in the ID token's ``iss``.
    id_token_issuer: str | None = None
    #: Put this value in the ID token's ``aud``.
    id_token_audience: str | list[str] | None = None
    #: Put this value in the ID token's ``nonce``.
    id_token_nonce: str | None = None
    #: Issue an ID token whose ``exp`` lies in the past.
    id_token_expired: bool = False
    #: Issue an ID token whose ``iat`` (and ``auth_time``) lie ten minutes in the future.
    id_token_issued_in_future: bool = False
    #: Wrap an unsigned (``alg`` ``none``) JWT in the JWE.
    id_token_unsigned: bool = False
    #: Return the signed ID token without the JWE layer.
    id_token_unencrypted: bool = False
    #: Sign the ID token with HS256, using the provider's public signing key (PEM) as secret.
    id_token_hs256: bool = False
    #: Sign ID token and userinfo with a key absent from the JWKS but carrying the same ``kid``.
    sign_with_foreign_key: bool = False
    #: Put this value in the ID token's ``acr`` (an unknown value plays an itsme that sends
    #: another level name; the returned ``V2`` casing of D-IG2020: protocol notes §5, §11 #5).
    id_token_acr: str | None = None
    #: Leave ``acr`` out of the ID token: the current v2 examples show none (protocol notes §5,
    #: §8.2, §11 #5).
    id_token_drop_acr: bool = False
    #: Release the scope claims (``profile``, ``email``, ...) from userinfo only, even when they
    #: are listed under ``claims.id_token``: OIDC Core §5.4 and itsme v1 (S-HIST); v2 does not say
    #: (protocol notes §4.2, §11 #21). Off: every claim listed under ``claims.id_token`` comes in
    #: the ID token (D-AREQ ``claims``).
    scope_claims_only_in_userinfo: bool = False
    #: Return the ID photo as the ``picture`` URL, served at ``/v2/picture/<token>`` to the access
    #: token (D-AREQ ``picture``; protocol notes §4.3), instead of ``physical_person_photo``
    #: inline. Off: ``picture`` is released (as that URL) only when requested by name.
    photo_as_picture_url: bool = False
    #: Put this value in the userinfo ``sub``.
    userinfo_sub: str | None = None
    #: Return the signed userinfo JWT without the JWE layer.
    userinfo_unencrypted: bool = False
    #: Content-Type of the userinfo answer; ``None`` means ``application/jwt``.
    userinfo_content_type: str | None = None
    #: Extra members merged into the ID token claims (they override the normal ones).
    id_token_extra_claims: dict[str, Any] = field(default_factory=dict)
    #: Extra members merged into the userinfo claims (they override the normal ones).
    userinfo_extra_claims: dict[str, Any] = field(default_factory=dict)
    #: Answer an endpoint (a name of :data:`ENDPOINT_NAMES`) with HTTP 200 and these exact bytes
    #: instead of its real answer: garbage, deeply nested JSON, a forged token response.
    raw_body: dict[str, bytes] = field(default_factory=dict)

    # Variants: documented itsme behaviours that differ from the default simulator.

    #: Fetch a ``request_uri`` twice per authorization request, as itsme may (its web front,
    #: then the app); both fetches must return the request object (D-AREQ; issue 10).
    fetch_request_uri_twice: bool = False
    #: Accept only this request-object ``aud``: ``"issuer"`` (D-AREQ since 2024-03) or
    #: ``"authorization_endpoint"`` (D-AREQ before 2024-03, D-FR); None accepts both
    #: (protocol notes §3.2, §11 #3).
    request_object_audience: str | None = None
    #: Refuse a client assertion that is only signed: the D-IG2020 / v1 reading, where it MUST be
    #: signed then encrypted (protocol notes §7, §11 #4). Current D-AUTH says MAY.
    require_encrypted_client_assertion: bool = False
    #: Replace discovery's ``request_object_encryption_alg_values_supported`` (and enforce it on
    #: request objects and encrypted client assertions); None keeps RSA-OAEP and RSA-OAEP-256.
    request_object_encryption_algs: list[str] | None = None
    #: Replace discovery's ``request_object_encryption_enc_values_supported`` (and enforce it).
    request_object_encryption_encs: list[str] | None = None
    #: Serve a discovery document that lists only what ``private_key_jwt`` partners use (no
    #: ``client_secret_post``, HS256 or ``dir``): itsme's live lists are not public (protocol
    #: notes §1.5), so both readings are played. Registered client-secret clients still work.
    discovery_private_key_jwt_only: bool = False

    # Error variants: how itsme tells a client something went wrong (protocol notes §9).

    #: Answer every authorization request whose client and redirect URI check out with this
    #: ``error`` redirect instead of asking the user (D-AUTH "Authorization Endpoint errors";
    #: protocol notes §9.1): ``login_required``, ``server_error``, ``invalid_request_object``...
    #: Errors about the request object (``invalid_request_object``, ``invalid_request_uri``)
    #: echo only a ``state`` the query carried, as itsme could not read the object's.
    authorization_error: str | None = None
    #: The ``error_description`` sent with :attr:`authorization_error`: None sends a short
    #: default text, ``""`` sends none (it is optional, D-AUTH).
    authorization_error_description: str | None = None
    #: Leave ``state`` out of every error redirect (protocol notes §9.1: itsme cannot echo a
    #: ``state`` it could not read; this plays it for every error, ``access_denied`` included).
    error_redirect_without_state: bool = False
    #: Answer the token endpoint HTTP 400 with this ``error`` (D-AUTH: ``invalid_grant``,
    #: ``invalid_client``, ``unauthorized_client``, ``invalid_request``; protocol notes §9.2).
    token_error: str | None = None
    #: Send the token error's text as ``error_description`` (v1/2020, RFC 6749 §5.2) instead of
    #: ``detail`` (v2, D-AUTH); protocol notes §11 #9.
    token_error_in_error_description: bool = False
    #: Answer userinfo HTTP 401 ``invalid_token`` (RFC 6750 §3.1; protocol notes §9.3), saying
    #: so in ``"header"`` (``WWW-Authenticate`` only, empty body), ``"body"`` (JSON only, a bare
    #: ``Bearer`` challenge) or ``"both"``.
    userinfo_invalid_token: str | None = None

    def reset(self) -> None:
        """Switch every fault off again.

        :returns: nothing; the instance is changed in place.
        """
        fresh = Faults()
        for item in dataclasses.fields(self):
            setattr(self, item.name, getattr(fresh, item.name))

    def delay_for(self, endpoint: str) -> float:
        """Return the configured delay for one endpoint.

        :param endpoint: one of :data:`ENDPOINT_NAMES`.
        :returns: seconds to sleep, ``0.0`` when no delay is set.
        """
        return float(self.delay.get(endpoint, 0.0))

    def raw_body_for(self, endpoint: str) -> bytes | None:
        """Return the bytes :attr:`raw_body` sets for one endpoint.

        :param endpoint: one of :data:`ENDPOINT_NAMES`.
        :returns: the body, or ``None`` when the endpoint answers normally.
        """
        return self.raw_body.get(endpoint)

    def active(self) -> dict[str, Any]:
        """List the switches that differ from their default.

        :returns: mapping of switch name to its current value.
        """
        fresh = Faults()
        return {
            item.name: getattr(self, item.name)
            for item in dataclasses.fields(self)
            if getattr(self, item.name) != getattr(fresh, item.name)
        }
