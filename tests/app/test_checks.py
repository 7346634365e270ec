"""The django-itsme system checks: one broken setting per test, asserting the exact ids produced.

The baseline is tests/settings.py: valid, but with the loopback simulator issuer and a LocMemCache,
so with DEBUG False it yields W001 and W002 and with DEBUG True nothing.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from io import StringIO
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks as django_checks
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import CheckMessage
from django.core.checks.registry import registry
from django.core.management import call_command
from django.test import override_settings

from django_itsme import checks
from django_itsme.backends import ItsmeBackend
from django_itsme.core.config import PROBLEMS
from tests import keyfiles

#: Marker: leave this key out of ITSME.
DROP: Any = object()

BACKENDS = list(settings.AUTHENTICATION_BACKENDS)
MIDDLEWARE = list(settings.MIDDLEWARE)
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
FILE_BASED = "django.core.cache.backends.filebased.FileBasedCache"
DATABASE = "django.core.cache.backends.db.DatabaseCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
MEMCACHED = "django.core.cache.backends.memcached.PyMemcacheCache"
THIS_MODULE = "tests.app.test_checks"


class CustomItsmeBackend(ItsmeBackend):
    """A site's own itsme backend: accepted in place of ItsmeBackend."""


class CustomSessionMiddleware(SessionMiddleware):
    """A site's own session middleware: accepted in place of Django's."""


class CustomAuthenticationMiddleware(AuthenticationMiddleware):
    """A site's own authentication middleware: accepted in place of Django's."""


class CustomLocMemCache(LocMemCache):
    """A LocMemCache by another name: still per process."""


def itsme(**changes: Any) -> dict[str, Any]:
    """The test ITSME setting with ``changes`` applied (:data:`DROP` removes a key)."""
    result: dict[str, Any] = copy.deepcopy(dict(settings.ITSME))
    for key, value in changes.items():
        if value is DROP:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def with_service(name: str, **changes: Any) -> dict[str, Any]:
    """The test SERVICES with service ``name`` changed."""
    services: dict[str, Any] = copy.deepcopy(itsme()["SERVICES"])
    services[name] = {**services[name], **changes}
    return services


def run(**overrides: Any) -> list[CheckMessage]:
    """Run the itsme checks under ``overrides`` (DEBUG True unless given)."""
    overrides.setdefault("DEBUG", True)
    with override_settings(**overrides):
        return checks.run_checks()


def ids(**overrides: Any) -> list[str]:
    """The ids :func:`run` produces, in order."""
    return [message.id or "" for message in run(**overrides)]


def only(**overrides: Any) -> CheckMessage:
    """The single message :func:`run` produces."""
    messages = run(**overrides)
    assert len(messages) == 1, [m.id for m in messages]
    return messages[0]


@pytest.fixture
def shared_cache(tmp_path: Path) -> dict[str, Any]:
    """CACHES whose default alias is shared between processes (file based)."""
    return {"default": {"BACKEND": FILE_BASED, "LOCATION": str(tmp_path / "cache")}}


# ------------------------------------------------------------------ baseline


def test_baseline_with_debug_is_clean() -> None:
    assert ids(DEBUG=True) == []


LOCMEM_CACHES = {"default": {"BACKEND": LOCMEM}}


def test_baseline_without_debug_warns_about_simulator_and_cache() -> None:
    assert ids(DEBUG=False, CACHES=LOCMEM_CACHES) == ["django_itsme.W001", "django_itsme.W002"]


