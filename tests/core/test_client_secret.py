"""Client-secret partners in the core: settings (E037), the ``dir`` key derivation of OIDC Core
§10.2, and the algorithm allow-lists that keep ``dir`` and HS256 away from private_key_jwt
clients (D-AUTH "Secret key method"; protocol notes §1.2, §7, §8.1)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import base64url_encode

from django_itsme.core import FreeTextTemplate, ItsmeClient, jose
from django_itsme.core.config import ClientConfig, parse_config
from django_itsme.core.errors import (
    ConfigurationError,
    SignatureError,
    TokenDecryptionError,
    TransportError,
)
from django_itsme.core.http import HttpClient
from django_itsme.core.keys import load_private_keys
from django_itsme.core.token import exchange_code
from tests import keyfiles

SECRET = "test-only-client-secret-0123456789abcdefghijklmn"
RP = load_private_keys(keyfiles.RP_PRIVATE)
PROVIDER = jwk.JWKSet.from_json(json.dumps(keyfiles.load(keyfiles.PROVIDER_PRIVATE)))
PROVIDER_SIG = next(key for key in PROVIDER["keys"] if key.get("use") == "sig")
CLAIMS = {"iss": "https://idp.e2e.itsme.services/v2", "sub": "x" * 36, "aud": "OIDC_TEST"}


def settings(**changes: Any) -> dict[str, Any]:
    """Test settings; a client-secret partner has no private keys unless ``changes`` has some."""
    secret_partner = changes.get("TOKEN_AUTH_METHOD") == "client_secret_post"
    return {
        "CLIENT_ID": "OIDC_TEST",
        "ENVIRONMENT": "e2e",
        "PRIVATE_JWKS": None if secret_partner else keyfiles.RP_PRIVATE,
        "SERVICES": {"login": {"CODE": "TEST_LOGIN"}},
        **changes,
    }


def problems(**changes: Any) -> list[tuple[str, str]]:
    _config, found = parse_config(settings(**changes))
    return [(p.id, p.setting) for p in found]


def hs256(claims: dict[str, Any], secret: str, **header: Any) -> str:
    token = jws.JWS(json.dumps(claims).encode())
    key = jwk.JWK(kty="oct", k=base64url_encode(secret.encode()))
    token.add_signature(key, alg="HS256", protected=json.dumps({"alg": "HS256", **header}))
    return str(token.serialize(compact=True))


def rs256(claims: dict[str, Any]) -> str:
    token = jws.JWS(json.dumps(claims).encode())
    header = {"alg": "RS256", "kid": PROVIDER_SIG.get("kid")}
    token.add_signature(PROVIDER_SIG, alg="RS256", protected=json.dumps(header))
    return str(token.serialize(compact=True))


def dir_jwe(inner: str, key_bytes: bytes, enc: str = "A256GCM") -> str:
    header = {"alg": "dir", "enc": enc, "cty": "JWT"}
    envelope = jwe.JWE(inner.encode(), protected=json.dumps(header))
    envelope.allowed_algs = ["dir", enc]
    envelope.add_recipient(jwk.JWK(kty="oct", k=base64url_encode(key_bytes)))
    return str(envelope.serialize(compact=True))


def provider_key(kid: str) -> jwk.JWK:
    return jwk.JWK(**PROVIDER_SIG.export_public(as_dict=True))


def no_lookup(kid: str) -> jwk.JWK:
    raise AssertionError("a disallowed algorithm must be refused before any key lookup")


# ------------------------------------------------------------------ settings (E037)


def test_defaults_are_private_key_jwt_with_rs256() -> None:
    config = ClientConfig.from_mapping(settings())
    assert config.token_auth_method == "private_key_jwt"
    assert config.client_secret is None
    assert config.id_token_signing_alg == "RS256"
    assert not config.uses_client_secret


def test_client_secret_settings_parse_and_never_show_the_secret() -> None:
    config = ClientConfig.from_mapping(
        settings(
            TOKEN_AUTH_METHOD="client_secret_post",
            CLIENT_SECRET=SECRET,
            ID_TOKEN_SIGNING_ALG="HS256",
        )
    )
    assert config.uses_client_secret
    assert config.client_secret == SECRET
    assert config.id_token_signing_alg == "HS256"
    assert SECRET not in repr(config)
    assert SECRET not in repr(jose.SharedSecret(SECRET))
    assert SECRET not in str(jose.SharedSecret(SECRET))


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"TOKEN_AUTH_METHOD": "client_secret_basic"}, "TOKEN_AUTH_METHOD"),
        ({"TOKEN_AUTH_METHOD": "client_secret_post"}, "CLIENT_SECRET"),
        ({"TOKEN_AUTH_METHOD": "client_secret_post", "CLIENT_SECRET": 12345}, "CLIENT_SECRET"),
        ({"TOKEN_AUTH_METHOD": "client_secret_post", "CLIENT_SECRET": "short"}, "CLIENT_SECRET"),
        (
            {"TOKEN_AUTH_METHOD": "client_secret_post", "CLIENT_SECRET": SECRET + "\n"},
            "CLIENT_SECRET",
        ),
        ({"CLIENT_SECRET": SECRET}, "CLIENT_SECRET"),
        ({"ID_TOKEN_SIGNING_ALG": "HS256"}, "ID_TOKEN_SIGNING_ALG"),
        (
            {
                "TOKEN_AUTH_METHOD": "client_secret_post",
                "CLIENT_SECRET": SECRET,
                "ID_TOKEN_SIGNING_ALG": "none",
            },
            "ID_TOKEN_SIGNING_ALG",
        ),
        (
            {
                "TOKEN_AUTH_METHOD": "client_secret_post",
                "CLIENT_SECRET": SECRET,
                "ENCRYPT_CLIENT_ASSERTION": True,
            },
            "ENCRYPT_CLIENT_ASSERTION",
        ),
    ],
)
def test_e037(changes: dict[str, Any], setting: str) -> None:
    found = problems(**changes)
    assert found == [("E037", setting)]
    _config, messages = parse_config(settings(**changes))
    for problem in messages:
        assert SECRET not in problem.message + problem.hint


# ------------------------------------------------------------------ no private keys needed
SECRET_PARTNER = {"TOKEN_AUTH_METHOD": "client_secret_post", "CLIENT_SECRET": SECRET}


def test_a_client_secret_partner_needs_no_private_keys() -> None:
    # The secret signs the request object, authenticates the token request and decrypts the ID
    # token: a partner who registered no JWK Set URI has no keys to configure (D-AUTH).
    config, found = parse_config(settings(**SECRET_PARTNER))
    assert found == []
    assert config is not None
    assert config.keys is None


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PRIVATE_JWKS", keyfiles.RP_PRIVATE),
        ("KEY_STORE", {"BACKEND": "pkcs11", "MODULE": "/nowhere/libsofthsm2.so"}),
    ],
)
def test_private_keys_beside_a_client_secret_are_left_unused_with_w012(
    setting: str, value: Any
) -> None:
    changes = {setting: value, **SECRET_PARTNER}
    config, found = parse_config(settings(**changes))
    assert [(p.id, p.setting, p.level) for p in found] == [("W012", setting, "warning")]
    assert config is not None
    assert config.keys is None  # never read: no HSM is opened, no file parsed
    assert "never used" in found[0].message


def test_private_key_jwt_still_needs_private_keys() -> None:
    assert problems(PRIVATE_JWKS=None) == [("E006", "PRIVATE_JWKS")]


# ------------------------------------------------------------------ OIDC Core §10.2


@pytest.mark.parametrize(
    ("enc", "digest"),
    [
        ("A256GCM", hashlib.sha256(SECRET.encode()).digest()),
        ("A128CBC-HS256", hashlib.sha256(SECRET.encode()).digest()),
        ("A128GCM", hashlib.sha256(SECRET.encode()).digest()[:16]),
        ("A256CBC-HS512", hashlib.sha512(SECRET.encode()).digest()),
    ],
)
def test_dir_key_is_the_truncated_sha2_of_the_secret(enc: str, digest: bytes) -> None:
    token = dir_jwe(hs256(CLAIMS, SECRET), digest, enc)
    secret = jose.SharedSecret(SECRET)
    decoded = jose.decrypt_and_verify(
        token, decryption_keys=secret.decryption_keys(), key_for=secret
    )
    assert decoded.claims == CLAIMS


def test_client_secret_rs256_reads_dir_and_verifies_with_itsme_keys() -> None:
    token = dir_jwe(rs256(CLAIMS), hashlib.sha256(SECRET.encode()).digest())
    secret = jose.SharedSecret(SECRET)
    decoded = jose.decrypt_and_verify(
        token, decryption_keys=secret.decryption_keys(), key_for=provider_key
    )
    assert decoded.header["alg"] == "RS256"


def test_dir_with_another_secret_is_refused() -> None:
    token = dir_jwe(hs256(CLAIMS, SECRET), hashlib.sha256(b"another secret").digest())
    secret = jose.SharedSecret(SECRET)
    with pytest.raises(TokenDecryptionError):
        jose.decrypt_and_verify(token, decryption_keys=secret.decryption_keys(), key_for=secret)


# ------------------------------------------------------------------ attacks


def test_private_key_jwt_refuses_a_dir_token() -> None:
    token = dir_jwe(rs256(CLAIMS), hashlib.sha256(SECRET.encode()).digest())
    with pytest.raises(TokenDecryptionError, match="'dir' is not allowed"):
        jose.decrypt(token, RP.decryption_keys)


def test_private_key_jwt_refuses_hs256_before_any_key_lookup() -> None:
    with pytest.raises(SignatureError, match="'HS256' is not allowed"):
        jose.verify(hs256(CLAIMS, SECRET, kid="s1"), no_lookup)


def test_hs256_with_the_public_key_as_secret_is_refused() -> None:
    """The classic confusion: an HS256 MAC keyed with itsme's public key (its PEM)."""
    pem = PROVIDER_SIG.export_to_pem(private_key=False, password=None).decode()
    token = hs256(CLAIMS, pem, kid=PROVIDER_SIG.get("kid"))
    with pytest.raises(SignatureError, match="'HS256' is not allowed"):
        jose.verify(token, provider_key)


