"""Build the ID token and the userinfo answer: nested JWTs, sign then encrypt (D-JOSE).

This is where the ID-token and userinfo fault switches take effect.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

from .context import ProviderContext
from .faults import Faults
from .grants import Grant
from .identities import release_claims
from .jose import encrypt, encrypt_with_secret, sign, sign_hs256, sign_with_secret, unsigned
from .protocol import CLAIM_PREFIX, JWT_LIFETIME, PICTURE_PATH
from .registry import RegisteredClient, secret_key

#: How far the ``id_token_expired`` / ``id_token_issued_in_future`` faults move the clock.
FAULT_SHIFT = 600
#: The inline ID photo (D-AREQ ``physical_person_photo``) and its URL form (D-AREQ ``picture``).
PHOTO_CLAIM = CLAIM_PREFIX + "physical_person_photo"
PICTURE_CLAIM = "picture"


class TokenIssuer:
    """Create the signed-then-encrypted documents the client receives."""

    def __init__(self, context: ProviderContext) -> None:
        """Create the issuer.

        :param context: the provider's keys (signing), the client JWKS cache (the client's
            ``enc`` key), the fault switches, the issuer URL and the clock.
        """
        self._context = context

    def _today(self) -> dt.date:
        """Return the simulator's current date (UTC).

        :returns: the date.
        """
        return dt.datetime.fromtimestamp(self._context.clock(), tz=dt.UTC).date()

    def picture_url(self, grant: Grant) -> str:
        """Return the URL of the approving user's ID photo (D-AREQ ``picture``), for the client.

        :param grant: the grant; the URL names the user's pairwise ``sub``.
        :returns: ``<issuer>/picture/<sub>``, served to the grant's access token only.
        """
        sub = grant.identity.sub_for(grant.request.client.client_id)
        return f"{self._context.issuer()}{PICTURE_PATH}{sub}"

    def picture(self, grant: Grant, sub: str) -> bytes | None:
        """Return the ID photo served at :meth:`picture_url` (D-AREQ ``picture``).

        :param grant: the grant behind the access token that asks.
        :param sub: the ``sub`` in the URL; another user's photo is never served.
        :returns: the JPEG bytes, or ``None`` (other user, or no photo).
        """
        client_id = grant.request.client.client_id
        photo = grant.identity.claims.get(PHOTO_CLAIM)
        if sub != grant.identity.sub_for(client_id) or not isinstance(photo, Mapping):
            return None
        return base64.b64decode(str(photo.get("value", "")))

    def _release(self, grant: Grant, names: list[str]) -> dict[str, Any]:
        """Release the user claims ``names`` for one document, photo variant applied.

        :param grant: the grant.
        :param names: the claim names for this document.
        :returns: claim name -> value.
        """
        faults = self._context.faults
        wanted = list(dict.fromkeys(names))
        picture = PICTURE_CLAIM in wanted
        if faults.photo_as_picture_url and PHOTO_CLAIM in wanted:
            wanted.remove(PHOTO_CLAIM)
            picture = PHOTO_CLAIM in grant.identity.claims
        released = release_claims(
            grant.identity,
            [name for name in wanted if name != PICTURE_CLAIM],
            requested=grant.request.requested_claim_names(),
            today=self._today(),
        )
        if picture:
            released[PICTURE_CLAIM] = self.picture_url(grant)
        return released

    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        """Assemble the ID token claims (D-IG2020; D-AUTH example; protocol notes §8.2).

        :param grant: the redeemed grant.
        :returns: the claims, faults applied.
        """
        faults = self._context.faults
        request = grant.request
        client_id = request.client.client_id
        now = int(self._context.clock())
        iat = now
        if faults.id_token_expired:
            iat = now - FAULT_SHIFT
        elif faults.id_token_issued_in_future:
            iat = now + FAULT_SHIFT
        claims: dict[str, Any] = {
            "iss": self._context.issuer(),
            "sub": grant.identity.sub_for(client_id),
            "aud": client_id,
            "exp": iat + JWT_LIFETIME,
            "iat": iat,
            "auth_time": iat if faults.id_token_issued_in_future else grant.auth_time,
            "acr": grant.acr,
        }
        if request.nonce is not None:
            claims["nonce"] = request.nonce
        names = request.member_claim_names("id_token")
        if faults.scope_claims_only_in_userinfo:
            scope_claims = set(request.scope_claim_names())
            names = [name for name in names if name not in scope_claims]
        claims.update(self._release(grant, names))
        overrides = (
            ("iss", faults.id_token_issuer),
            ("aud", faults.id_token_audience),
            ("nonce", faults.id_token_nonce),
            ("acr", faults.id_token_acr),
        )
        for name, value in overrides:
            if value is not None:
                claims[name] = value
        if faults.id_token_drop_acr:
            claims.pop("acr", None)
        claims.update(faults.id_token_extra_claims)
        return claims

    def id_token(self, grant: Grant) -> str:
        """Create the ID token: RS256 JWS with ``kid`` and ``typ`` JWT, then JWE to the
        client's ``enc`` key (D-JOSE §3). A client with a secret gets it signed as registered
        (RS256, or HS256 with the secret) inside a JWE ``dir`` + A256GCM (D-AUTH "Secret key
        method" and its example).

        :param grant: the redeemed grant.
        :returns: the compact JWE (or JWS / unsecured JWT under faults).
        :raises KeyFetchError: when the client's encryption key is unavailable.
        """
        faults = self._context.faults
        claims = self.id_token_claims(grant)
        signing_key = self._context.keys.signing_key
        if faults.id_token_unsigned:
            inner = unsigned(claims)
        elif faults.id_token_hs256:
            public = signing_key.export_to_pem(private_key=False, password=None)
            inner = sign_hs256(claims, bytes(public), str(signing_key.get("kid")))
        else:
            inner = self._sign(claims, grant.request.client, faults)
        if faults.id_token_unencrypted:
            return inner
        return self._encrypt(inner, grant.request.client)

    def userinfo_claims(self, grant: Grant) -> dict[str, Any]:
        """Assemble the userinfo claims: token members, scope claims and ``claims.userinfo``
        (D-AREQ; D-AUTH userinfo example).

        :param grant: the grant behind the access token.
        :returns: the claims, faults applied.
        """
        faults = self._context.faults
        request = grant.request
        client_id = request.client.client_id
        now = int(self._context.clock())
        names = [*request.scope_claim_names(), *request.member_claim_names("userinfo")]
        claims: dict[str, Any] = {
            "iss": self._context.issuer(),
            "aud": client_id,
            "sub": grant.identity.sub_for(client_id),
            "iat": now,
            "nbf": now,
            "exp": now + JWT_LIFETIME,
        }
        claims.update(self._release(grant, names))
        if faults.userinfo_sub is not None:
            claims["sub"] = faults.userinfo_sub
        claims.update(faults.userinfo_extra_claims)
        return claims

    def userinfo(self, grant: Grant) -> str:
        """Create the userinfo answer, nested like the ID token (D-AUTH "UserInfo Request").

        :param grant: the grant behind the access token.
        :returns: the compact JWE (or JWS under ``userinfo_unencrypted``).
        :raises KeyFetchError: when the client's encryption key is unavailable.
        """
        faults = self._context.faults
        inner = self._sign(self.userinfo_claims(grant), grant.request.client, faults)
        if faults.userinfo_unencrypted:
            return inner
        return self._encrypt(inner, grant.request.client)

    def _sign(self, claims: Mapping[str, Any], client: RegisteredClient, faults: Faults) -> str:
        """Sign as the client registered: HS256 with its secret, else RS256 (D-AUTH).

        :param claims: the claims.
        :param client: the receiving client.
        :param faults: the current switches.
        :returns: the compact JWS.
        """
        if client.id_token_signed_response_alg == "HS256" and client.client_secret:  # noqa: S105
            return sign_with_secret(claims, secret_key(client.client_secret))
        return sign(claims, self._signing_key(faults))

    def _encrypt(self, inner: str, client: RegisteredClient) -> str:
        """Encrypt to the client: ``dir`` from its secret when it has one, else to its RSA
        ``enc`` key (D-AUTH; D-JOSE §3).

        :param inner: the compact JWS.
        :param client: the receiving client.
        :returns: the compact JWE.
        :raises KeyFetchError: when the client's encryption key is unavailable.
        """
        if client.client_secret:
            return encrypt_with_secret(inner, client.client_secret)
        return encrypt(inner, self._context.key_store.encryption_key(client))

    def _signing_key(self, faults: Faults) -> Any:
        """Pick the signing key, honouring ``sign_with_foreign_key``.

        :param faults: the current switches.
        :returns: a private RSA key.
        """
        if faults.sign_with_foreign_key:
            return self._context.keys.foreign_signing_key()
        return self._context.keys.signing_key
