"""Client-secret partners through the whole site: Django's test client, the live server and the
simulator over real HTTP (D-AUTH "Secret key method", "Token Request" secret tab; protocol notes
§1.2-1.3, §7, §8.1).

The site authenticates with ``client_id`` and ``client_secret`` in the token request body; the ID
token comes back as a JWE ``dir`` + A256GCM whose key is derived from the secret (OIDC Core
§10.2), signed RS256 by itsme or HS256 with the secret, whichever the partner registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from django_itsme.models import ItsmeIdentity
from django_itsme.signals import identity_verified, login_failed
from django_itsme.simulator import IDENTITIES, RegisteredClient, Simulator
from tests.app.conftest import SERVICE_TYPES, Browser, set_itsme

pytestmark = pytest.mark.simulator

SECRET_CLIENT_ID = "OIDC_SECRET_TEST"
#: Test-only shared secret (48 characters, above the 32 octets HS256 needs, RFC 7518 §3.2).
SECRET = "test-only-client-secret-0123456789abcdefghijklmn"


def register_secret_client(
    simulator: Simulator,
    live_server: LiveServer,
    *,
    alg: str,
    secret: str = SECRET,
    method: str = "client_secret_post",
) -> None:
    simulator.register(
        RegisteredClient(
            client_id=SECRET_CLIENT_ID,
            redirect_uris=[live_server.url + "/itsme/callback/"],
            services=dict(SERVICE_TYPES),
            token_endpoint_auth_method=method,  # type: ignore[arg-type]
            client_secret=secret,
            id_token_signed_response_alg=alg,  # type: ignore[arg-type]
        )
    )


def use_secret(settings: SettingsWrapper, *, alg: str, secret: str = SECRET) -> None:
    set_itsme(
        settings,
        CLIENT_ID=SECRET_CLIENT_ID,
        TOKEN_AUTH_METHOD="client_secret_post",
        CLIENT_SECRET=secret,
        ID_TOKEN_SIGNING_ALG=alg,
    )


@pytest.fixture
def events() -> Iterator[dict[str, list[dict[str, Any]]]]:
    received: dict[str, list[dict[str, Any]]] = {"verified": [], "failed": []}

    def on_verified(sender: Any, **kwargs: Any) -> None:
        received["verified"].append(kwargs)

    def on_failed(sender: Any, **kwargs: Any) -> None:
        received["failed"].append(kwargs)

    identity_verified.connect(on_verified)
    login_failed.connect(on_failed)
    yield received
    identity_verified.disconnect(on_verified)
    login_failed.disconnect(on_failed)


def token_request_form(simulator: Simulator) -> dict[str, str]:
    (entry,) = [item for item in simulator.requests if item.endpoint == "token"]
    return dict(entry.form)


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_login_with_a_client_secret(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
    alg: str,
) -> None:
    register_secret_client(simulator, live_server, alg=alg)
    use_secret(settings, alg=alg)
    response = browser.flow("login")
    assert response.status_code == 302, response.content[:300]
    (event,) = events["verified"]
    details = event["details"]
    assert details.sub == IDENTITIES["alice"].sub_for(SECRET_CLIENT_ID)
    assert details.id_token.header["alg"] == alg
    assert ItsmeIdentity.objects.filter(sub=details.sub).exists()
    form = token_request_form(simulator)
    assert form["client_id"] == SECRET_CLIENT_ID
    assert form["client_secret"] == SECRET  # client_secret_post (D-AUTH secret tab)
    assert "client_assertion" not in form
    # The request object is signed with the secret (S-RO sample), then encrypted to itsme.
    record = simulator.authorizations[-1]
    assert record.request_object["iss"] == SECRET_CLIENT_ID


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_share_data_with_a_client_secret(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
    alg: str,
) -> None:
    register_secret_client(simulator, live_server, alg=alg)
    use_secret(settings, alg=alg)
    response = browser.flow("share")
    assert response.status_code == 302, response.content[:300]
    (event,) = events["verified"]
    identity = event["details"].identity
    assert identity.family_name == "Peeters"
    assert identity.eid.national_number == "85031424673"


def test_request_object_signed_with_another_secret_is_refused(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    register_secret_client(simulator, live_server, alg="HS256", secret=SECRET[::-1])
    use_secret(settings, alg="HS256")
    response = browser.flow("login")
    assert response.status_code == 503
    (failure,) = events["failed"]
    assert failure["code"] == "invalid_request_object"


def test_wrong_secret_is_refused_at_the_token_endpoint(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    register_secret_client(simulator, live_server, alg="HS256")
    use_secret(settings, alg="HS256")
    params = browser.at_itsme(browser.start())
    # itsme onboarding rotated the secret (D-AUTH) between the redirect and the token request.
    register_secret_client(simulator, live_server, alg="HS256", secret=SECRET[::-1])
    response = browser.finish(params)
    assert response.status_code == 503
    (failure,) = events["failed"]
    assert failure["code"] == "invalid_client"
    assert SECRET.encode() not in response.content
    assert b"Error code: invalid_client" in response.content
    assert not ItsmeIdentity.objects.exists()


def test_hs256_token_when_rs256_is_configured_is_refused(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    register_secret_client(simulator, live_server, alg="HS256")
    use_secret(settings, alg="RS256")
    response = browser.flow("login")
    assert response.status_code == 403
    (failure,) = events["failed"]
    assert failure["code"] == "invalid_signature"
    assert not ItsmeIdentity.objects.exists()


def test_rs256_token_when_hs256_is_configured_is_refused(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    register_secret_client(simulator, live_server, alg="RS256")
    use_secret(settings, alg="HS256")
    response = browser.flow("login")
    assert response.status_code == 403
    (failure,) = events["failed"]
    assert failure["code"] == "invalid_signature"


def test_private_key_jwt_site_refuses_a_dir_hs256_id_token(
    browser: Browser,
    simulator: Simulator,
    live_server: LiveServer,
    settings: SettingsWrapper,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    """Attack: an itsme answer (or a forger who learnt a secret) sends a private_key_jwt site a
    ``dir`` JWE holding an HS256 JWS. Only client-secret sites may accept either."""
    simulator.register(
        RegisteredClient(
            client_id=SECRET_CLIENT_ID,
            jwks_uri=live_server.url + "/itsme/jwks.json",
            redirect_uris=[live_server.url + "/itsme/callback/"],
            services=dict(SERVICE_TYPES),
            client_secret=SECRET,
            id_token_signed_response_alg="HS256",
        )
    )
    set_itsme(settings, CLIENT_ID=SECRET_CLIENT_ID)
    response = browser.flow("login")
    assert response.status_code == 403
    (failure,) = events["failed"]
    assert failure["code"] == "token_decryption_failed"
    assert not ItsmeIdentity.objects.exists()