def test_client_secret_rs256_refuses_hs256() -> None:
    token = dir_jwe(hs256(CLAIMS, SECRET), hashlib.sha256(SECRET.encode()).digest())
    secret = jose.SharedSecret(SECRET)
    with pytest.raises(SignatureError, match="'HS256' is not allowed"):
        jose.decrypt_and_verify(token, decryption_keys=secret.decryption_keys(), key_for=no_lookup)


def test_client_secret_hs256_refuses_rs256_and_none() -> None:
    secret = jose.SharedSecret(SECRET)
    with pytest.raises(SignatureError, match="'RS256' is not allowed"):
        jose.verify(rs256(CLAIMS), secret)
    unsigned = ".".join(
        base64url_encode(json.dumps(part).encode()) for part in ({"alg": "none"}, CLAIMS)
    )
    with pytest.raises(SignatureError, match="'none' is not allowed"):
        jose.verify(unsigned + ".", secret)


def test_client_secret_refuses_an_rsa_encrypted_token() -> None:
    """A client-secret partner decrypts with its secret only, never with RSA keys."""
    token = jose.encrypt(rs256(CLAIMS), jwk.JWK(**RP.public_jwks()["keys"][1]))
    secret = jose.SharedSecret(SECRET)
    with pytest.raises(TokenDecryptionError, match="not allowed for this client"):
        jose.decrypt(token, secret.decryption_keys())