def test_production_like_settings_are_clean(shared_cache: dict[str, Any]) -> None:
    assert ids(DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e"), CACHES=shared_cache) == []


# ------------------------------------------------------------------ core problems E001-E018


def test_e001_missing_itsme_gives_only_e001(settings: Any) -> None:
    del settings.ITSME
    settings.DEBUG = False
    messages = checks.run_checks()
    assert [m.id for m in messages] == ["django_itsme.E001"]
    assert messages[0].obj == "ITSME"
    assert messages[0].level == django_checks.ERROR


def test_e001_itsme_not_a_dict() -> None:
    assert ids(ITSME=["CLIENT_ID", "OIDC_TEST"]) == ["django_itsme.E001"]


def test_e001_itsme_a_mapping_but_not_a_dict() -> None:
    message = only(ITSME=MappingProxyType(itsme()))
    assert message.id == "django_itsme.E001"
    assert "mappingproxy" in message.msg


def test_e002_unknown_key_suggests_the_known_one() -> None:
    message = only(ITSME=itsme(TIMEOUT=5))
    assert message.id == "django_itsme.E002"
    assert message.obj == "ITSME['TIMEOUT']"
    assert "Did you mean 'HTTP_TIMEOUT'?" in message.msg


def test_e003_client_id() -> None:
    assert ids(ITSME=itsme(CLIENT_ID="")) == ["django_itsme.E003"]
    assert ids(ITSME=itsme(CLIENT_ID=DROP)) == ["django_itsme.E003"]


def test_e004_environment_unknown() -> None:
    message = only(ITSME=itsme(ENVIRONMENT="e2"))
    assert message.id == "django_itsme.E004"
    assert message.obj == "ITSME['ENVIRONMENT']"


def test_e005_http_outside_loopback() -> None:
    assert ids(ITSME=itsme(ENVIRONMENT="http://idp.example.com/v2")) == ["django_itsme.E005"]


def test_e006_private_jwks_missing() -> None:
    assert ids(ITSME=itsme(PRIVATE_JWKS=DROP)) == ["django_itsme.E006"]


def test_e007_private_jwks_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    assert ids(ITSME=itsme(PRIVATE_JWKS=missing)) == ["django_itsme.E007"]


def test_e007_never_quotes_the_private_jwks_text() -> None:
    secret_d = keyfiles.load(keyfiles.RP_PRIVATE)["keys"][0]["d"]
    broken = json.dumps(keyfiles.load(keyfiles.RP_PRIVATE))[:-3]  # truncated JSON text
    message = only(ITSME=itsme(PRIVATE_JWKS=broken))
    assert message.id == "django_itsme.E007"
    assert secret_d[:16] not in f"{message.msg} {message.hint} {message.obj}"


def error(**overrides: Any) -> CheckMessage:
    """The single error :func:`run` produces (warnings aside)."""
    errors = [m for m in run(**overrides) if m.is_serious()]
    assert len(errors) == 1, [m.id for m in errors]
    return errors[0]


def test_e004_missing_environment_says_missing() -> None:
    message = error(ITSME=itsme(ENVIRONMENT=DROP))
    assert message.id == "django_itsme.E004"
    assert message.msg.startswith("ENVIRONMENT is missing")


def test_e007_hint_runs_as_given_and_fixes_the_check(tmp_path: Path) -> None:
    """A newcomer whose key file does not exist yet copies the hint's command: it writes the file
    (never prints the private keys) and the check is clean afterwards."""
    target = tmp_path / "jwks_private.json"
    message = error(ITSME=itsme(PRIVATE_JWKS=target))
    assert message.id == "django_itsme.E007"
    assert message.hint is not None
    command = re.search(
        r"python manage\.py (itsme_keys(?: --?[\w-]+(?: [^\s-]\S*)?)*)", message.hint
    )
    assert command is not None, message.hint
    out, err = StringIO(), StringIO()
    call_command(*shlex.split(command[1]), stdout=out, stderr=err)
    assert out.getvalue() == ""  # nothing private on the terminal
    assert target.stat().st_mode & 0o777 == 0o600
    assert not [m.id for m in run(ITSME=itsme(PRIVATE_JWKS=target)) if m.is_serious()]


def test_e008_weak_keys() -> None:
    # Both 1024-bit keys are refused (E008), which leaves no sig and no enc key (E009).
    assert ids(ITSME=itsme(PRIVATE_JWKS=keyfiles.WEAK_PRIVATE)) == [
        "django_itsme.E008",
        "django_itsme.E008",
        "django_itsme.E009",
        "django_itsme.E009",
    ]


def test_e009_no_enc_key() -> None:
    signing_only = {
        "keys": [k for k in keyfiles.load(keyfiles.RP_PRIVATE)["keys"] if k["use"] == "sig"]
    }
    messages = run(ITSME=itsme(PRIVATE_JWKS=signing_only))
    assert [m.id for m in messages] == ["django_itsme.E009"]
    assert all(signing_only["keys"][0]["d"][:16] not in m.msg for m in messages)


def test_e010_no_services() -> None:
    assert ids(ITSME=itsme(SERVICES={})) == ["django_itsme.E010"]


def test_e011_bad_service_code() -> None:
    message = only(ITSME=itsme(SERVICES=with_service("login", CODE="TWO WORDS")))
    assert message.id == "django_itsme.E011"
    assert message.obj == "ITSME['SERVICES']['login']['CODE']"


def test_e011_bad_service_name_gets_a_hint() -> None:
    message = only(ITSME=itsme(SERVICES={"log.in": {"CODE": "TEST_LOGIN"}}))
    assert message.id == "django_itsme.E011"
    assert message.obj == "ITSME['SERVICES']['log.in']"
    assert message.hint


def test_e012_unknown_scope() -> None:
    message = only(ITSME=itsme(SERVICES=with_service("share", SCOPES=["profile", "emial"])))
    assert message.id == "django_itsme.E012"
    assert message.obj == "ITSME['SERVICES']['share']['SCOPES']"


def test_e013_unknown_claim() -> None:
    message = only(ITSME=itsme(SERVICES=with_service("share", CLAIMS=["eid", "shoe size"])))
    assert message.id == "django_itsme.E013"
    assert message.obj == "ITSME['SERVICES']['share']['CLAIMS']"


def test_e014_bad_acr() -> None:
    message = only(ITSME=itsme(SERVICES=with_service("share", ACR="high")))
    assert message.id == "django_itsme.E014"
    assert message.obj == "ITSME['SERVICES']['share']['ACR']"


def test_e015_redirect_uri() -> None:
    assert ids(ITSME=itsme(REDIRECT_URI="/itsme/callback/")) == ["django_itsme.E015"]


def test_e016_request_by() -> None:
    assert ids(ITSME=itsme(REQUEST_BY="post")) == ["django_itsme.E016"]


def test_e017_http_timeout() -> None:
    assert ids(ITSME=itsme(HTTP_TIMEOUT=0)) == ["django_itsme.E017"]


def test_e018_leeway() -> None:
    assert ids(ITSME=itsme(LEEWAY=301)) == ["django_itsme.E018"]


# ------------------------------------------------------------------ Django keys E019-E024


def test_e019_create_users_not_bool() -> None:
    message = only(ITSME=itsme(CREATE_USERS="yes"))
    assert message.id == "django_itsme.E019"
    assert message.obj == "ITSME['CREATE_USERS']"


def test_create_users_false_is_fine() -> None:
    assert ids(ITSME=itsme(CREATE_USERS=False)) == []


def test_e020_unknown_cache_alias_suggests_one() -> None:
    message = only(ITSME=itsme(CACHE="defualt"))
    assert message.id == "django_itsme.E020"
    assert message.obj == "ITSME['CACHE']"
    assert "Did you mean 'default'?" in message.msg


def test_e020_cache_not_a_string() -> None:
    assert ids(ITSME=itsme(CACHE=None)) == ["django_itsme.E020"]


def test_cache_alias_other_than_default(shared_cache: dict[str, Any]) -> None:
    caches = {"default": {"BACKEND": LOCMEM}, "itsme": shared_cache["default"]}
    assert ids(DEBUG=False, ITSME=itsme(ENVIRONMENT="prd", CACHE="itsme"), CACHES=caches) == []


def test_e021_backend_missing() -> None:
    message = only(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
    assert message.id == "django_itsme.E021"
    assert message.obj == "AUTHENTICATION_BACKENDS"


def test_e021_accepts_a_subclass_of_the_backend() -> None:
    assert ids(AUTHENTICATION_BACKENDS=[f"{THIS_MODULE}.CustomItsmeBackend"]) == []


def test_e021_ignores_unimportable_backends() -> None:
    assert ids(AUTHENTICATION_BACKENDS=["no.such.Backend"]) == ["django_itsme.E021"]


def test_e022_session_middleware_missing() -> None:
    middleware = [m for m in MIDDLEWARE if not m.endswith(".SessionMiddleware")]
    message = only(MIDDLEWARE=middleware)
    assert message.id == "django_itsme.E022"
    assert message.obj == "MIDDLEWARE"


def test_e022_accepts_a_subclass() -> None:
    middleware = [
        f"{THIS_MODULE}.CustomSessionMiddleware" if m.endswith(".SessionMiddleware") else m
        for m in MIDDLEWARE
    ]
    assert ids(MIDDLEWARE=middleware) == []


def test_e023_authentication_middleware_missing() -> None:
    middleware = [m for m in MIDDLEWARE if not m.endswith(".AuthenticationMiddleware")]
    assert ids(MIDDLEWARE=middleware) == ["django_itsme.E023"]


def test_e023_accepts_a_subclass() -> None:
    middleware = [
        f"{THIS_MODULE}.CustomAuthenticationMiddleware"
        if m.endswith(".AuthenticationMiddleware")
        else m
        for m in MIDDLEWARE
    ]
    assert ids(MIDDLEWARE=middleware) == []


def test_e022_and_e023_without_any_middleware() -> None:
    assert ids(MIDDLEWARE=[]) == ["django_itsme.E022", "django_itsme.E023"]


def test_e024_request_by_reference_with_dummy_cache() -> None:
    message = only(ITSME=itsme(REQUEST_BY="reference"), CACHES={"default": {"BACKEND": DUMMY}})
    assert message.id == "django_itsme.E024"
    assert message.obj == "ITSME['CACHE']"


@pytest.mark.parametrize("backend", [REDIS, MEMCACHED])
def test_request_by_reference_with_a_shared_evicting_cache_is_fine(backend: str) -> None:
    caches = {"default": {"BACKEND": backend, "LOCATION": "127.0.0.1:9"}}
    assert ids(ITSME=itsme(REQUEST_BY="reference"), CACHES=caches) == []


# ------------------------------------------------------------------ what visitors can store


@pytest.mark.attack
@pytest.mark.parametrize("debug", [True, False])
def test_e028_request_by_reference_with_locmem_cache(debug: bool) -> None:
    """LocMemCache culls at 300 entries: a few hundred anonymous flow starts pushed out the
    request objects itsme was about to fetch (tests/app/test_throttle.py). An error even with
    DEBUG: runserver is one process, but the culling is the same."""
    messages = run(
        DEBUG=debug,
        ITSME=itsme(ENVIRONMENT="e2e", REQUEST_BY="reference"),
        CACHES=LOCMEM_CACHES,
    )
    e028 = [m for m in messages if m.id == "django_itsme.E028"]
    assert len(e028) == 1
    assert e028[0].level == django_checks.ERROR
    assert e028[0].obj == "ITSME['CACHE']"
    assert "LocMemCache" in e028[0].msg
    assert "Redis" in (e028[0].hint or "")


def test_e028_subclass_of_locmem() -> None:
    caches = {"default": {"BACKEND": f"{THIS_MODULE}.CustomLocMemCache"}}
    assert ids(ITSME=itsme(REQUEST_BY="reference"), CACHES=caches) == ["django_itsme.E028"]


def test_locmem_cache_with_request_by_value_is_fine() -> None:
    assert ids(ITSME=itsme(REQUEST_BY="value")) == []


@pytest.mark.parametrize("backend", [FILE_BASED, DATABASE])
def test_w006_culling_cache_with_few_entries(backend: str, tmp_path: Path) -> None:
    caches = {"default": {"BACKEND": backend, "LOCATION": str(tmp_path / "c")}}
    message = only(ITSME=itsme(REQUEST_BY="reference"), CACHES=caches)
    assert message.id == "django_itsme.W006"
    assert message.level == django_checks.WARNING
    assert "300" in message.msg
    assert "MAX_ENTRIES" in (message.hint or "")


def test_w006_counts_the_configured_max_entries(tmp_path: Path) -> None:
    small = {"MAX_ENTRIES": checks.MIN_CULLING_MAX_ENTRIES - 1}
    large = {"MAX_ENTRIES": checks.MIN_CULLING_MAX_ENTRIES}
    for options, expected in ((small, ["django_itsme.W006"]), (large, [])):
        caches = {"default": {"BACKEND": FILE_BASED, "LOCATION": str(tmp_path), "OPTIONS": options}}
        assert ids(ITSME=itsme(REQUEST_BY="reference"), CACHES=caches) == expected


def test_w006_only_with_request_by_reference(tmp_path: Path) -> None:
    caches = {"default": {"BACKEND": FILE_BASED, "LOCATION": str(tmp_path)}}
    assert ids(ITSME=itsme(REQUEST_BY="value"), CACHES=caches) == []


@pytest.mark.parametrize(
    ("changes", "obj"),
    [
        ({"FLOW_START_LIMIT": -1}, "ITSME['FLOW_START_LIMIT']"),
        ({"FLOW_START_LIMIT": 2.5}, "ITSME['FLOW_START_LIMIT']"),
        ({"FLOW_START_LIMIT": True}, "ITSME['FLOW_START_LIMIT']"),
        ({"FLOW_START_LIMIT": "20"}, "ITSME['FLOW_START_LIMIT']"),
        ({"CLIENT_ADDRESS_HEADER": "X-Forwarded-For"}, "ITSME['CLIENT_ADDRESS_HEADER']"),
        ({"CLIENT_ADDRESS_HEADER": ""}, "ITSME['CLIENT_ADDRESS_HEADER']"),
        ({"CLIENT_ADDRESS_HEADER": ["HTTP_X_REAL_IP"]}, "ITSME['CLIENT_ADDRESS_HEADER']"),
    ],
)
def test_e029_flow_start_limit_settings(changes: dict[str, Any], obj: str) -> None:
    message = only(ITSME=itsme(**changes))
    assert message.id == "django_itsme.E029"
    assert message.obj == obj


@pytest.mark.parametrize(
    "changes",
    [
        {"FLOW_START_LIMIT": None},
        {"FLOW_START_LIMIT": 0},
        {"FLOW_START_LIMIT": 5},
        {"CLIENT_ADDRESS_HEADER": "HTTP_X_FORWARDED_FOR"},
        {"CLIENT_ADDRESS_HEADER": "REMOTE_ADDR"},
    ],
)
def test_valid_flow_start_limit_settings(changes: dict[str, Any]) -> None:
    assert ids(ITSME=itsme(**changes)) == []


@pytest.mark.parametrize("off", [None, 0])
def test_w007_no_flow_start_limit_without_debug(off: int | None, shared_cache: Any) -> None:
    message = only(
        DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e", FLOW_START_LIMIT=off), CACHES=shared_cache
    )
    assert message.id == "django_itsme.W007"
    assert message.obj == "ITSME['FLOW_START_LIMIT']"


def test_w007_the_limit_cannot_count_in_a_dummy_cache() -> None:
    assert ids(
        DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e"), CACHES={"default": {"BACKEND": DUMMY}}
    ) == ["django_itsme.W002", "django_itsme.W007"]


def test_no_flow_start_limit_with_debug_is_fine() -> None:
    assert ids(DEBUG=True, ITSME=itsme(FLOW_START_LIMIT=None)) == []


# ------------------------------------------------------------------ warnings W001-W002


def test_w001_simulator_without_debug(shared_cache: dict[str, Any]) -> None:
    message = only(DEBUG=False, CACHES=shared_cache)
    assert message.id == "django_itsme.W001"
    assert message.level == django_checks.WARNING
    assert message.obj == "ITSME['ENVIRONMENT']"


def test_w002_locmem_cache_without_debug() -> None:
    message = only(DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e"), CACHES=LOCMEM_CACHES)
    assert message.id == "django_itsme.W002"
    assert message.level == django_checks.WARNING
    assert "LocMemCache" in message.msg


def test_w002_dummy_cache_without_debug() -> None:
    # W007 too: the flow-start limit cannot count in a cache that stores nothing.
    message, _w007 = run(
        DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e"), CACHES={"default": {"BACKEND": DUMMY}}
    )
    assert message.id == "django_itsme.W002"
    assert "DummyCache" in message.msg


def test_w002_subclass_of_locmem() -> None:
    caches = {"default": {"BACKEND": f"{THIS_MODULE}.CustomLocMemCache"}}
    assert ids(DEBUG=False, ITSME=itsme(ENVIRONMENT="e2e"), CACHES=caches) == ["django_itsme.W002"]


def test_e024_and_w002_together_without_debug() -> None:
    assert ids(
        DEBUG=False,
        ITSME=itsme(ENVIRONMENT="e2e", REQUEST_BY="reference", FLOW_START_LIMIT=None),
        CACHES={"default": {"BACKEND": DUMMY}},
    ) == ["django_itsme.E024", "django_itsme.W002", "django_itsme.W007"]


# ------------------------------------------------------------------ the registry


def test_every_id_is_registered_once() -> None:
    """Core ids first, then the Django side's (other ids are added by other features)."""
    assert list(checks.CHECKS)[: len(PROBLEMS)] == list(PROBLEMS)
    django_ids = list(checks.CHECKS)[len(PROBLEMS) :]
    assert {f"E{n:03d}" for n in range(19, 25)} | {"W001", "W002"} <= set(django_ids)
    assert {"E028", "E029", "W006", "W007"} <= set(django_ids)
    assert all(re.fullmatch(r"[EW]0[0-9][0-9]", check_id) for check_id in django_ids)


def test_an_unregistered_id_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="E999"):
        checks._message("E999", "ITSME", msg="Never.", hint="Never.")


def test_class_lookup_compares_strings_when_the_class_cannot_be_imported() -> None:
    assert checks._has_class(["no.such.Backend"], "no.such.Backend")
    assert not checks._has_class(["other.Backend", 42], "no.such.Backend")


def test_many_problems_at_once_keep_their_order() -> None:
    broken = itsme(CLIENT_ID=7, ENVIRONMENT="nowhere", LEEWAY=-1, CREATE_USERS=1, CACHE="missing")
    assert ids(ITSME=broken, MIDDLEWARE=[], AUTHENTICATION_BACKENDS=[]) == [
        "django_itsme.E003",
        "django_itsme.E004",
        "django_itsme.E018",
        "django_itsme.E019",
        "django_itsme.E020",
        "django_itsme.E021",
        "django_itsme.E022",
        "django_itsme.E023",
    ]


def test_every_message_is_a_sentence_with_a_hint_and_an_obj() -> None:
    broken = itsme(
        CLIENT_ID="",
        SERVICES={"bad name": {"CODE": "X"}, "s": {"CODE": "Y", "SCOPES": "profile"}},
        CREATE_USERS="no",
        REQUEST_BY="reference",
    )
    messages = run(ITSME=broken, MIDDLEWARE=[], AUTHENTICATION_BACKENDS=[], CACHES={"default": {}})
    assert len(messages) >= 6
    for message in messages:
        assert message.msg.endswith((".", "?")), message.msg
        assert message.hint, message.id
        assert message.hint.endswith("."), message.hint
        assert isinstance(message.obj, str)
        assert message.obj
        assert (message.id or "").removeprefix("django_itsme.") in checks.CHECKS


def test_register_checks_is_idempotent_and_tagged() -> None:
    checks.register_checks()
    checks.register_checks()
    registered: list[object] = list(registry.get_checks())
    assert registered.count(checks.check_settings) == 1
    assert registered.count(checks.check_installation) == 1
    assert registry.tag_exists(checks.ITSME_TAG)
    with override_settings(DEBUG=False, CACHES=LOCMEM_CACHES):
        found = django_checks.run_checks(tags=[checks.ITSME_TAG])
    assert [m.id for m in found] == ["django_itsme.W001", "django_itsme.W002"]


def test_ids_can_be_silenced() -> None:
    with override_settings(DEBUG=False, SILENCED_SYSTEM_CHECKS=["django_itsme.W002"]):
        found = checks.run_checks()
        assert [m.id for m in found if not m.is_silenced()] == ["django_itsme.W001"]
