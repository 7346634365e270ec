"""A SoftHSM2 token for the PKCS#11 key-store tests, made once per test session in a temp dir.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the library is initialised, so the first test that needs the
token points it at a config of its own (its own token directory) before anything loads the library.
Without python-pkcs11 or the SoftHSM2 module the tests are skipped, except in CI (``CI=true``),
where they fail: a broken install must not pass silently.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from django_itsme.core.pkcs11_store import create_keys

#: Where Debian, Ubuntu and Fedora put the module; ``ITSME_TEST_PKCS11_MODULE`` overrides.
MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
TOKEN_LABEL = "itsme-test"
#: A second token, for the tests that log in with a wrong PIN or change it: a token this process
#: is logged in to accepts any PIN (PKCS#11 login state belongs to the application).
OTHER_TOKEN = "itsme-other"
#: Test-only PINs of a throw-away token.
PIN = "4711-test"
SO_PIN = "0815-test"
PIN_ENV = "ITSME_TEST_HSM_PIN"
SIG, ENC, SIG_NEXT, ENC_NEXT = "rp-hsm-sig-1", "rp-hsm-enc-1", "rp-hsm-sig-2", "rp-hsm-enc-2"
#: A token nothing logs in to with the right PIN: the wrong-PIN tests use it (a token this
#: process is logged in to accepts any PIN, PKCS#11 v2.40 §5.6).
PIN_TEST_TOKEN = "itsme-pin-test"
#: A token only the session test logs in to (its keys are labelled SIG and ENC).
SESSION_TOKEN = "itsme-session-test"
#: The keys of OTHER_TOKEN (other kids: the simulator caches our JWKS like itsme).
OTHER_SIG, OTHER_ENC = "rp-other-sig-1", "rp-other-enc-1"
#: A key pair whose private half could be exported: the store must refuse it.
EXTRACTABLE = "rp-hsm-extractable"


@dataclass(frozen=True)
class Token:
    """The session's token: the module, its label and what ``KEY_STORE`` needs."""

    module: str
    directory: Path

    def other_setting(self, **changes: Any) -> dict[str, Any]:
        """A ``KEY_STORE`` for OTHER_TOKEN, changed by ``changes``."""
        other = {"TOKEN_LABEL": OTHER_TOKEN, "SIG_KEY_LABEL": OTHER_SIG, "ENC_KEY_LABEL": OTHER_ENC}
        return self.setting(**{**other, **changes})

    def wrong_pin_setting(self) -> dict[str, Any]:
        """A ``KEY_STORE`` for PIN_TEST_TOKEN with the PIN from ``ITSME_TEST_WRONG_PIN``."""
        return self.setting(TOKEN_LABEL=PIN_TEST_TOKEN, PIN_ENV="ITSME_TEST_WRONG_PIN")

    def setting(self, **changes: Any) -> dict[str, Any]:
        """A ``KEY_STORE`` for this token with the keys SIG and ENC (PIN from ``PIN_ENV``),
        ``RSA-OAEP``, changed by ``changes``."""
        return {
            "BACKEND": "pkcs11",
            "MODULE": self.module,
            "TOKEN_LABEL": TOKEN_LABEL,
            "PIN_ENV": PIN_ENV,
            "SIG_KEY_LABEL": SIG,
            "ENC_KEY_LABEL": ENC,
            # SoftHSM2 2.6 (Debian 12) decrypts OAEP with SHA-1 only.
            "ENC_ALG": "RSA-OAEP",
            **changes,
        }


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the PKCS#11 key-store tests must run in CI (.ci/run installs it)")
    pytest.skip(reason)


def find_module() -> str | None:
    """The SoftHSM2 PKCS#11 module, or None."""
    given = os.environ.get("ITSME_TEST_PKCS11_MODULE")
    candidates = (given,) if given else MODULE_CANDIDATES
    return next((path for path in candidates if path and Path(path).is_file()), None)


@cache
def _make_token() -> Token:
    module = find_module()
    util = shutil.which("softhsm2-util")
    directory = Path(tempfile.mkdtemp(prefix="itsme-softhsm-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    tokens = directory / "tokens"
    tokens.mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    os.environ["SOFTHSM2_CONF"] = str(config)
    os.environ[PIN_ENV] = PIN
    assert module is not None
    assert util is not None
    for label in (TOKEN_LABEL, OTHER_TOKEN, PIN_TEST_TOKEN, SESSION_TOKEN):
        subprocess.run(  # noqa: S603 - a fixed program and arguments
            [util, "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
            check=True,
            capture_output=True,
            timeout=60,
        )
    for token_label, sig, enc in (
        (SESSION_TOKEN, SIG, ENC),
        (OTHER_TOKEN, OTHER_SIG, OTHER_ENC),
        (TOKEN_LABEL, SIG, ENC),
        (TOKEN_LABEL, SIG_NEXT, ENC_NEXT),
    ):
        create_keys(
            module=module,
            token_label=token_label,
            pin=PIN,
            labels={"sig": sig, "enc": enc},
            bits=2048,
        )
    _make_extractable(module)
    return Token(module, directory)


def _make_extractable(module: str) -> None:
    import pkcs11

    with user_session(module, TOKEN_LABEL) as session:
        session.generate_keypair(
            pkcs11.KeyType.RSA,
            2048,
            label=EXTRACTABLE,
            store=True,
            private_template={
                pkcs11.Attribute.SENSITIVE: False,
                pkcs11.Attribute.EXTRACTABLE: True,
            },
        )


def softhsm_token() -> Token:
    """The session's token, made at the first call; skips (fails in CI) without SoftHSM2."""
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        _missing("python-pkcs11 is not installed (pip install 'django-itsme[hsm]')")
    if find_module() is None:
        _missing("the SoftHSM2 PKCS#11 module is not installed (apt-get install softhsm2)")
    if shutil.which("softhsm2-util") is None:
        _missing("softhsm2-util is not installed (apt-get install softhsm2)")
    return _make_token()


def user_session(module: str, label: str) -> Any:
    """A session of the token ``label`` with the user logged in (or sharing the login of another
    session of this process, PKCS#11 v2.40 §5.6)."""
    import pkcs11

    token = pkcs11.lib(module).get_token(token_label=label)
    try:
        return token.open(rw=True, user_pin=PIN)
    except pkcs11.exceptions.UserAlreadyLoggedIn:
        return token.open(rw=True)