def test_request_object_signature_is_hs256_with_the_secret_and_no_kid() -> None:
    token = jose.sign({"iss": "OIDC_TEST"}, jose.SharedSecret(SECRET))
    assert jose.read_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert jose.verify(token, jose.SharedSecret(SECRET)).claims == {"iss": "OIDC_TEST"}


def test_a_token_request_without_a_secret_needs_a_key() -> None:
    with pytest.raises(ConfigurationError, match="client secret or a signing key"):
        exchange_code(
            "https://idp.e2e.itsme.services/v2/token",
            code="code",
            redirect_uri="https://rp.example.be/itsme/callback/",
            code_verifier=None,
            client_id="OIDC_TEST",
            signing_key=None,
            http=HttpClient(),
            now=1_800_000_000.0,
        )


@pytest.mark.parametrize(("alg", "refused"), [("HS256", True), ("RS256", False)])
def test_a_confirm_request_needs_id_tokens_signed_by_itsme(alg: str, refused: bool) -> None:
    config = ClientConfig.from_mapping(
        settings(
            ENVIRONMENT="http://127.0.0.1:9/v2",
            REDIRECT_URI="http://127.0.0.1:8000/itsme/callback/",
            ID_TOKEN_SIGNING_ALG=alg,
            **SECRET_PARTNER,
        )
    )
    client = ItsmeClient(config)
    template = FreeTextTemplate("Pay 10 EUR to Bob")
    if refused:
        # Refused before anything is fetched or built (the issuer above answers nothing).
        with pytest.raises(ConfigurationError) as caught:
            client.build_authentication_request("login", template=template)
        assert caught.value.code == "confirm_needs_rs256"
        assert "RS256" in str(caught.value)
    else:
        with pytest.raises(TransportError):  # it went on, to fetch discovery
            client.build_authentication_request("login", template=template)
