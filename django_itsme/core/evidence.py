"""Verifiable evidence of a Confirm approval, checkable offline, years later.

itsme returns nothing Confirm-specific: an approval is a normal code exchange whose ID token
carries our ``nonce`` (protocol notes §6.2 and §11 #14). So the nonce *is* the binding: it is
derived from the transaction id, a random salt and the canonical template content. The ID token
itsme signed (the inner JWS) carries that nonce and the approver's ``sub``; kept with the public
key that signed it, the salt and the content, it lets anyone recompute the nonce and check the
signature without calling itsme:

    nonce = BASE64URL(SHA-256(JSON([version, transaction id, salt, canonical content])))

Change one byte of the content, the salt, the id or the token and verification fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk
from jwcrypto.common import JWException

from . import jose
from .errors import SignatureError, TokenValidationError

__all__ = [
    "EVIDENCE_VERSION",
    "Evidence",
    "EvidenceError",
    "bind_nonce",
    "generate_salt",
    "verify_evidence",
]

#: Part of every bound nonce, so a future scheme can never collide with this one.
EVIDENCE_VERSION = "django-itsme/confirm/v1"
#: 32 random bytes: the salt makes the nonce unguessable even for a known template and id.
SALT_BYTES = 32


class EvidenceError(TokenValidationError):
    """Stored evidence does not prove what it claims (content, salt, token or key tampered)."""

    code = "evidence_mismatch"


def generate_salt() -> str:
    """A fresh random salt, as URL-safe text."""
    return secrets.token_urlsafe(SALT_BYTES)


def bind_nonce(*, transaction_id: str, salt: str, content: str) -> str:
    """The nonce that binds an itsme approval to exactly this transaction and content.

    :param transaction_id: the confirmation's id (e.g. a UUID as text).
    :param salt: from :func:`generate_salt`.
    :param content: the template's canonical serialisation (``template.canonical()``).
    :returns: 43 characters of base64url (a valid OIDC nonce).
    """
    message = json.dumps(
        [EVIDENCE_VERSION, transaction_id, salt, content], separators=(",", ":"), ensure_ascii=True
    )
    digest = hashlib.sha256(message.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything needed to re-verify an approval offline.

    :param id_token: the ID token's inner JWS, exactly as itsme signed it (compact form).
    :param signing_key: the public JWK of itsme's key that signed it.
    :param transaction_id: the confirmation's id.
    :param salt: the salt used for the nonce.
    :param content: the canonical template content that was shown and approved.
    :param sub: the ``sub`` of the user who had to approve.
    :param issuer: itsme's issuer.
    :param client_id: our partner code.
    """

    id_token: str
    signing_key: Mapping[str, Any]
    transaction_id: str
    salt: str
    content: str
    sub: str
    issuer: str
    client_id: str


def verify_evidence(evidence: Evidence) -> dict[str, Any]:
    """Check that itsme signed an approval by ``evidence.sub`` for exactly ``evidence.content``.

    Expiry is deliberately not checked: evidence is read long after the token expired. The
    signature (RS256 only), the issuer, the audience, the ``sub`` and the nonce are.

    :returns: the verified ID token claims.
    :raises EvidenceError: naming the part that does not match.
    """
    key = _public_key(evidence.signing_key)

    def key_for(kid: str) -> jwk.JWK:
        if kid != key.get("kid"):
            raise EvidenceError("The stored token names another key than the stored one.")
        return key

    try:
        claims = jose.verify(evidence.id_token, key_for).claims
    except EvidenceError:
        raise
    except SignatureError as exc:
        raise EvidenceError("The stored token's signature does not verify.") from exc
    except TokenValidationError as exc:
        raise EvidenceError("The stored token is not a signed JWT.") from exc
    if claims.get("iss") != evidence.issuer:
        raise EvidenceError("The stored token was issued by someone else.")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or evidence.client_id not in audiences:
        raise EvidenceError("The stored token was meant for another client.")
    if claims.get("sub") != evidence.sub:
        raise EvidenceError("The stored token was approved by another user.")
    expected = bind_nonce(
        transaction_id=evidence.transaction_id, salt=evidence.salt, content=evidence.content
    )
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce, expected):
        raise EvidenceError(
            "The approved nonce does not match the stored content, salt and transaction id."
        )
    return claims


def _public_key(data: Mapping[str, Any]) -> jwk.JWK:
    if data.get("kty") != "RSA" or any(m in data for m in ("d", "p", "q", "dp", "dq", "qi")):
        raise EvidenceError("The stored signing key is not a public RSA key.")
    try:
        return jwk.JWK(**dict(data))
    except (JWException, ValueError, TypeError) as exc:
        raise EvidenceError("The stored signing key cannot be read.") from exc
