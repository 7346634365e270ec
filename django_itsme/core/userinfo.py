"""Fetch and open the userinfo answer (D-AUTH "UserInfo Request"; protocol notes §8.4).

The body is a nested JWT like the ID token whatever the Content-Type says (``application/json``
in the v2 docs, ``application/jwt`` in a 2018 draft: §11 #8), so it is read by content. An
unsigned JSON answer is refused. Its ``sub`` must equal the ID token's (D-IG2020; S-LOGIN §2.9).

A refusal (HTTP 400/401/403, protocol notes §9.3) is read for its ``error``: from the
``WWW-Authenticate: Bearer error="..."`` challenge (RFC 6750 §3) or the JSON body, whichever
carries it; ``invalid_token`` gets its own code, ``userinfo_invalid_token``.
"""

from __future__ import annotations

import hmac

from . import jose
from .errors import ClaimValidationError, TokenValidationError, UserinfoError
from .http import HttpClient, Response
from .id_token import read_audiences, read_time_claim
from .oauth_errors import parse_bearer_challenge, read_error_body, read_error_text, read_error_value

__all__ = ["INVALID_TOKEN_CODE", "fetch_userinfo"]

#: The code of a userinfo answer saying the access token is not valid (RFC 6750 §3.1).
INVALID_TOKEN_CODE = "userinfo_invalid_token"  # noqa: S105 (an error code)
#: The statuses of a userinfo refusal, read for their ``error`` (D-AUTH; protocol notes §9.3).
REFUSAL_STATUSES = (400, 401, 403)


def fetch_userinfo(
    userinfo_endpoint: str,
    *,
    access_token: str,
    http: HttpClient,
    decryption_keys: jose.DecryptionKeys,
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
        accept_statuses=(200, *REFUSAL_STATUSES),
    )
    if response.status != 200:
        raise _refusal(response)
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
    if "aud" in claims and client_id not in read_audiences(claims):
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


def _refusal(response: Response) -> UserinfoError:
    """The error for a refused userinfo call: the challenge's ``error`` first, then the body's."""
    challenge = parse_bearer_challenge(
        next(
            (
                value
                for name, value in response.headers.items()
                if name.lower() == "www-authenticate"
            ),
            None,
        )
    )
    body_error, body_text = read_error_body(response.body)
    error = read_error_value(challenge.get("error")) or body_error
    description = read_error_text(challenge.get("error_description")) or body_text
    return UserinfoError(
        f"The userinfo endpoint refused the access token: {error or 'no error value'} "
        f"(HTTP {response.status}).",
        code=INVALID_TOKEN_CODE if error == "invalid_token" else None,
        status=response.status,
        error=error,
        description=description,
    )
