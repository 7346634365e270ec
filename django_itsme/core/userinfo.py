"""Fetch and open the userinfo answer (D-AUTH "UserInfo Request"; protocol notes §8.4).

The body is a nested JWT like the ID token whatever the Content-Type says (``application/json``
in the v2 docs, ``application/jwt`` in a 2018 draft: §11 #8), so it is read by content. An
unsigned JSON answer is refused. Its ``sub`` must equal the ID token's (D-IG2020; S-LOGIN §2.9).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from jwcrypto import jwk

from . import jose
from .errors import ClaimValidationError, TokenValidationError, UserinfoError
from .http import HttpClient
from .id_token import read_time_claim

__all__ = ["fetch_userinfo"]


def fetch_userinfo(
    userinfo_endpoint: str,
    *,
    access_token: str,
    http: HttpClient,
    decryption_keys: Mapping[str, jwk.JWK],
    key_for: jose.KeyLookup,
    expected_sub: str,
    issuer: str,
    client_id: str,
    now: float,
    leeway: int,
) -> jose.DecodedJWT:
    """GET userinfo with the access token, decrypt, verify and check it.

    :returns: the verified userinfo JWT.
    :raises TransportError: itsme could not be reached in time.
    :raises UserinfoError: itsme refused the token or answered something else than a JWT.
    :raises TokenValidationError: decryption, signature or claim failure.
    """
    response = http.get(
        userinfo_endpoint,
        error=UserinfoError,
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"},
    )
    body = response.text.strip()
    if body.startswith("{"):
        raise TokenValidationError(
            "The userinfo answer is plain JSON; a signed and encrypted JWT is required.",
            code="unsigned_userinfo",
        )
    if body.count(".") not in (2, 4):
        raise UserinfoError("The userinfo answer is not a JWT.", status=response.status)
    decoded = jose.decrypt_and_verify(body, decryption_keys=decryption_keys, key_for=key_for)
    claims = decoded.claims
    sub = claims.get("sub")
    if not isinstance(sub, str) or not hmac.compare_digest(sub.encode(), expected_sub.encode()):
        raise ClaimValidationError(
            "The userinfo sub differs from the ID token's.",
            claim="sub",
            code="userinfo_sub_mismatch",
        )
    # OIDC Core §5.3.2: a signed userinfo answer SHOULD carry iss and aud; when present, they
    # must be right.
    if "iss" in claims and claims["iss"] != issuer:
        raise ClaimValidationError("The userinfo answer was issued by someone else.", claim="iss")
    audience = claims.get("aud")
    if "aud" in claims and client_id not in (
        [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    ):
        raise ClaimValidationError("The userinfo answer is meant for another client.", claim="aud")
    # Time claims are optional here, but when present they must be real NumericDates (RFC 7519
    # §2): an infinite exp would never expire (security review, issue 9).
    for name in ("iat", "auth_time"):
        read_time_claim(claims, name, required=False)
    nbf = read_time_claim(claims, "nbf", required=False)
    if nbf is not None and nbf > now + leeway:
        raise ClaimValidationError("The userinfo answer is not valid yet.", claim="nbf")
    exp = read_time_claim(claims, "exp", required=False)
    if exp is not None and now - leeway >= exp:
        raise ClaimValidationError(
            "The userinfo answer has expired.", claim="exp", code="expired_token"
        )
    return decoded
