"""private_key_jwt client assertions (D-AUTH "Token Request")."""

from __future__ import annotations

from jwcrypto import jwk

from django_itsme.core import jose
from django_itsme.core.client_auth import ASSERTION_LIFETIME, build_client_assertion
from django_itsme.core.keys import load_private_keys
from tests import keyfiles

RP = load_private_keys(keyfiles.RP_PRIVATE)
RP_SIG_PUBLIC = jwk.JWK(**RP.public_jwks()["keys"][0])
TOKEN_ENDPOINT = "https://idp.e2e.itsme.services/v2/token"


def test_claims_header_and_signature() -> None:
    token = build_client_assertion("OIDC_TEST", TOKEN_ENDPOINT, RP.signing_key, now=1_700_000_000.7)
    decoded = jose.verify(token, lambda kid: RP_SIG_PUBLIC)
    assert decoded.header == {"alg": "RS256", "kid": "rp-sig-1", "typ": "JWT"}
    claims = decoded.claims
    assert claims["iss"] == claims["sub"] == "OIDC_TEST"
    assert claims["aud"] == TOKEN_ENDPOINT
    assert claims["iat"] == 1_700_000_000
    assert claims["exp"] == 1_700_000_000 + ASSERTION_LIFETIME
    assert 0 < len(claims["jti"]) <= 255
    assert ASSERTION_LIFETIME <= 300  # "short exp"


def test_jti_is_unique() -> None:
    jtis = {
        jose.verify(
            build_client_assertion("C", TOKEN_ENDPOINT, RP.signing_key, now=0),
            lambda kid: RP_SIG_PUBLIC,
        ).claims["jti"]
        for _ in range(20)
    }
    assert len(jtis) == 20
