"""``private_key_jwt`` client authentication at the token endpoint (D-AUTH "Token Request").

Claims: ``iss`` = ``sub`` = client id, ``aud`` = the token endpoint, a unique ``jti`` of at most
255 characters, ``exp`` required, ``iat`` optional; signed RS256 with our ``sig`` key and its
``kid`` (D-JOSE). The current docs make encryption optional ("MUST be signed, and MAY also be
encrypted", D-AUTH "Token Request"); D-IG2020 and v1 said it MUST be signed then encrypted
(protocol notes §7, §11 #4). We sign only unless ``ENCRYPT_CLIENT_ASSERTION`` is set: then the
JWS is encrypted to itsme's ``enc`` key with the algorithms discovery lists, as a nested JWT.
"""

from __future__ import annotations

import secrets

from jwcrypto import jwk

from . import jose

__all__ = ["ASSERTION_LIFETIME", "CLIENT_ASSERTION_TYPE", "build_client_assertion"]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Seconds an assertion stays valid. It is used at once; a short life limits replay.
ASSERTION_LIFETIME = 60


def build_client_assertion(
    client_id: str,
    token_endpoint: str,
    key: jwk.JWK,
    *,
    now: float,
    encrypt_to: jwk.JWK | None = None,
    encryption: tuple[str, str] | None = None,
) -> str:
    """Build the signed (and optionally encrypted) ``client_assertion`` for one token request.

    :param client_id: the partner code.
    :param token_endpoint: the ``token_endpoint`` from discovery, used as ``aud``.
    :param key: our private ``sig`` key.
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
