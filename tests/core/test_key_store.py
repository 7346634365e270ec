"""The key-store interface with the default file store: every private-key use goes through it, the
tokens are the ones a key in memory gives, and the allow-lists stay as strict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk
from jwcrypto.common import base64url_decode, base64url_encode, json_encode

from django_itsme.core import jose
from django_itsme.core.config import parse_config
from django_itsme.core.errors import ConfigurationError, TokenDecryptionError
from django_itsme.core.key_store import (
    PRIVATE_MEMBERS,
    KeyStatus,
    KeyStoreError,
    KeyUnwrapError,
    open_key_store,
)
from django_itsme.core.keys import PrivateKeys, load_private_keys
from tests import keyfiles

CLAIMS = {"iss": "OIDC_TEST", "aud": "https://idp.example", "nonce": "n-0"}


@pytest.fixture(scope="module")
def keys() -> PrivateKeys:
    return load_private_keys(keyfiles.RP_PRIVATE)


def public_key(keys: PrivateKeys, kid: str) -> jwk.JWK:
    return jwk.JWK(**keys.public_jwk(kid))


def test_the_store_signs_the_same_token_as_the_key_in_memory(keys: PrivateKeys) -> None:
    # RS256 is deterministic: assembling the JWS around the store's signature gives jwcrypto's.
    assert jose.sign(CLAIMS, keys) == jose.sign(CLAIMS, keys.signing_key)
    assert jose.sign(CLAIMS, keys, typ="JWT") != jose.sign(CLAIMS, keys, typ="at+jwt")
    decoded = jose.verify(jose.sign(CLAIMS, keys), lambda kid: public_key(keys, kid))
    assert decoded.header == {"alg": "RS256", "kid": "rp-sig-1", "typ": "JWT"}
    assert decoded.claims == CLAIMS


def test_the_store_signs_ps256_with_the_hash_long_salt(keys: PrivateKeys) -> None:
    signature = keys.sign(b"a.b", kid="rp-sig-1", alg="PS256")
    verifier = public_key(keys, "rp-sig-1").get_op_key("verify")
    scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    verifier.verify(signature, b"a.b", scheme, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        verifier.verify(signature, b"a.c", scheme, hashes.SHA256())


@pytest.mark.parametrize(
    ("kid", "alg"), [("rp-enc-1", "RS256"), ("rp-sig-1", "HS256"), ("nope", "RS256")]
)
def test_the_store_signs_only_with_a_sig_key_and_an_allowed_alg(
    keys: PrivateKeys, kid: str, alg: str
) -> None:
    with pytest.raises(KeyStoreError) as caught:
        keys.sign(b"a.b", kid=kid, alg=alg)
    assert isinstance(caught.value, ConfigurationError)
    assert '"d"' not in str(caught.value)


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256"])
@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"])
def test_the_store_unwraps_every_allowed_jwe(keys: PrivateKeys, alg: str, enc: str) -> None:
    token = jose.encrypt("a.b.c", public_key(keys, "rp-enc-1"), alg=alg, enc=enc)
    assert jose.decrypt(token, keys) == "a.b.c"


def test_a_tampered_encrypted_key_is_the_one_decryption_failure(keys: PrivateKeys) -> None:
    token = jose.encrypt("a.b.c", public_key(keys, "rp-enc-1"))
    parts = token.split(".")
    key = bytearray(base64url_decode(parts[1]))
    key[5] ^= 1
    parts[1] = base64url_encode(bytes(key))
    with pytest.raises(TokenDecryptionError, match="could not be decrypted with our keys"):
        jose.decrypt(".".join(parts), keys)
    with pytest.raises(KeyUnwrapError):
        keys.unwrap_key("rp-enc-1", bytes(key), alg="RSA-OAEP-256")


def test_the_store_path_keeps_the_allow_lists(keys: PrivateKeys) -> None:
    # RSA1_5, dir and compression are refused before the store is asked for anything.
    def token(**header: str) -> str:
        return f"{base64url_encode(json_encode(header))}.YQ.aXY.Y3Q.dGFn"

    store = FailingStore(keys)
    with pytest.raises(TokenDecryptionError, match="'RSA1_5' is not allowed"):
        jose.decrypt(token(alg="RSA1_5", enc="A128GCM"), store)
    with pytest.raises(TokenDecryptionError, match="'dir' is not allowed for this client"):
        jose.decrypt(token(alg="dir", enc="A128GCM"), store)
    with pytest.raises(TokenDecryptionError, match="Compressed"):
        jose.decrypt(token(alg="RSA-OAEP", enc="A128GCM", zip="DEF"), store)
    with pytest.raises(TokenDecryptionError, match="'A128CTR' is not allowed"):
        jose.decrypt(token(alg="RSA-OAEP", enc="A128CTR"), store)


def test_a_token_for_another_kid_is_refused(keys: PrivateKeys) -> None:
    other = load_private_keys(keyfiles.FOREIGN_PRIVATE)
    token = jose.encrypt("a.b.c", jwk.JWK(**other.public_jwk(other.decryption_kids[0])))
    with pytest.raises(TokenDecryptionError, match="a key we do not have"):
        jose.decrypt(token, keys)


class FailingStore:
    """The file store, except that unwrapping fails as an HSM that went away would."""

    def __init__(self, inner: PrivateKeys) -> None:
        self.inner = inner
        self.signing_kid = inner.signing_kid
        self.decryption_kids = inner.decryption_kids

    def sign(self, signing_input: bytes, *, kid: str, alg: str) -> bytes:
        raise KeyStoreError("KEY_STORE (test): signing failed (DeviceRemoved).")

    def unwrap_key(self, kid: str, encrypted_key: bytes, *, alg: str) -> bytes:
        raise KeyStoreError("KEY_STORE (test): decryption failed (DeviceRemoved).")

    def public_jwk(self, kid: str) -> dict[str, str]:
        return self.inner.public_jwk(kid)

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        return self.inner.public_jwks()

    def statuses(self, now: float | None = None) -> list[KeyStatus]:
        return self.inner.statuses(now)


def test_a_store_failure_is_a_configuration_error_not_a_bad_token(keys: PrivateKeys) -> None:
    store = FailingStore(keys)
    token = jose.encrypt("a.b.c", public_key(keys, "rp-enc-1"))
    with pytest.raises(KeyStoreError, match="decryption failed"):
        jose.decrypt(token, store)
    with pytest.raises(KeyStoreError, match="signing failed"):
        jose.sign(CLAIMS, store)


def test_the_file_store_publishes_public_members_only(keys: PrivateKeys) -> None:
    for key in keys.public_jwks()["keys"]:
        assert not PRIVATE_MEMBERS & set(key)
    assert not PRIVATE_MEMBERS & set(keys.public_jwk("rp-enc-1"))
    with pytest.raises(KeyStoreError):
        keys.public_jwk("nope")


class FileStore(FailingStore):
    """A plug-in class: built from options, signing with the file store (a KMS stand-in)."""

    def __init__(self, path: str) -> None:
        super().__init__(load_private_keys(path))

    def sign(self, signing_input: bytes, *, kid: str, alg: str) -> bytes:
        return self.inner.sign(signing_input, kid=kid, alg=alg)


class LeakyStore(FileStore):
    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [dict(self.inner.signing_key.export(as_dict=True))]}


class BrokenStore(FileStore):
    def __init__(self, path: str) -> None:
        raise RuntimeError(f"cannot reach the KMS with credential secret-{path}")


def test_open_key_store_accepts_an_object_or_a_class(keys: PrivateKeys) -> None:
    assert open_key_store(keys) == (keys, [])
    options = {"path": str(keyfiles.RP_PRIVATE)}
    store, problems = open_key_store({"BACKEND": f"{__name__}.FileStore", "OPTIONS": options})
    assert problems == []
    assert isinstance(store, FileStore)
    assert jose.sign(CLAIMS, store) == jose.sign(CLAIMS, keys)


@pytest.mark.parametrize(
    ("setting", "kind", "text"),
    [
        ("no_such_module_x.Store", "unreadable", "cannot be imported (ModuleNotFoundError)"),
        ("json.JSONDecoder", "unreadable", "does not implement the KeyStore protocol: no sign"),
        ("json.dumps", "unreadable", "is not a class"),
        ({"BACKEND": 3}, "unreadable", "KEY_STORE must be"),
        ({"BACKEND": "x.Y", "OPTION": {}}, "unreadable", "KEY_STORE must be"),
        (object(), "unreadable", "does not implement the KeyStore protocol"),
    ],
)
def test_open_key_store_problems(setting: Any, kind: str, text: str) -> None:
    store, problems = open_key_store(setting)
    assert store is None
    assert [p.kind for p in problems] == [kind]
    assert text in problems[0].message


def base_settings(**changes: Any) -> dict[str, Any]:
    return {
        "CLIENT_ID": "OIDC_TEST",
        "ENVIRONMENT": "e2e",
        "SERVICES": {"login": {"CODE": "X"}},
        **changes,
    }


def test_a_key_store_replaces_private_jwks(keys: PrivateKeys) -> None:
    config, problems = parse_config(base_settings(KEY_STORE=keys))
    assert problems == []
    assert config is not None
    assert config.keys is keys


def test_private_jwks_beside_a_key_store_is_e039(keys: PrivateKeys) -> None:
    _config, problems = parse_config(
        base_settings(KEY_STORE=keys, PRIVATE_JWKS=str(keyfiles.RP_PRIVATE))
    )
    assert [(p.id, p.setting) for p in problems] == [("E039", "PRIVATE_JWKS")]
    assert "must be left out" in problems[0].message


def test_a_key_store_that_cannot_open_is_e040() -> None:
    setting = {"BACKEND": f"{__name__}.BrokenStore", "OPTIONS": {"path": "xyz"}}
    _config, problems = parse_config(base_settings(KEY_STORE=setting))
    assert [(p.id, p.setting) for p in problems] == [("E040", "KEY_STORE")]
    text = json.dumps([(p.message, p.hint) for p in problems])
    assert "could not be opened (RuntimeError)" in text
    assert "secret-xyz" not in text


def test_a_key_store_publishing_a_private_member_is_refused() -> None:
    setting = {"BACKEND": f"{__name__}.LeakyStore", "OPTIONS": {"path": str(keyfiles.RP_PRIVATE)}}
    store, problems = open_key_store(setting)
    assert store is None
    assert [p.kind for p in problems] == ["unusable"]
    assert "publishes a private key member" in problems[0].message


def test_an_invalid_key_store_setting_is_e039() -> None:
    _config, problems = parse_config(base_settings(KEY_STORE={"BACKEND": "pkcs11"}))
    assert {p.id for p in problems} == {"E039"}
    messages = " ".join(p.message for p in problems)
    assert "MODULE" in messages
    assert "PIN_ENV" in messages


def test_the_store_follows_the_rotation_dates() -> None:
    from tests.core.test_key_lifecycle import (
        T0,
        WINDOW,
        Clock,
        encryption_rotation_set,
        signing_rotation_set,
    )

    clock = Clock(T0 - 1)
    keys = load_private_keys(encryption_rotation_set(), clock=clock)
    token = jose.encrypt("a.b.c", public_key(keys, "rp-enc-1"))
    clock.now = T0 + 10  # unpublished, still decrypting through the store
    assert keys.decryption_kids == ("rp2-enc-1", "rp-enc-1")
    assert jose.decrypt(token, keys) == "a.b.c"
    clock.now = T0 + WINDOW  # retired
    with pytest.raises(TokenDecryptionError, match="a key we do not have"):
        jose.decrypt(token, keys)
    with pytest.raises(KeyStoreError):
        keys.unwrap_key("rp-enc-1", b"x" * 256, alg="RSA-OAEP")
    signing = load_private_keys(signing_rotation_set(), clock=clock)
    clock.now = T0
    assert jose.read_header(jose.sign(CLAIMS, signing))["kid"] == "rp-sig-1"
    clock.now = T0 + WINDOW
    assert jose.read_header(jose.sign(CLAIMS, signing))["kid"] == "rp2-sig-1"


def test_a_jwe_without_kid_is_tried_with_each_key() -> None:
    data = keyfiles.load(keyfiles.RP_PRIVATE)
    other = keyfiles.load(keyfiles.RP_ROTATED)
    data["keys"] += [k for k in other["keys"] if k["use"] == "enc"]
    keys = load_private_keys(data)
    recipient = jwk.JWK(**{k: v for k, v in keys.public_jwk("rp2-enc-1").items() if k != "kid"})
    token = jose.encrypt("a.b.c", recipient)
    assert jose.read_header(token).get("kid") is None
    assert keys.decryption_kids == ("rp-enc-1", "rp2-enc-1")
    assert jose.decrypt(token, keys) == "a.b.c"
