"""Fixtures for the Django app tests: the simulator registered for the live test server, the
settings pointing at it, and a helper that plays the browser through a whole flow."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.core.cache import caches
from django.dispatch import Signal
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from django_itsme.itsme_client import clear_client
from django_itsme.log_budget import FAILURE_LOG_BUDGET
from django_itsme.signals import identity_verified, login_failed
from django_itsme.simulator import IDENTITIES, RegisteredClient, Simulator

CLIENT_ID = "OIDC_TEST"
SERVICE_TYPES: dict[str, Any] = {
    "TEST_LOGIN": "login",
    "TEST_SHARE": "share",
    "TEST_CONFIRM": "confirm",
}


def received_by(signal: Signal) -> Iterator[list[dict[str, Any]]]:
    """Collect the keyword arguments of every ``signal`` sent while the generator is open."""
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    signal.connect(receiver)
    try:
        yield received
    finally:
        signal.disconnect(receiver)


@pytest.fixture
def failures() -> Iterator[list[dict[str, Any]]]:
    """Every ``login_failed`` sent during the test."""
    yield from received_by(login_failed)


@pytest.fixture
def verifications() -> Iterator[list[dict[str, Any]]]:
    """Every ``identity_verified`` sent during the test."""
    yield from received_by(identity_verified)


def sub_of(identity: str) -> str:
    return IDENTITIES[identity].sub_for(CLIENT_ID)


@pytest.fixture(autouse=True)
def _fresh_log_budget() -> Iterator[None]:
    """Each test starts with the whole failure-line budget (log_budget.py)."""
    FAILURE_LOG_BUDGET.reset()
    yield
    FAILURE_LOG_BUDGET.reset()


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Iterator[None]:
    """LocaleMiddleware activates the visitor's language in the test client's thread and never
    deactivates it: start and leave every test in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def session_simulator(live_server: LiveServer) -> Iterator[Simulator]:
    client = RegisteredClient(
        client_id=CLIENT_ID,
        jwks_uri=live_server.url + "/itsme/jwks.json",
        redirect_uris=[live_server.url + "/itsme/callback/"],
        services=dict(SERVICE_TYPES),
    )
    with Simulator(clients=[client], auto_approve="alice") as sim:
        yield sim


@pytest.fixture
def simulator(session_simulator: Simulator) -> Iterator[Simulator]:
    session_simulator.reset()
    yield session_simulator
    session_simulator.reset()


@pytest.fixture
def itsme(
    settings: SettingsWrapper, simulator: Simulator, transactional_db: None
) -> Iterator[dict[str, Any]]:
    """``settings.ITSME`` pointed at the simulator, with a fresh cache and client."""
    config = copy.deepcopy(django_settings.ITSME)
    config["ENVIRONMENT"] = simulator.issuer
    settings.ITSME = config
    caches["default"].clear()
    clear_client()
    yield config
    for cache in caches.all(initialized_only=True):  # and any alias the test added
        cache.clear()
    clear_client()


def set_itsme(settings: SettingsWrapper, **changes: Any) -> None:
    """Change some ``ITSME`` keys (``setting_changed`` clears the parsed settings)."""
    config = copy.deepcopy(settings.ITSME)
    config.update(changes)
    settings.ITSME = config


class Capture(StringIO):
    """A StringIO that never closes: when a command fails, its OutputWrapper can be garbage
    collected (and flush) after a plain StringIO would already be closed."""

    def close(self) -> None:
        return None


@dataclass
class Browser:
    """A Django test client that talks to the site as the live server's host, so the redirect
    URI, the JWKS and request-object URLs are the ones the simulator can reach."""

    client: Client
    host: str

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, HTTP_HOST=self.host, **kwargs)

    def start(self, service: str = "login", next_url: str | None = None) -> str:
        """Start a flow and return the itsme authorization URL."""
        query: dict[str, str] = {"service": service}
        if next_url is not None:
            query["next"] = next_url
        response = self.get("/itsme/login/", data=query)
        assert response.status_code == 302, response.content[:500]
        return str(response["Location"])

    @staticmethod
    def at_itsme(authorization_url: str) -> dict[str, str]:
        """Visit itsme (auto-approving simulator) and return the callback's query."""
        answer = requests.get(authorization_url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        return {k: v[0] for k, v in query.items()}

    def finish(self, params: dict[str, str]) -> Any:
        return self.get("/itsme/callback/", data=params)

    def flow(self, service: str = "login", next_url: str | None = None) -> Any:
        """A whole flow: start, itsme, callback. Returns the callback response."""
        return self.finish(self.at_itsme(self.start(service, next_url)))


@pytest.fixture
def browser(client: Client, live_server: LiveServer, itsme: dict[str, Any]) -> Browser:
    return Browser(client, urlsplit(live_server.url).netloc)
