"""``manage.py itsme_hsm_keys create`` makes key pairs on a SoftHSM2 token that cannot leave it,
and ``itsme_keys --public`` prints their public JWKS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.conf import clear_settings
from tests import softhsm
from tests.app.conftest import Capture
from tests.softhsm import PIN, Token


@pytest.fixture(scope="module")
def token() -> Token:
    return softhsm.softhsm_token()


def key_store(settings: SettingsWrapper, setting: dict[str, Any]) -> None:
    config = dict(settings.ITSME)
    config.pop("PRIVATE_JWKS", None)
    config["KEY_STORE"] = setting
    settings.ITSME = config


def test_create_then_publish(settings: SettingsWrapper, token: Token) -> None:
    key_store(settings, token.other_setting())
    out = Capture()
    arguments = ["--sig", "cmd-sig-1", "--enc", "cmd-enc-1", "--bits", "2048"]
    call_command("itsme_hsm_keys", "create", *arguments, stdout=out)
    assert "Created the sig key 'cmd-sig-1' (2048 bits) in token 'itsme-other'." in out.getvalue()
    key_store(settings, token.other_setting(SIG_KEY_LABEL="cmd-sig-1", ENC_KEY_LABEL="cmd-enc-1"))
    clear_settings()
    published = Capture()
    call_command("itsme_keys", "--public", stdout=published)
    keys = json.loads(published.getvalue())["keys"]
    assert [(k["kid"], k["use"], len(k["n"])) for k in keys] == [
        ("cmd-sig-1", "sig", 342),
        ("cmd-enc-1", "enc", 342),
    ]
    with softhsm.user_session(token.module, softhsm.OTHER_TOKEN) as session:
        import pkcs11

        private = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label="cmd-sig-1")
        assert private[pkcs11.Attribute.SENSITIVE] is True
        assert private[pkcs11.Attribute.EXTRACTABLE] is False
    with pytest.raises(CommandError, match="a key labelled 'cmd-enc-1' exists already"):
        call_command("itsme_hsm_keys", "create", "--enc", "cmd-enc-1", stdout=Capture())


@pytest.mark.parametrize(
    ("arguments", "changes", "expected"),
    [
        (
            ["--sig", "x"],
            {"TOKEN_LABEL": softhsm.PIN_TEST_TOKEN, "PIN_ENV": "ITSME_TEST_WRONG_PIN"},
            "the PIN was refused",
        ),
        ([], {}, "Give --sig LABEL, --enc LABEL or both"),
        (["--sig", "x", "--bits", "1024"], {}, "--bits must be between 2048"),
        (["--sig", "x"], {"BACKEND": "my.Store"}, "is not {'BACKEND': 'pkcs11'"),
        (["--sig", "x"], {"PIN_ENV": "ITSME_TEST_UNSET"}, "'ITSME_TEST_UNSET'.*is not set"),
    ],
)
def test_create_problems_name_the_fix_never_the_pin(
    settings: SettingsWrapper,
    token: Token,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    changes: dict[str, Any],
    expected: str,
) -> None:
    monkeypatch.setenv("ITSME_TEST_WRONG_PIN", "9999-wrong")
    key_store(settings, token.other_setting(**changes))
    with pytest.raises(CommandError, match=expected) as caught:
        call_command("itsme_hsm_keys", "create", *arguments, stdout=Capture())
    assert "9999-wrong" not in str(caught.value)
    assert PIN not in str(caught.value)
