"""Login, share-data and Confirm against the simulator over HTTP with the keys in a SoftHSM2 token
(``KEY_STORE``): the simulator verifies what the token signed with the JWKS we publish and encrypts
to the token's key. An HSM that fails mid-flow ends on the "not available" page, never a 500,
and the PIN is in no page, log line or check message."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.checks import Error
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.checks import check_settings
from django_itsme.core.pkcs11_store import Pkcs11KeyStore
from django_itsme.itsme_client import get_client
from django_itsme.models import Confirmation, ItsmeIdentity
from django_itsme.simulator import Simulator
from tests import softhsm
from tests.app.conftest import Browser, sub_of
from tests.softhsm import ENC, PIN, SIG, Token

pytestmark = pytest.mark.simulator

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


@pytest.fixture(scope="module")
def token() -> Token:
    return softhsm.softhsm_token()


def use_key_store(settings: SettingsWrapper, setting: dict[str, Any]) -> None:
    config = copy.deepcopy(settings.ITSME)
    del config["PRIVATE_JWKS"]
    config["KEY_STORE"] = setting
    settings.ITSME = config


@pytest.fixture
def hsm(browser: Browser, settings: SettingsWrapper, token: Token) -> Iterator[Pkcs11KeyStore]:
    """The site's keys in the token; yields the store the site uses."""
    use_key_store(settings, token.setting())
    store = get_client().config.keys
    assert isinstance(store, Pkcs11KeyStore)
    yield store
    store.close()


def test_the_jwks_route_publishes_the_tokens_public_keys(
    browser: Browser, hsm: Pkcs11KeyStore
) -> None:
    published = browser.get("/itsme/jwks.json").json()["keys"]
    assert [(k["kid"], k["use"]) for k in published] == [(SIG, "sig"), (ENC, "enc")]
    assert not any(PRIVATE_MEMBERS & set(k) for k in published)
    assert published == hsm.public_jwks()["keys"]


def test_login_signed_and_decrypted_on_the_token(
    browser: Browser, simulator: Simulator, hsm: Pkcs11KeyStore
) -> None:
    response = browser.flow("login", next_url="/after/")
    assert response.status_code == 302
    assert response["Location"] == "/after/"
    assert ItsmeIdentity.objects.get().sub == sub_of("alice")
    assert simulator.count("/token") == 1


def test_share_data_decrypts_id_token_and_userinfo_on_the_token(
    browser: Browser, simulator: Simulator, hsm: Pkcs11KeyStore
) -> None:
    response = browser.flow("share")
    assert response.status_code == 302
    assert simulator.count("/userinfo") == 1
    assert ItsmeIdentity.objects.get().sub == sub_of("alice")


def test_confirm_with_the_token(browser: Browser, hsm: Pkcs11KeyStore) -> None:
    assert browser.flow().status_code == 302
    query = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034", "order": "7"}
    response = browser.get("/confirm/", data=query)
    assert response.status_code == 302, response.content
    finished = browser.finish(browser.at_itsme(str(response["Location"])))
    assert finished.status_code == 302
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.APPROVED
    confirmation.verify()


@pytest.mark.attack
def test_a_token_that_fails_mid_flow_is_a_503_without_the_pin(
    browser: Browser,
    settings: SettingsWrapper,
    token: Token,
    caplog: pytest.LogCaptureFixture,
    failures: list[dict[str, Any]],
) -> None:
    # The other token: a token this process is logged in to would accept any PIN.
    use_key_store(settings, token.other_setting())
    store = get_client().config.keys
    assert isinstance(store, Pkcs11KeyStore)
    authorization_url = browser.start("login")
    new_pin = "1234-changed"
    with softhsm.user_session(token.module, softhsm.OTHER_TOKEN) as session:
        session.set_pin(PIN, new_pin)
    store.close()  # logs out: the next use logs in again, with the PIN that is now wrong
    try:
        with caplog.at_level(logging.DEBUG):
            response = browser.finish(browser.at_itsme(authorization_url))
    finally:
        import pkcs11

        other = pkcs11.lib(token.module).get_token(token_label=softhsm.OTHER_TOKEN)
        with other.open(rw=True, user_pin=new_pin) as session:
            session.set_pin(new_pin, PIN)
        store.close()
    assert response.status_code == 503
    assert [f["error"].code for f in failures] == ["key_store_unavailable"]
    assert "the PIN was refused" in str(failures[0]["error"])
    for text in (response.content.decode(), caplog.text, str(failures[0]["error"])):
        assert PIN not in text
        assert new_pin not in text
    assert ItsmeIdentity.objects.count() == 0


def test_a_wrong_pin_is_a_system_check_error(
    settings: SettingsWrapper, token: Token, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITSME_TEST_WRONG_PIN", "9999-wrong")
    setting = token.wrong_pin_setting()
    use_key_store(settings, setting)
    messages = [m for m in check_settings() if m.id.startswith("django_itsme.E04")]
    assert [(m.id, m.obj) for m in messages] == [("django_itsme.E040", "ITSME['KEY_STORE']")]
    assert isinstance(messages[0], Error)
    assert "the PIN was refused" in messages[0].msg
    assert "9999-wrong" not in f"{messages[0].msg} {messages[0].hint}"
