"""Settings parsing: defaults, and every problem with its stable id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from django_itsme.core.config import CORE_SETTINGS, PROBLEMS, ClientConfig, parse_config
from django_itsme.core.errors import ConfigurationError
from tests import keyfiles


def settings(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "CLIENT_ID": "OIDC_TEST",
        "ENVIRONMENT": "e2e",
        "PRIVATE_JWKS": keyfiles.RP_PRIVATE,
        "SERVICES": {"login": {"CODE": "TEST_LOGIN"}},
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def ids(raw: Any, **kwargs: Any) -> list[str]:
    _config, problems = parse_config(raw, **kwargs)
    return [p.id for p in problems]


def test_minimal_settings_and_defaults() -> None:
    config, problems = parse_config(settings())
    assert problems == []
    assert config is not None
    assert config.client_id == "OIDC_TEST"
    assert config.issuer == "https://idp.e2e.itsme.services/v2"
    assert config.request_by == "value"
    assert config.http_timeout == CORE_SETTINGS["HTTP_TIMEOUT"] == 10.0
    assert config.leeway == CORE_SETTINGS["LEEWAY"] == 60
    assert config.redirect_uri is None
    login = config.service("login")
    assert (login.code, login.scopes, login.claims, login.acr) == ("TEST_LOGIN", (), (), None)
    assert login.scope == "openid service:TEST_LOGIN"
    assert login.acr_values is None
    assert not login.requests_user_data
    assert "keys" not in repr(config)


def test_full_settings() -> None:
    config, problems = parse_config(
        settings(
            ENVIRONMENT="prd",
            SERVICES={
                "share": {
                    "CODE": "S",
                    "SCOPES": ["profile", "email", "profile"],
                    "CLAIMS": ["eid", "http://itsme.services/v2/claim/claim_device"],
                    "ACR": "advanced",
                }
            },
            REDIRECT_URI="https://example.be/itsme/callback/",
            REQUEST_BY="reference",
            HTTP_TIMEOUT=3,
            LEEWAY=0,
        )
    )
    assert problems == []
    assert config is not None
    share = config.service("share")
    assert share.scopes == ("profile", "email")
    assert share.scope == "openid service:S profile email"
    assert share.acr_values == "http://itsme.services/v2/claim/acr_advanced"
    assert share.requests_user_data
    assert (config.request_by, config.http_timeout, config.leeway) == ("reference", 3.0, 0)


def test_unknown_service_name() -> None:
    config = ClientConfig.from_mapping(settings())
    with pytest.raises(ConfigurationError, match="No itsme service named 'nope'"):
        config.service("nope")


@pytest.mark.parametrize("raw", [None, "x", ["CLIENT_ID"]])
def test_e001_not_a_dict(raw: Any) -> None:
    assert ids(raw) == ["E001"]


def test_e002_unknown_key_with_did_you_mean() -> None:
    _config, problems = parse_config(settings(CLIENT_IDD="x"))
    assert [p.id for p in problems] == ["E002"]
    assert problems[0].message == "Unknown key 'CLIENT_IDD'. Did you mean 'CLIENT_ID'?"
    assert problems[0].setting == "CLIENT_IDD"


def test_e002_extra_keys_are_accepted() -> None:
    assert ids(settings(CREATE_USERS=False), extra_keys=["CREATE_USERS"]) == []
    assert ids(settings(CREATE_USER=False), extra_keys=["CREATE_USERS"]) == ["E002"]


@pytest.mark.parametrize("value", [..., "", 42, "with\nnewline"])
def test_e003_client_id(value: Any) -> None:
    assert ids(settings(CLIENT_ID=value)) == ["E003"]


@pytest.mark.parametrize("value", [..., "E2E", "staging", "ftp://x/"])
def test_e004_environment(value: Any) -> None:
    assert ids(settings(ENVIRONMENT=value)) == ["E004"]


def test_e004_did_you_mean() -> None:
    _config, problems = parse_config(settings(ENVIRONMENT="prod"))
    assert problems[0].id == "E004"
    assert "Did you mean 'prd'?" in problems[0].hint


def test_e005_http_outside_loopback() -> None:
    assert ids(settings(ENVIRONMENT="http://idp.example.test/v2")) == ["E005"]
    assert ids(settings(ENVIRONMENT="http://127.0.0.1:9999/v2")) == []


def test_e006_missing_keys() -> None:
    assert ids(settings(PRIVATE_JWKS=...)) == ["E006"]


@pytest.mark.parametrize("value", ["/nonexistent/jwks.json", "{not json", 42])
def test_e007_unreadable_keys(value: Any) -> None:
    assert ids(settings(PRIVATE_JWKS=value)) == ["E007"]


def test_e008_weak_keys() -> None:
    assert set(ids(settings(PRIVATE_JWKS=keyfiles.WEAK_PRIVATE))) >= {"E008"}


def test_e008_public_keys() -> None:
    assert "E008" in ids(settings(PRIVATE_JWKS=keyfiles.public(keyfiles.RP_PRIVATE)))


def test_e009_missing_role() -> None:
    only_sig = {"keys": keyfiles.load(keyfiles.RP_PRIVATE)["keys"][:1]}
    assert ids(settings(PRIVATE_JWKS=only_sig)) == ["E009"]


@pytest.mark.parametrize("value", [..., {}, [], "login"])
def test_e010_services(value: Any) -> None:
    assert ids(settings(SERVICES=value)) == ["E010"]


@pytest.mark.parametrize(
    "services",
    [
        {"log in": {"CODE": "X"}},
        {"login": "X"},
        {"login": {}},
        {"login": {"CODE": "has space"}},
        {"login": {"CODE": "X", "SCOPE": ["profile"]}},
    ],
)
def test_e011_service(services: Any) -> None:
    assert "E011" in ids(settings(SERVICES=services))


def test_e011_did_you_mean() -> None:
    _config, problems = parse_config(settings(SERVICES={"s": {"CODE": "X", "CLAIM": ["eid"]}}))
    assert problems[0].message.endswith("Did you mean 'CLAIMS'?")
    assert problems[0].setting == "SERVICES.s.CLAIM"


@pytest.mark.parametrize("scopes", ["profile", ["profil"], [1], ["openid", "offline_access"]])
def test_e012_scopes(scopes: Any) -> None:
    assert ids(settings(SERVICES={"s": {"CODE": "X", "SCOPES": scopes}})) == ["E012"]


def test_e012_did_you_mean() -> None:
    _config, problems = parse_config(settings(SERVICES={"s": {"CODE": "X", "SCOPES": ["emial"]}}))
    assert problems[0].message.endswith("Did you mean 'email'?")


@pytest.mark.parametrize("claims", ["eid", ["eidd"], [""], ["tag:sixdots.be,2016-06:claim_eid"]])
def test_e013_claims(claims: Any) -> None:
    assert ids(settings(SERVICES={"s": {"CODE": "X", "CLAIMS": claims}})) == ["E013"]


@pytest.mark.parametrize("acr", ["ADVANCED", "high", 2, "http://itsme.services/v2/claim/acr_basic"])
def test_e014_acr(acr: Any) -> None:
    assert ids(settings(SERVICES={"s": {"CODE": "X", "ACR": acr}})) == ["E014"]


@pytest.mark.parametrize(
    "uri",
    ["/itsme/callback/", "http://example.be/cb", "https://example.be/cb#x", "myapp://cb", 3],
)
def test_e015_redirect_uri(uri: Any) -> None:
    assert ids(settings(REDIRECT_URI=uri)) == ["E015"]


def test_e015_http_redirect_allowed_against_the_simulator() -> None:
    raw = settings(ENVIRONMENT="http://127.0.0.1:9/v2", REDIRECT_URI="http://127.0.0.1:8000/cb/")
    assert ids(raw) == []


@pytest.mark.parametrize("value", ["VALUE", "uri", None])
def test_e016_request_by(value: Any) -> None:
    assert ids(settings(REQUEST_BY=value)) == ["E016"]


@pytest.mark.parametrize("value", [0, -1, 61, "5", True, None])
def test_e017_timeout(value: Any) -> None:
    assert ids(settings(HTTP_TIMEOUT=value)) == ["E017"]


@pytest.mark.parametrize("value", [-1, 301, 1.5, "60", True, None])
def test_e018_leeway(value: Any) -> None:
    assert ids(settings(LEEWAY=value)) == ["E018"]


def test_every_problem_is_reported_at_once() -> None:
    raw = {"CLIENT_ID": "", "ENVIRONMENT": "x", "SERVICES": {}, "LEEWAY": -1, "BOGUS": 1}
    assert sorted(ids(raw)) == ["E002", "E003", "E004", "E006", "E010", "E018"]


def test_every_id_has_a_description() -> None:
    later = ["E034", "E035", "E036", "E037", "E039", "E040", "W012"]
    assert sorted(PROBLEMS) == [f"E{n:03d}" for n in range(1, 19)] + later


def test_from_mapping_raises_with_the_id() -> None:
    with pytest.raises(ConfigurationError, match=r"\[E014\]"):
        ClientConfig.from_mapping(settings(SERVICES={"s": {"CODE": "X", "ACR": "max"}}))


# ------------------------------------------------------------------ a newcomer's first check

#: A command that makes keys: the Django one or the Django-free one, with its arguments.
_KEY_COMMAND = re.compile(
    r"(?:itsme_keys|django_itsme\.core\.keygen)(?P<args>(?: --?[\w-]+(?: \S+)?)*)"
)


def test_e004_says_a_missing_environment_is_missing() -> None:
    _config, problems = parse_config(settings(ENVIRONMENT=...))
    assert [p.id for p in problems] == ["E004"]
    assert problems[0].message.startswith("ENVIRONMENT is missing")
    assert "'e2e'" in problems[0].message
    _config, problems = parse_config(settings(ENVIRONMENT="staging"))
    assert "missing" not in problems[0].message


@pytest.mark.parametrize("kind", ["path", "pathlib"])
def test_e007_hint_names_the_command_that_writes_the_configured_file(
    kind: str, tmp_path: Path
) -> None:
    target = tmp_path / "jwks_private.json"
    _config, problems = parse_config(
        settings(PRIVATE_JWKS=str(target) if kind == "path" else target)
    )
    assert [p.id for p in problems] == ["E007"]
    hint = problems[0].hint
    assert f"python manage.py itsme_keys --out {target}" in hint
    assert f"python -m django_itsme.core.keygen --out {target}" in hint
    # Never a command that prints a private key to the terminal (no --out).
    commands = list(_KEY_COMMAND.finditer(hint))
    assert len(commands) == 2
    assert all("--out" in c["args"] for c in commands)


def test_e006_and_json_text_hints_write_a_file_without_quoting_key_material() -> None:
    _config, problems = parse_config(settings(PRIVATE_JWKS=...))
    assert [p.id for p in problems] == ["E006"]
    assert "python manage.py itsme_keys --out jwks_private.json" in problems[0].hint
    text = keyfiles.RP_PRIVATE.read_text(encoding="utf-8")[:-3]  # truncated JSON text
    _config, problems = parse_config(settings(PRIVATE_JWKS=text))
    assert [p.id for p in problems] == ["E007"]
    assert text[:20] not in problems[0].hint
    assert all("--out" in c["args"] for c in _KEY_COMMAND.finditer(problems[0].hint))
