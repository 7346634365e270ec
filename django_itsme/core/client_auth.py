"""``private_key_jwt`` client authentication at the token endpoint (D-AUTH "Token Request").

Claims: ``iss`` = ``sub`` = client id, ``aud`` = the token endpoint, a unique ``jti`` of at most
255 characters, ``exp`` required, ``iat`` optional; signed RS256 with our ``sig`` key and its
``kid`` (D-JOSE). The current docs make encryption optional (protocol notes §11 #4): we sign only.
"""

from __future__ import annotations

import secrets

from jwcrypto import jwk

from . import jose

__all__ = ["ASSERTION_LIFETIME", "CLIENT_ASSERTION_TYPE", "build_client_assertion"]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Seconds an assertion stays valid. It is used at once; a short life limits replay.
ASSERTION_LIFETIME = 60


def build_client_assertion(client_id: str, token_endpoint: str, key: jwk.JWK, *, now: float) -> str:
    """Build the signed ``client_assertion`` for one token request.

    :param client_id: the partner code.
    :param token_endpoint: the ``token_endpoint`` from discovery, used as ``aud``.
    :param key: our private ``sig`` key.
    :param now: the current time, seconds since the epoch.
    :returns: the compact JWS.
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
    return jose.sign(claims, key)
