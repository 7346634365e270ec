"""Nested JWTs: what we build, and every token shape we must refuse (D-JOSE, notes §8.1)."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import base64url_encode, json_encode

from django_itsme.core import jose
from django_itsme.core.errors import SignatureError, TokenDecryptionError, TokenValidationError
from django_itsme.core.keys import load_private_keys
from tests import keyfiles

RP = load_private_keys(keyfiles.RP_PRIVATE)
OP = load_private_keys(keyfiles.PROVIDER_PRIVATE)
FOREIGN = load_private_keys(keyfiles.FOREIGN_PRIVATE)
OP_SIG_PUBLIC = jwk.JWK(**OP.public_jwks()["keys"][0])
RP_ENC_PUBLIC = jwk.JWK(**RP.public_jwks()["keys"][1])
CLAIMS = {"iss": "https://op.test", "sub": "x" * 36, "aud": "OIDC_TEST"}


def op_key_for(kid: str) -> jwk.JWK:
    assert kid == OP.signing_kid
    return OP_SIG_PUBLIC


def nested(claims: dict[str, Any] = CLAIMS, **kwargs: Any) -> str:
    return jose.sign_then_encrypt(claims, OP.signing_key, RP_ENC_PUBLIC, **kwargs)


def raw_jwe(payload: bytes, header: dict[str, Any], key: jwk.JWK = RP_ENC_PUBLIC) -> str:
    everything = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "dir", "A128CBC-HS256", "A192GCM"]
    token = jwe.JWE(payload, protected=json_encode(header), algs=everything)
    token.add_recipient(key)
    return str(token.serialize(compact=True))


def raw_jws(claims: dict[str, Any], key: jwk.JWK, header: dict[str, Any]) -> str:
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg=header["alg"], protected=json_encode(header))
    return str(token.serialize(compact=True))


def test_round_trip_and_headers() -> None:
    token = nested()
    header = jose.read_header(token)
    # D-JOSE: JWE with cty JWT and the recipient's kid; our enc key asks for RSA-OAEP-256.
    assert header == {
        "alg": "RSA-OAEP-256",
        "enc": "A128CBC-HS256",
        "cty": "JWT",
        "kid": "rp-enc-1",
    }
    inner = jose.decrypt(token, RP.decryption_keys)
    assert jose.read_header(inner) == {"alg": "RS256", "kid": "op-sig-1", "typ": "JWT"}
    decoded = jose.decrypt_and_verify(token, decryption_keys=RP.decryption_keys, key_for=op_key_for)
    assert decoded.claims == CLAIMS
    assert decoded.compact == inner
    assert "eyJ" not in repr(decoded)


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256"])
@pytest.mark.parametrize("enc", jose.ALLOWED_JWE_ENCRYPTIONS)
def test_every_allowed_combination_decrypts(alg: str, enc: str) -> None:
    token = nested(alg=alg, enc=enc)
    assert (
        jose.decrypt_and_verify(
            token, decryption_keys=RP.decryption_keys, key_for=op_key_for
        ).claims
        == CLAIMS
    )


def test_encrypt_refuses_algorithms_outside_the_allow_list() -> None:
    with pytest.raises(ValueError, match="allow-list"):
        jose.encrypt("a.b.c", RP_ENC_PUBLIC, alg="RSA1_5")


def test_key_without_allowed_alg_gets_rsa_oaep_256() -> None:
    key = jwk.JWK(**{k: v for k, v in RP.public_jwks()["keys"][1].items() if k != "alg"})
    assert jose.choose_key_algorithm(key) == "RSA-OAEP-256"
    key_oaep = jwk.JWK(**{**RP.public_jwks()["keys"][1], "alg": "RSA-OAEP"})
    assert jose.choose_key_algorithm(key_oaep) == "RSA-OAEP"


def test_header_without_kid_tries_each_key() -> None:
    inner = jose.sign(CLAIMS, OP.signing_key)
    token = raw_jwe(inner.encode(), {"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "cty": "JWT"})
    assert jose.decrypt(token, RP.decryption_keys) == inner


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "RSA1_5", "enc": "A128CBC-HS256"}, "JWE algorithm 'RSA1_5' is not allowed"),
        ({"alg": "RSA-OAEP", "enc": "A192GCM"}, "JWE encryption 'A192GCM' is not allowed"),
    ],
)
def test_disallowed_jwe_algorithms(header: dict[str, Any], message: str) -> None:
    token = raw_jwe(jose.sign(CLAIMS, OP.signing_key).encode(), {**header, "kid": "rp-enc-1"})
    with pytest.raises(TokenDecryptionError, match=message):
        jose.decrypt(token, RP.decryption_keys)


def test_dir_algorithm_is_refused() -> None:
    secret = jwk.JWK.generate(kty="oct", size=256)
    token = raw_jwe(b"a.b.c", {"alg": "dir", "enc": "A128CBC-HS256"}, key=secret)
    with pytest.raises(TokenDecryptionError, match="'dir' is not allowed"):
        jose.decrypt(token, RP.decryption_keys)


def test_compressed_payload_is_refused() -> None:
    header = {"alg": "RSA-OAEP", "enc": "A128CBC-HS256", "zip": "DEF", "kid": "rp-enc-1"}
    token = raw_jwe(zlib.compress(b"a.b.c"), header)
    with pytest.raises(TokenDecryptionError, match="Compressed"):
        jose.decrypt(token, RP.decryption_keys)


def test_token_for_someone_else() -> None:
    foreign_enc = jwk.JWK(**FOREIGN.public_jwks()["keys"][1])
    token = jose.sign_then_encrypt(CLAIMS, OP.signing_key, foreign_enc)
    with pytest.raises(TokenDecryptionError, match="key we do not have"):
        jose.decrypt(token, RP.decryption_keys)


def test_token_for_someone_else_without_kid() -> None:
    foreign_enc = jwk.JWK(**FOREIGN.public_jwks()["keys"][1])
    header = {"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "cty": "JWT"}
    token = raw_jwe(b"a.b.c", header, key=foreign_enc)
    with pytest.raises(TokenDecryptionError, match="could not be decrypted"):
        jose.decrypt(token, RP.decryption_keys)


def test_tampered_ciphertext() -> None:
    parts = nested().split(".")
    parts[3] = parts[3][:-4] + ("AAAA" if parts[3][-4:] != "AAAA" else "BBBB")
    with pytest.raises(TokenDecryptionError):
        jose.decrypt(".".join(parts), RP.decryption_keys)


def test_unencrypted_token_is_refused() -> None:
    with pytest.raises(TokenDecryptionError, match="not encrypted"):
        jose.decrypt_and_verify(
            jose.sign(CLAIMS, OP.signing_key),
            decryption_keys=RP.decryption_keys,
            key_for=op_key_for,
        )


@pytest.mark.parametrize("token", ["", "garbage", "!!!.a.b.c.d", "W10.a.b.c.d"])
def test_not_a_token(token: str) -> None:
    with pytest.raises(TokenDecryptionError):
        jose.decrypt(token, RP.decryption_keys)


def test_oversized_token() -> None:
    with pytest.raises(TokenValidationError, match="larger than allowed"):
        jose.read_header("e" * (jose.MAX_TOKEN_BYTES + 1))


def test_unsigned_inner_token_is_refused() -> None:
    header = base64url_encode(json.dumps({"alg": "none", "kid": "op-sig-1"}))
    inner = f"{header}.{base64url_encode(json.dumps(CLAIMS))}."
    with pytest.raises(SignatureError, match="'none' is not allowed"):
        jose.verify(inner, op_key_for)


def test_hs256_is_refused_even_with_the_public_key_as_secret() -> None:
    # The classic RS256 -> HS256 confusion: the "secret" is the public key's bytes.
    secret = jwk.JWK(kty="oct", k=base64url_encode(OP_SIG_PUBLIC.export_to_pem()))
    token = raw_jws(CLAIMS, secret, {"alg": "HS256", "kid": "op-sig-1"})
    with pytest.raises(SignatureError, match="'HS256' is not allowed"):
        jose.verify(token, op_key_for)


def test_ps256_is_refused() -> None:
    token = raw_jws(CLAIMS, OP.signing_key, {"alg": "PS256", "kid": "op-sig-1"})
    with pytest.raises(SignatureError, match="'PS256' is not allowed"):
        jose.verify(token, op_key_for)


def test_missing_kid() -> None:
    token = raw_jws(CLAIMS, OP.signing_key, {"alg": "RS256"})
    with pytest.raises(SignatureError, match="'kid' is missing"):
        jose.verify(token, op_key_for)


def test_signed_by_a_foreign_key_under_the_providers_kid() -> None:
    token = raw_jws(CLAIMS, FOREIGN.signing_key, {"alg": "RS256", "kid": "op-sig-1"})
    with pytest.raises(SignatureError, match="signature is invalid"):
        jose.verify(token, op_key_for)


def test_payload_must_be_a_json_object() -> None:
    token = jws.JWS(b"[1, 2]")
    token.add_signature(
        OP.signing_key, alg="RS256", protected=json_encode({"alg": "RS256", "kid": "op-sig-1"})
    )
    with pytest.raises(TokenValidationError, match="not a JSON object"):
        jose.verify(str(token.serialize(compact=True)), op_key_for)
    token = jws.JWS(b"not json")
    token.add_signature(
        OP.signing_key, alg="RS256", protected=json_encode({"alg": "RS256", "kid": "op-sig-1"})
    )
    with pytest.raises(TokenValidationError, match="not valid JSON"):
        jose.verify(str(token.serialize(compact=True)), op_key_for)


def test_a_jwe_is_not_a_jws() -> None:
    with pytest.raises(SignatureError, match="not a signed JWT"):
        jose.verify(nested(), op_key_for)


def test_header_must_be_an_object() -> None:
    with pytest.raises(SignatureError, match="not a JSON object"):
        jose.verify(base64url_encode("[1]") + ".e30.sig", op_key_for)
