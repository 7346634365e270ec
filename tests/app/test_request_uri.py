"""request_uri as itsme uses it: fetched more than once, served until it expires, registered
bases (issue 10 items 4 and 6)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.models import ItsmeIdentity
from django_itsme.simulator import Simulator

from .conftest import Browser, set_itsme

pytestmark = pytest.mark.django_db(transaction=True)


def _request_uri(authorization_url: str) -> str:
    return parse_qs(urlsplit(authorization_url).query)["request_uri"][0]


def test_request_uri_fetched_twice_by_itsme(
    browser: Browser, settings: SettingsWrapper, simulator: Simulator
) -> None:
    """itsme's web front fetches the object, then the app does again (variant)."""
    set_itsme(settings, REQUEST_BY="reference")
    simulator.faults.request_uri_fetches = 2
    response = browser.finish(browser.at_itsme(browser.start()))
    assert response.status_code == 302, response.content[:300]
    assert ItsmeIdentity.objects.count() == 1


def test_request_object_is_served_until_it_expires(
    browser: Browser, settings: SettingsWrapper
) -> None:
    set_itsme(settings, REQUEST_BY="reference")
    path = urlsplit(_request_uri(browser.start())).path
    first = browser.get(path)
    second = browser.get(path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["Content-Type"] == "application/jwt"
    assert "no-cache" in first["Cache-Control"]
    assert browser.get(path[:-2] + "x/").status_code == 404
