"""Validate the claims of a decrypted, verified ID token.

OIDC Core §3.1.3.7 with itsme's specifics (protocol notes §8.2 and §10 "Validation checklist"):
``iss`` exactly the discovery issuer, ``aud`` contains our client id, ``exp``/``iat``/``nbf``
within a small leeway, ``nonce`` equal to ours, ``acr`` meets the required level, ``sub`` present.
Messages name the claim, never its value.

``acr`` (protocol notes §5, §11 #5): the current v2 examples carry none, D-IG2020 always sent one.
A missing ``acr`` is refused or accepted per the service's ``ACR_MISSING``; an ``acr`` this module
does not recognise fails only a service that requires ``advanced`` (it cannot prove the itsme code
was forced), never a basic one. The level returned is what the token asserts: None when it says
nothing or something unknown, whatever was assumed.

Time claims (``exp``, ``iat``, ``nbf``, ``auth_time``) are NumericDates (RFC 7519 §2): JSON
numbers, not booleans, finite and within (0, :data:`MAX_NUMERIC_DATE`). JSON reads ``1e999`` as
infinity, which would never expire, and NaN compares false with everything, so both are refused
(security review, issue 9). Non-integral values are allowed by RFC 7519 §2 and compared as they
are.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Mapping
from typing import Any

from .errors import ClaimValidationError
from .services import AcrLevel, AcrMissing, acr_level_of, acr_satisfies, default_acr_missing

__all__ = [
    "MAX_ID_TOKEN_AGE",
    "MAX_NUMERIC_DATE",
    "numeric_date",
    "read_audiences",
    "read_time_claim",
    "validate_id_token_claims",
]

#: itsme ID tokens live 300 s (D-AUTH example). One issued much earlier than that cannot come
#: from the code we just redeemed (OIDC Core §3.1.3.7 rule 10 lets us set this limit).
MAX_ID_TOKEN_AGE = 600
#: D-IG2020: ``sub`` is 36 characters; anything past 255 is not an itsme identifier.
MAX_SUB_LENGTH = 255
#: 3000-01-01T00:00:00Z. No itsme token is issued or expires that late; a larger time is an
#: attempt at a token that never expires (and floats lose whole seconds far beyond it).
MAX_NUMERIC_DATE = 32_503_680_000


def numeric_date(value: object) -> float | None:
    """Read a NumericDate claim (RFC 7519 §2).

    :param value: the claim's JSON value.
    :returns: the time as a float, or None unless it is a number (not a bool), finite, above 0
        and below :data:`MAX_NUMERIC_DATE`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and not 0 < value < MAX_NUMERIC_DATE:
        return None  # checked before float(): a huge int would overflow it
    number = float(value)
    if not math.isfinite(number) or not 0 < number < MAX_NUMERIC_DATE:
        return None
    return number


def read_audiences(claims: Mapping[str, Any]) -> list[object]:
    """The ``aud`` claim as a list: RFC 7519 §4.1.3 allows one string or an array of them.

    :param claims: a token's claims.
    :returns: the audiences; empty when ``aud`` is absent or neither a string nor an array (so
        no client id is ever found in it).
    """
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    return list(audience) if isinstance(audience, list) else []


def read_time_claim(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    """The NumericDate claim ``name``, or None when it is absent and optional.

    :raises ClaimValidationError: (``invalid_<name>``) present but not a valid NumericDate, or
        absent while required.
    """
    if name not in claims and not required:
        return None
    value = numeric_date(claims.get(name))
    if value is None:
        raise ClaimValidationError(f"The token has no valid {name}.", claim=name)
    return value


def validate_id_token_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
    leeway: int,
    required_acr: AcrLevel | None = None,
    expected_sub: str | None = None,
    acr_missing: AcrMissing | None = None,
) -> AcrLevel | None:
    """Check every claim rule; return the authentication level itsme reports.

    :param claims: the ID token's claims (already decrypted and signature-checked).
    :param issuer: the issuer from discovery.
    :param client_id: our partner code.
    :param nonce: the nonce we sent (None only if none was sent).
    :param now: the current time.
    :param leeway: seconds of clock skew tolerated.
    :param required_acr: the level the service requires; an ``acr`` below it is refused.
    :param expected_sub: for Confirm, the ``sub`` of the user who must approve.
    :param acr_missing: what a token without ``acr`` means (``"refuse"`` or
        ``"assume_requested"``); None: refuse when ``required_acr`` is ``advanced``, else accept.
    :returns: ``"basic"``, ``"advanced"`` or None (no ``acr`` claim, or one not recognised).
    :raises ClaimValidationError: with ``code`` ``invalid_<claim>``.
    """
    if claims.get("iss") != issuer:
        raise ClaimValidationError("The ID token was issued by someone else.", claim="iss")

    audiences = read_audiences(claims)
    if client_id not in audiences:
        raise ClaimValidationError("The ID token is meant for another client.", claim="aud")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        # OIDC Core §3.1.3.7 rules 4-5.
        raise ClaimValidationError("The ID token has several audiences but no azp.", claim="azp")

    exp = read_time_claim(claims, "exp", required=True)
    assert exp is not None
    if now - leeway >= exp:
        raise ClaimValidationError("The ID token has expired.", claim="exp", code="expired_token")

    iat = read_time_claim(claims, "iat", required=True)
    assert iat is not None
    if iat > now + leeway:
        raise ClaimValidationError("The ID token was issued in the future.", claim="iat")
    if iat < now - leeway - MAX_ID_TOKEN_AGE:
        raise ClaimValidationError("The ID token was issued too long ago.", claim="iat")

    nbf = read_time_claim(claims, "nbf", required=False)
    if nbf is not None and nbf > now + leeway:
        raise ClaimValidationError("The ID token is not valid yet.", claim="nbf")

    auth_time = read_time_claim(claims, "auth_time", required=False)
    if auth_time is not None and auth_time > now + leeway:
        # OIDC Core §2: when the user authenticated; it cannot lie in the future.
        raise ClaimValidationError(
            "The ID token says the user authenticated in the future.", claim="auth_time"
        )

    if nonce is not None:
        received = claims.get("nonce")
        if not isinstance(received, str) or not hmac.compare_digest(
            received.encode(), nonce.encode()
        ):
            raise ClaimValidationError("The ID token's nonce does not match.", claim="nonce")

    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > MAX_SUB_LENGTH:
        raise ClaimValidationError("The ID token has no valid sub.", claim="sub")
    if expected_sub is not None and not hmac.compare_digest(sub.encode(), expected_sub.encode()):
        # Confirm: the approval must come from the user we asked (S-CONF §2.8).
        raise ClaimValidationError(
            "The ID token is for another user.", claim="sub", code="sub_mismatch"
        )

    asserted = claims.get("acr")
    if asserted is None:
        if (acr_missing or default_acr_missing(required_acr)) == "refuse":
            # Without an acr claim nothing proves which level itsme applied (protocol notes §5).
            raise ClaimValidationError("The ID token has no acr.", claim="acr")
        # "assume_requested": acr_values travelled signed in the request object (S-HIST).
        return None
    obtained = acr_level_of(asserted)
    if required_acr == "advanced" and not acr_satisfies(obtained, "advanced"):
        # acr_values travel signed in the request object, but we enforce the answer ourselves
        # (S-HIST): an unknown or lower level does not prove the itsme code was forced.
        raise ClaimValidationError(
            "The ID token does not prove the required authentication level.", claim="acr"
        )
    # basic is itsme's default level (D-AREQ): an unrecognised acr never fails it.
    return obtained
