"""The PKCS#11 key store against a real SoftHSM2 token: signing and decrypting on the token, keys
that cannot leave it, rotation dates, and failures that name the problem but never the PIN."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk

from django_itsme.core import jose
from django_itsme.core.config import parse_config
from django_itsme.core.errors import TokenDecryptionError
from django_itsme.core.key_store import PRIVATE_MEMBERS, KeyStoreError, open_key_store
from django_itsme.core.pkcs11_store import Pkcs11KeyStore
from tests import softhsm
from tests.softhsm import ENC, ENC_NEXT, PIN, SIG, SIG_NEXT, Token

CLAIMS = {"iss": "OIDC_TEST", "aud": "https://idp.example", "jti": "j-1"}
T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


@pytest.fixture(scope="module")
def token() -> Token:
    return softhsm.softhsm_token()


@pytest.fixture(scope="module")
def store(token: Token) -> Iterator[Pkcs11KeyStore]:
    opened, problems = Pkcs11KeyStore.open(token.setting())
    assert problems == []
    assert opened is not None
    yield opened
    opened.close()


def open_problems(setting: dict[str, Any]) -> list[str]:
    opened, problems = open_key_store(setting)
    assert opened is None
    text = json.dumps([p.message for p in problems])
    assert PIN not in text
    return [f"{p.kind}: {p.message}" for p in problems]


def test_the_token_signs_what_the_published_key_verifies(store: Pkcs11KeyStore) -> None:
    published = store.public_jwks()["keys"]
    assert [(k["kid"], k["use"], k["alg"]) for k in published] == [
        (SIG, "sig", "RS256"),
        (ENC, "enc", "RSA-OAEP"),
    ]
    assert not any(PRIVATE_MEMBERS & set(k) for k in published)
    by_kid = {k["kid"]: jwk.JWK(**k) for k in published}
    decoded = jose.verify(jose.sign(CLAIMS, store), by_kid.__getitem__)
    assert decoded.header["kid"] == SIG
    assert decoded.claims == CLAIMS


@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"])
def test_the_token_unwraps_the_jwe_key(store: Pkcs11KeyStore, enc: str) -> None:
    public = store.public_jwk(ENC)
    assert public["alg"] == "RSA-OAEP"
    token = jose.encrypt("a.b.c", jwk.JWK(**public), enc=enc)
    assert jose.decrypt(token, store) == "a.b.c"
    # Another algorithm than the published one is refused as a token that does not decrypt.
    other = jose.encrypt("a.b.c", jwk.JWK(**public), alg="RSA-OAEP-256", enc=enc)
    with pytest.raises(TokenDecryptionError, match="could not be decrypted with our keys"):
        jose.decrypt(other, store)


def test_rsa_oaep_256_works_or_is_reported_at_open(token: Token) -> None:
    opened, problems = Pkcs11KeyStore.open(token.setting(ENC_ALG="RSA-OAEP-256"))
    if opened is None:  # SoftHSM2 2.6: SHA-1 OAEP only
        (problem,) = problems
        assert "cannot decrypt RSA-OAEP-256 on this token" in problem.message
        assert "KEY_STORE['ENC_ALG'] = 'RSA-OAEP'" in problem.message
        return
    public = jwk.JWK(**opened.public_jwk(ENC))
    assert jose.decrypt(jose.encrypt("a.b.c", public), opened) == "a.b.c"
    opened.close()


def test_a_token_not_for_our_key_is_a_decryption_error(store: Pkcs11KeyStore) -> None:
    # Encrypted to the sig key's public half: the kid is not one that decrypts.
    sig_public = {**store.public_jwk(SIG), "use": "enc"}
    with pytest.raises(TokenDecryptionError, match="a key we do not have"):
        jose.decrypt(jose.encrypt("a.b.c", jwk.JWK(**sig_public)), store)
    # Same kid, another key: the OAEP check fails on the token, as one decryption error.
    other = jwk.JWK.generate(kty="RSA", size=2048, kid=ENC, use="enc")
    with pytest.raises(TokenDecryptionError, match="could not be decrypted with our keys"):
        jose.decrypt(jose.encrypt("a.b.c", other), store)


def test_ps256_is_signed_on_the_token(store: Pkcs11KeyStore) -> None:
    signature = store.sign(b"a.b", kid=SIG, alg="PS256")
    assert len(signature) == 256
    with pytest.raises(KeyStoreError, match="cannot sign 'HS256'"):
        store.sign(b"a.b", kid=SIG, alg="HS256")
    with pytest.raises(KeyStoreError, match="cannot sign 'RS256' with kid 'rp-hsm-enc-1'"):
        store.sign(b"a.b", kid=ENC, alg="RS256")


def test_the_private_keys_never_leave_the_token(token: Token) -> None:
    import pkcs11

    session = softhsm.user_session(token.module, softhsm.TOKEN_LABEL)
    try:
        for label in (SIG, ENC, SIG_NEXT, ENC_NEXT):
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=label)
            assert key[pkcs11.Attribute.SENSITIVE] is True
            assert key[pkcs11.Attribute.EXTRACTABLE] is False
            with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                key[pkcs11.Attribute.PRIVATE_EXPONENT]
    finally:
        session.close()


def test_a_closed_session_is_opened_again(token: Token) -> None:
    opened, _ = Pkcs11KeyStore.open(token.setting())
    assert opened is not None
    opened.close()
    assert len(opened.sign(b"a.b", kid=SIG, alg="RS256")) == 256
    opened.close()


def test_a_session_the_token_logged_out_is_opened_again(token: Token) -> None:
    first, _ = Pkcs11KeyStore.open(token.setting(TOKEN_LABEL=softhsm.SESSION_TOKEN))
    second, _ = Pkcs11KeyStore.open(token.setting(TOKEN_LABEL=softhsm.SESSION_TOKEN))
    assert first is not None
    assert second is not None
    try:
        assert len(second.sign(b"a.b", kid=SIG, alg="RS256")) == 256
        # Closing the store that logged in logs the whole process out of the token
        # (PKCS#11 v2.40 §5.6): the other store's session can no longer use the private keys.
        first.close()
        assert len(second.sign(b"a.b", kid=SIG, alg="RS256")) == 256
        token_jwe = jose.encrypt("a.b.c", jwk.JWK(**second.public_jwk(ENC)))
        first.close()
        assert jose.decrypt(token_jwe, second) == "a.b.c"
    finally:
        second.close()
        first.close()


def test_a_missing_softhsm_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITSME_TEST_PKCS11_MODULE", "/nonexistent/libsofthsm2.so")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        softhsm.softhsm_token()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="SoftHSM2 PKCS#11 module is not installed"):
        softhsm.softhsm_token()


def test_rotation_dates_follow_the_file_store_rules(token: Token) -> None:
    now = [T0]
    setting = token.setting(
        SIG_KEY_LABEL=[SIG, {"LABEL": SIG_NEXT, "NOT_BEFORE": "2027-01-15T09:00:00Z"}],
        ENC_KEY_LABEL=[
            {
                "LABEL": ENC,
                "UNPUBLISH_AT": "2027-01-15T08:30:00Z",
                "RETIRE_AT": "2027-01-15T09:00:00Z",
            },
            ENC_NEXT,
        ],
    )
    opened, problems = Pkcs11KeyStore.open(setting, clock=lambda: now[0])
    assert problems == []
    assert opened is not None
    try:
        before = jose.encrypt("a.b.c", jwk.JWK(**opened.public_jwk(ENC)))
        assert opened.signing_kid == SIG
        assert [k["kid"] for k in opened.public_jwks()["keys"]] == [SIG, SIG_NEXT, ENC, ENC_NEXT]
        now[0] = T0 + 10 * 86_400  # 2027-01-25: after every date
        assert opened.signing_kid == SIG_NEXT
        # The old sig key has no retire date: still published, as in the file store.
        assert [k["kid"] for k in opened.public_jwks()["keys"]] == [SIG, SIG_NEXT, ENC_NEXT]
        assert (
            jose.verify(
                jose.sign(CLAIMS, opened), lambda kid: jwk.JWK(**opened.public_jwk(kid))
            ).header["kid"]
            == SIG_NEXT
        )
        with pytest.raises(TokenDecryptionError, match="a key we do not have"):
            jose.decrypt(before, opened)
        now[0] = T0 + 45 * 60  # 08:45: ENC unpublished but decrypting, SIG_NEXT not signing yet
        assert [k["kid"] for k in opened.public_jwks()["keys"] if k["use"] == "enc"] == [ENC_NEXT]
        assert opened.decryption_kids == (ENC, ENC_NEXT)
        assert jose.decrypt(before, opened) == "a.b.c"
        states = {s.kid: s.state for s in opened.statuses()}
        assert states == {SIG: "active", SIG_NEXT: "next", ENC: "retiring", ENC_NEXT: "active"}
    finally:
        opened.close()


def test_a_wrong_pin_is_named_but_never_shown(token: Token, monkeypatch: Any) -> None:
    monkeypatch.setenv("ITSME_TEST_WRONG_PIN", "9999-wrong")
    setting = token.wrong_pin_setting()
    (problem,) = open_problems(setting)
    assert problem.startswith("unusable: KEY_STORE (PKCS#11 token 'itsme-pin-test'): the PIN was")
    assert "9999-wrong" not in problem


def test_the_pin_may_come_from_a_file(token: Token, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n", encoding="utf-8")
    setting = token.setting(PIN_FILE=str(pin_file))
    del setting["PIN_ENV"]
    opened, problems = open_key_store(setting)
    assert problems == []
    assert isinstance(opened, Pkcs11KeyStore)
    assert PIN not in repr(opened)
    assert repr(opened) == (
        "Pkcs11KeyStore(token='itsme-test', sig=[rp-hsm-sig-1], enc=[rp-hsm-enc-1])"
    )
    opened.close()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SIG_KEY_LABEL": "no-such-key"}, "no RSA key pair labelled 'no-such-key'"),
        ({"TOKEN_LABEL": "absent"}, "PKCS#11 token 'absent'): no token with this label is present"),
        ({"MODULE": "/nonexistent/libpkcs11.so"}, "cannot be loaded"),
        ({"ENC_KEY_LABEL": softhsm.EXTRACTABLE}, "is extractable or not sensitive"),
        (
            {"PIN_ENV": "ITSME_TEST_UNSET_PIN"},
            "'ITSME_TEST_UNSET_PIN' (KEY_STORE['PIN_ENV']) is not",
        ),
        ({"PIN_FILE": "/nonexistent/pin"}, "needs exactly one of PIN_ENV"),
        ({"SIG_KEY_LABEL": [{"LABEL": SIG, "NOT_BEFOR": "x"}]}, "must be a key label"),
        ({"SIG_KEY_LABEL": [{"LABEL": SIG, "NOT_BEFORE": "soon"}]}, "must be a UTC time"),
        ({"SLOT": 1}, "unknown key 'SLOT'"),
    ],
)
def test_problems_name_what_to_fix(token: Token, changes: dict[str, Any], expected: str) -> None:
    problems = open_problems(token.setting(**changes))
    assert any(expected in p for p in problems), problems


def test_problems_become_system_check_ids(token: Token, monkeypatch: Any) -> None:
    base = {"CLIENT_ID": "OIDC_TEST", "ENVIRONMENT": "e2e", "SERVICES": {"login": {"CODE": "X"}}}
    monkeypatch.setenv("ITSME_TEST_WRONG_PIN", "9999-wrong")
    _config, problems = parse_config({**base, "KEY_STORE": token.setting(MODULE=3)})
    assert {(p.id, p.setting) for p in problems} == {("E039", "KEY_STORE")}
    bad_pin = token.wrong_pin_setting()
    _config, problems = parse_config({**base, "KEY_STORE": bad_pin})
    assert [(p.id, p.setting) for p in problems] == [("E040", "KEY_STORE")]
    assert "9999-wrong" not in repr(problems)
    config, problems = parse_config({**base, "KEY_STORE": token.setting()})
    assert problems == []
    assert config is not None
    assert config.keys.signing_kid == SIG
    assert isinstance(config.keys, Pkcs11KeyStore)
    config.keys.close()
    assert os.environ[softhsm.PIN_ENV] == PIN


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (gunicorn's worker model)")
def test_a_forked_worker_signs_and_decrypts_with_its_own_session(store: Pkcs11KeyStore) -> None:
    # gunicorn --preload opens the store in the master, then forks workers: PKCS#11 state does
    # not survive fork (v2.40 §6.7.1), so each worker must initialise the library again.
    published = {k["kid"]: jwk.JWK(**k) for k in store.public_jwks()["keys"]}
    assert jose.verify(jose.sign(CLAIMS, store), published.__getitem__).claims == CLAIMS
    sealed = jose.encrypt(jose.sign(CLAIMS, store), published[ENC], alg="RSA-OAEP")
    pid = os.fork()
    if pid == 0:  # the worker: any failure is its exit status, never a second pytest run
        status = 1
        try:
            signed = jose.sign(CLAIMS, store)
            opened = jose.decrypt(sealed, store)
            if (
                jose.verify(signed, published.__getitem__).claims == CLAIMS
                and opened.count(".") == 2
            ):
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The master's own session still works after its worker used the token.
    assert jose.verify(jose.sign(CLAIMS, store), published.__getitem__).claims == CLAIMS


def test_every_store_of_a_process_calls_the_library_one_thread_at_a_time(
    store: Pkcs11KeyStore, token: Token
) -> None:
    """python-pkcs11 initialises the library with C_Initialize(NULL): no two threads may call it
    at once, whichever store they go through. Threads signing through two stores all succeed."""
    second, _ = Pkcs11KeyStore.open(token.setting())
    assert second is not None
    assert second._lock is store._lock
    signatures: list[bytes] = []

    def sign(through: Pkcs11KeyStore) -> None:
        for _ in range(20):
            signatures.append(through.sign(b"a.b", kid=SIG, alg="RS256"))

    threads = [threading.Thread(target=sign, args=(s,)) for s in (store, second) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    second.close()
    assert len(signatures) == 120
    assert len(set(signatures)) == 1  # RS256 is deterministic: the same key, the same input
