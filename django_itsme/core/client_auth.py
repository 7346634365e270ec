"""``private_key_jwt`` client authentication at the token endpoint (D-AUTH "Token Request").

Claims: ``iss`` = ``sub`` = client id, ``aud`` = the token endpoint, a unique ``jti`` of at most
255 characters, ``exp`` required, ``iat`` optional; signed RS256 with our ``sig`` key and its
``kid`` (D-JOSE). The current docs make encryption optional ("MUST be signed, and MAY also be
encrypted", D-AUTH "Token Request"); D-IG2020 and v1 said it MUST be signed then encrypted
(protocol notes §7, §11 #4). We sign only unless ``ENCRYPT_CLIENT_ASSERTION`` is set: then the
JWS is encrypted to itsme's ``enc`` key with the algorithms discovery lists, as a nested JWT.

Client-secret partners (D-AUTH "Secret key method", on v2 since 2025-06-25; protocol notes §1.2,
§7) send no assertion: ``client_id`` and ``client_secret`` go in the POST body (D-AUTH "Token
Request", secret tab), which is ``client_secret_post`` (RFC 6749 §2.3.1, OIDC Core §9). HTTP Basic
is not documented by itsme, so not offered.
"""

from __future__ import annotations

import secrets

from jwcrypto import jwk

from . import jose
from .key_store import KeyStore

__all__ = [
    "ASSERTION_LIFETIME",
    "CLIENT_ASSERTION_TYPE",
    "build_client_assertion",
    "build_client_secret_fields",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Seconds an assertion stays valid. It is used at once; a short life limits replay.
ASSERTION_LIFETIME = 60


def build_client_assertion(
    client_id: str,
    token_endpoint: str,
    key: KeyStore | jwk.JWK,
    *,
    now: float,
    encrypt_to: jwk.JWK | None = None,
    encryption: tuple[str, str] | None = None,
) -> str:
    """Build the signed (and optionally encrypted) ``client_assertion`` for one token request.

    :param client_id: the partner code.
    :param token_endpoint: the ``token_endpoint`` from discovery, used as ``aud``.
    :param key: our key store (it signs with its active ``sig`` key), or a private ``sig`` key.
    :param now: the current time, seconds since the epoch.
    :param encrypt_to: itsme's ``enc`` key: sign then encrypt to it (nested JWT, D-AUTH).
    :param encryption: the JWE ``(alg, enc)`` to use with ``encrypt_to`` (from discovery).
    :returns: the compact JWS, or the compact JWE around it.
    """
    issued = int(now)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint,
        "jti": secrets.token_urlsafe(32),
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signed = jose.sign(claims, key)
    if encrypt_to is None:
        return signed
    alg, enc = encryption or (None, None)
    return jose.encrypt(signed, encrypt_to, alg=alg, enc=enc)


def build_client_secret_fields(client_id: str, client_secret: str) -> dict[str, str]:
    """The token request members that authenticate a client-secret partner (D-AUTH "Token
    Request", secret tab: both REQUIRED, in the body, never the query string).

    :param client_id: the partner code.
    :param client_secret: the secret itsme onboarding issued.
    :returns: ``client_id`` and ``client_secret``, to add to the form body.
    """
    return {"client_id": client_id, "client_secret": client_secret}
