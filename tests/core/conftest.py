"""Fixtures for the Django-free core tests: a partner host, the simulator and a client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from django_itsme.core import ItsmeClient, MemoryCache, UserDetails
from django_itsme.core.flow import AuthenticationRequest
from django_itsme.simulator import RegisteredClient, Simulator
from tests import keyfiles
from tests.partner_host import PartnerHost

CLIENT_ID = "OIDC_TEST"
REDIRECT_URI = "http://127.0.0.1:8000/itsme/callback/"
SERVICES: dict[str, dict[str, Any]] = {
    "login": {"CODE": "TEST_LOGIN"},
    "advanced_login": {"CODE": "TEST_LOGIN_ADV", "ACR": "advanced"},
    "share": {
        "CODE": "TEST_SHARE",
        "SCOPES": ["profile", "email", "address", "phone"],
        "CLAIMS": ["eid", "city_of_birth", "nationality", "device", "photo"],
        "ACR": "advanced",
        # userinfo, so the userinfo tests have a flow that calls it; the default (id_token)
        # is covered by test_claims_location.py.
        "CLAIMS_IN": "userinfo",
    },
    "confirm": {"CODE": "TEST_CONFIRM", "ACR": "advanced"},
}
SERVICE_TYPES = {
    "TEST_LOGIN": "login",
    "TEST_LOGIN_ADV": "login",
    "TEST_SHARE": "share",
    "TEST_CONFIRM": "confirm",
}


@pytest.fixture(scope="session")
def partner_host() -> Iterator[PartnerHost]:
    with PartnerHost() as host:
        host.publish("/jwks.json", json_text(keyfiles.public(keyfiles.RP_PRIVATE)))
        yield host


@pytest.fixture(scope="session")
def session_simulator(partner_host: PartnerHost) -> Iterator[Simulator]:
    client = RegisteredClient(
        client_id=CLIENT_ID,
        jwks_uri=partner_host.url + "/jwks.json",
        redirect_uris=[REDIRECT_URI],
        services=dict(SERVICE_TYPES),  # type: ignore[arg-type]
    )
    with Simulator(clients=[client], auto_approve="alice") as sim:
        yield sim


@pytest.fixture
def simulator(session_simulator: Simulator) -> Iterator[Simulator]:
    """The shared simulator, reset before each test."""
    session_simulator.reset()
    yield session_simulator
    session_simulator.reset()


def make_client(sim: Simulator, **options: Any) -> ItsmeClient:
    settings: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "private_jwks": keyfiles.RP_PRIVATE,
        "environment": sim.issuer,
        "services": SERVICES,
        "redirect_uri": REDIRECT_URI,
        "cache": MemoryCache(),
    }
    settings.update(options)
    return ItsmeClient.configure(**settings)


@pytest.fixture
def client(simulator: Simulator) -> ItsmeClient:
    """A fresh client (empty cache) against the simulator."""
    return make_client(simulator)


@dataclass
class Callback:
    """Where itsme sent the browser back, parsed."""

    url: str
    params: dict[str, str]


def follow(auth: AuthenticationRequest) -> Callback:
    """Play the browser: open the authorization URL (auto-approve) and read the redirect."""
    answer = requests.get(auth.url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    location = answer.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return Callback(location, {k: v[0] for k, v in query.items()})


def redeem(client: ItsmeClient, auth: AuthenticationRequest, service: str) -> UserDetails:
    """Follow ``auth`` through the auto-approving simulator and get the user's details."""
    details = client.finish_flow(auth.pending(), follow(auth).params)
    assert auth.service == service
    return details


def log_in(client: ItsmeClient, service: str) -> UserDetails:
    """Run one whole flow for ``service`` and return the user's details."""
    return redeem(client, client.build_authentication_request(service), service)


def json_text(data: Any) -> str:
    import json

    return json.dumps(data)
