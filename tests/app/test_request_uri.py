"""request_uri as itsme uses it: fetched more than once, served until it expires, registered
bases (issue 10 items 4 and 6)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.core.authorize import MAX_AUTHORIZATION_URL_LENGTH
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
    simulator.faults.fetch_request_uri_twice = True
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


@pytest.fixture
def file_cache(settings: SettingsWrapper, tmp_path: Any) -> str:
    """A file-based cache alias: shared by processes, so it can serve request objects."""
    caches_setting = dict(settings.CACHES)
    caches_setting["itsme_files"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "cache"),
    }
    settings.CACHES = caches_setting
    return "itsme_files"


def _confirm_url(browser: Browser, text: str) -> str:
    from django_itsme.core.confirm import FreeTextTemplate
    from django_itsme.flows import begin_flow

    request = RequestFactory().get("/itsme/login/", HTTP_HOST=browser.host)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    return begin_flow(request, "confirm", next_url="/", template=FreeTextTemplate(text)).url


LONG_TEXT = "Je confirme le virement vers le compte de l'association « Les Amis du Vélo ». " * 90


def test_oversized_request_goes_by_reference(
    browser: Browser, settings: SettingsWrapper, file_cache: str, simulator: Simulator
) -> None:
    set_itsme(settings, REQUEST_BY="value", CACHE=file_cache)
    url = _confirm_url(browser, LONG_TEXT)
    assert len(url) < MAX_AUTHORIZATION_URL_LENGTH
    assert "request_uri=" in url
    assert "request=" not in url.replace("request_uri=", "")
    assert "code" in browser.at_itsme(url)
    assert simulator.authorizations[-1].request.request_uri is not None


def test_short_request_stays_by_value(
    browser: Browser, settings: SettingsWrapper, file_cache: str, simulator: Simulator
) -> None:
    set_itsme(settings, REQUEST_BY="value", CACHE=file_cache)
    url = browser.start()
    assert "request=" in url
    assert "request_uri=" not in url


def test_oversized_request_stays_by_value_without_a_shared_cache(
    browser: Browser, settings: SettingsWrapper
) -> None:
    # A per-process LocMemCache cannot serve request objects to itsme (the PostgreSQL run's
    # default alias is Redis, which could: give this test a local-memory alias of its own).
    settings.CACHES = {
        **settings.CACHES,
        "per-process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    set_itsme(settings, REQUEST_BY="value", CACHE="per-process")
    url = _confirm_url(browser, LONG_TEXT)
    assert len(url) > MAX_AUTHORIZATION_URL_LENGTH
    assert "request_uri=" not in url


def test_request_uri_base_is_used(
    browser: Browser, settings: SettingsWrapper, simulator: Simulator, live_server: Any
) -> None:
    """The registered base (here the live server under another spelling) wins over the host."""
    base = live_server.url.replace("localhost", "127.0.0.1") + "/itsme/request/"
    set_itsme(settings, REQUEST_BY="reference", REQUEST_URI_BASE=base)
    url = browser.start()
    assert _request_uri(url).startswith(base)
    assert "code" in browser.at_itsme(url)
