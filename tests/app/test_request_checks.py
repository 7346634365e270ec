"""System checks of issue 10 items 4 and 5: request size (W009), REQUEST_URI_BASE (E034),
REQUEST_OBJECT_AUD (E035), ENCRYPT_CLIENT_ASSERTION (E036)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from django_itsme.checks import check_request_size, check_settings

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SHARED = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "c"}}


def ids(caches: dict[str, Any] = LOCMEM, *, debug: bool = False, **changes: Any) -> list[str]:
    config = copy.deepcopy(settings.ITSME)
    config["ENVIRONMENT"] = "e2e"
    config.update(changes)
    with override_settings(ITSME=config, CACHES=caches, DEBUG=debug):
        found = [*check_settings(), *check_request_size()]
        return [message.id for message in found if message.id]


def test_confirm_by_value_with_a_shared_cache_warns_until_the_base_is_set() -> None:
    assert "django_itsme.W009" in ids(caches=SHARED)  # the test settings have a "confirm" service
    base = "https://www.example.be:443/itsme/request/"
    assert "django_itsme.W009" not in ids(caches=SHARED, REQUEST_URI_BASE=base)
    assert "django_itsme.W009" not in ids(caches=SHARED, debug=True)  # development


def test_no_warning_when_the_cache_cannot_serve_request_objects() -> None:
    assert "django_itsme.W009" not in ids()  # LocMemCache: W002's business; stays by value


def test_no_warning_without_a_confirm_service() -> None:
    assert "django_itsme.W009" not in ids(caches=SHARED, SERVICES={"login": {"CODE": "X"}})


def test_no_warning_by_reference() -> None:
    assert "django_itsme.W009" not in ids(caches=SHARED, REQUEST_BY="reference")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.be:443/itsme/request/", []),
        ("https://www.example.be/itsme/request/", ["django_itsme.E034"]),  # no explicit :443
        ("https://www.example.be:443/itsme/request", ["django_itsme.E034"]),  # no trailing /
        ("http://www.example.be:443/itsme/request/", ["django_itsme.E034"]),
        ("https://www.example.be:443/r/?a=1/", ["django_itsme.E034"]),
    ],
)
def test_request_uri_base(value: str, expected: list[str]) -> None:
    found = [
        i for i in ids(caches=SHARED, REQUEST_URI_BASE=value) if i.startswith("django_itsme.E")
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("issuer", []),
        ("authorization_endpoint", []),
        ("https://idp.e2e.itsme.services/v2/authorization", []),
        ("itsme", ["django_itsme.E035"]),
        (None, ["django_itsme.E035"]),
    ],
)
def test_request_object_aud(value: Any, expected: list[str]) -> None:
    found = [
        i for i in ids(caches=SHARED, REQUEST_OBJECT_AUD=value) if i.startswith("django_itsme.E")
    ]
    assert found == expected


def test_encrypt_client_assertion_must_be_a_bool() -> None:
    assert "django_itsme.E036" in ids(caches=SHARED, ENCRYPT_CLIENT_ASSERTION="yes")
    assert "django_itsme.E036" not in ids(caches=SHARED, ENCRYPT_CLIENT_ASSERTION=True)
