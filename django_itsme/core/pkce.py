"""PKCE with S256 (RFC 7636; D-AUTH "PKCE-enhanced flow")."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

__all__ = ["code_challenge", "generate_code_verifier"]

#: RFC 7636 §4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~ (D-AUTH repeats the rule).
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: 64 random bytes give an 86-character verifier, well inside the RFC range.
VERIFIER_BYTES = 64


def generate_code_verifier() -> str:
    """A fresh high-entropy ``code_verifier`` (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(VERIFIER_BYTES)


def code_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding (RFC 7636 §4.2, method S256).

    :raises ValueError: when ``verifier`` breaks RFC 7636 §4.1.
    """
    if not _VERIFIER.match(verifier):
        raise ValueError("A PKCE code_verifier has 43-128 characters of [A-Za-z0-9-._~].")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
