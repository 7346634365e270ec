"""Client-secret partners through the whole site: Django's test client, the live server and the
simulator over real HTTP (D-AUTH "Secret key method", "Token Request" secret tab; protocol notes
§1.2-1.3, §7, §8.1).

The site authenticates with ``client_id`` and ``client_secret`` in the token request body; the ID
token comes back as a JWE ``dir`` + A256GCM whose key is derived from the secret (OIDC Core
§10.2), signed RS256 by itsme or HS256 with the secret, whichever the partner registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.checks import CheckMessage
from django.core.management import CommandError, call_command
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from django_itsme import checks
from django_itsme.core.errors import ConfigurationError
from django_itsme.failures import describe_failure
from django_itsme.models import Confirmation, ItsmeIdentity
from django_itsme.simulator import IDENTITIES, RegisteredClient, Simulator
from tests import keyfiles
from tests.app.conftest import SERVICE_TYPES, Browser, set_itsme

pytestmark = pytest.mark.simulator

SECRET_CLIENT_ID = "OIDC_SECRET_TEST"
#: Test-only shared secret (48 characters, above the 32 octets HS256 needs, RFC 7518 §3.2).
SECRET = "test-only-client-secret-0123456789abcdefghijklmn"


def run_itsme_checks() -> list[CheckMessage]:
    return list(checks.run_checks())


@dataclass
class SecretPartner:
    """A client-secret partner: registered at the simulator, configured on the site."""

    simulator: Simulator
    live_server: LiveServer
    settings: SettingsWrapper

    def register(self, *, alg: str, secret: str = SECRET) -> None:
        """Register (or re-register) the partner at the simulator, itsme signing with ``alg``."""
        self.simulator.register(
            RegisteredClient(
                client_id=SECRET_CLIENT_ID,
                redirect_uris=[self.live_server.url + "/itsme/callback/"],
                services=dict(SERVICE_TYPES),
                token_endpoint_auth_method="client_secret_post",
                client_secret=secret,
                id_token_signed_response_alg=alg,  # type: ignore[arg-type]
            )
        )

    def set_up(
        self,
        *,
        registered: str,
        configured: str = "",
        secret_at_itsme: str = SECRET,
        private_jwks: Any = None,
    ) -> None:
        """Register the partner with ``registered`` and ``secret_at_itsme``, and configure the
        site with :data:`SECRET` and ``configured`` (by default the registered algorithm), and
        no private keys unless ``private_jwks`` is given."""
        self.register(alg=registered, secret=secret_at_itsme)
        set_itsme(
            self.settings,
            CLIENT_ID=SECRET_CLIENT_ID,
            TOKEN_AUTH_METHOD="client_secret_post",
            CLIENT_SECRET=SECRET,
            ID_TOKEN_SIGNING_ALG=configured or registered,
            PRIVATE_JWKS=private_jwks,
        )


@pytest.fixture
def partner(
    simulator: Simulator, live_server: LiveServer, settings: SettingsWrapper
) -> SecretPartner:
    return SecretPartner(simulator, live_server, settings)


def token_request_form(simulator: Simulator) -> dict[str, str]:
    (entry,) = [item for item in simulator.requests if item.endpoint == "token"]
    return dict(entry.form)


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_login_with_a_client_secret(
    browser: Browser,
    partner: SecretPartner,
    verifications: list[dict[str, Any]],
    alg: str,
) -> None:
    partner.set_up(registered=alg)
    response = browser.flow("login")
    assert response.status_code == 302, response.content[:300]
    (event,) = verifications
    details = event["details"]
    assert details.sub == IDENTITIES["alice"].sub_for(SECRET_CLIENT_ID)
    assert details.id_token.header["alg"] == alg
    assert ItsmeIdentity.objects.filter(sub=details.sub).exists()
    form = token_request_form(partner.simulator)
    assert form["client_id"] == SECRET_CLIENT_ID
    assert form["client_secret"] == SECRET  # client_secret_post (D-AUTH secret tab)
    assert "client_assertion" not in form
    # The request object is signed with the secret (S-RO sample), then encrypted to itsme.
    record = partner.simulator.authorizations[-1]
    assert record.request_object["iss"] == SECRET_CLIENT_ID


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_share_data_with_a_client_secret(
    browser: Browser,
    partner: SecretPartner,
    verifications: list[dict[str, Any]],
    alg: str,
) -> None:
    partner.set_up(registered=alg)
    response = browser.flow("share")
    assert response.status_code == 302, response.content[:300]
    (event,) = verifications
    identity = event["details"].identity
    assert identity.family_name == "Peeters"
    assert identity.eid.national_number == "85031424673"


def test_wrong_secret_is_refused_at_the_token_endpoint(
    browser: Browser,
    partner: SecretPartner,
    failures: list[dict[str, Any]],
) -> None:
    partner.set_up(registered="HS256")
    params = browser.at_itsme(browser.start())
    # itsme onboarding rotated the secret (D-AUTH) between the redirect and the token request.
    partner.register(alg="HS256", secret=SECRET[::-1])
    response = browser.finish(params)
    assert response.status_code == 503
    (failure,) = failures
    assert failure["code"] == "invalid_client"
    assert SECRET.encode() not in response.content
    assert b"Error code: invalid_client" in response.content
    assert not ItsmeIdentity.objects.exists()


@pytest.mark.parametrize(
    ("registered", "configured", "secret_at_itsme", "status", "code"),
    [
        pytest.param(
            "HS256",
            "HS256",
            SECRET[::-1],
            503,
            "invalid_request_object",
            id="request_object_signed_with_another_secret",
        ),
        pytest.param(
            "HS256",
            "RS256",
            SECRET,
            403,
            "invalid_signature",
            id="hs256_token_when_rs256_is_configured",
        ),
        pytest.param(
            "RS256",
            "HS256",
            SECRET,
            403,
            "invalid_signature",
            id="rs256_token_when_hs256_is_configured",
        ),
    ],
)
def test_mismatched_partner_is_refused(
    browser: Browser,
    partner: SecretPartner,
    failures: list[dict[str, Any]],
    registered: str,
    configured: str,
    secret_at_itsme: str,
    status: int,
    code: str,
) -> None:
    """The site and itsme disagree on the secret or on the ID token's algorithm: the login
    fails with one ``login_failed`` and nobody is linked."""
    partner.set_up(registered=registered, configured=configured, secret_at_itsme=secret_at_itsme)
    response = browser.flow("login")
    assert response.status_code == status
    (failure,) = failures
    assert failure["code"] == code
    assert not ItsmeIdentity.objects.exists()


def test_private_key_jwt_site_refuses_a_dir_hs256_id_token(
    browser: Browser,
    partner: SecretPartner,
    failures: list[dict[str, Any]],
) -> None:
    """Attack: an itsme answer (or a forger who learnt a secret) sends a private_key_jwt site a
    ``dir`` JWE holding an HS256 JWS. Only client-secret sites may accept either."""
    simulator, live_server = partner.simulator, partner.live_server
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
    set_itsme(partner.settings, CLIENT_ID=SECRET_CLIENT_ID)
    response = browser.flow("login")
    assert response.status_code == 403
    (failure,) = failures
    assert failure["code"] == "token_decryption_failed"
    assert not ItsmeIdentity.objects.exists()


# ------------------------------------------------------------------ a site without private keys
def test_the_jwks_route_has_nothing_to_publish(browser: Browser, partner: SecretPartner) -> None:
    partner.set_up(registered="HS256")
    response = browser.get(reverse("itsme:jwks"))
    assert response.status_code == 404
    assert browser.flow().status_code == 302  # and logins work all the same


def test_no_warning_without_keys_and_w012_with_unused_ones(partner: SecretPartner) -> None:
    # DEBUG is on: the simulator's loopback issuer and the test cache are no warnings then.
    partner.settings.DEBUG = True
    partner.set_up(registered="RS256")
    assert [m.id for m in run_itsme_checks()] == []
    partner.set_up(registered="RS256", private_jwks=keyfiles.RP_PRIVATE)
    assert [m.id for m in run_itsme_checks()] == ["django_itsme.W012"]


def test_itsme_keys_public_says_there_are_no_keys(partner: SecretPartner) -> None:
    partner.set_up(registered="HS256")
    with pytest.raises(CommandError, match="no private keys"):
        call_command("itsme_keys", "--public", stdout=StringIO())
    with pytest.raises(CommandError, match=r"no private keys.*Pass --file"):
        call_command("itsme_keys", "status", stdout=StringIO())


# ------------------------------------------------------------------ Confirm needs itsme's signature
@pytest.mark.attack
def test_confirm_is_refused_before_itsme_with_an_hs256_registration(
    browser: Browser, partner: SecretPartner, failures: list[dict[str, Any]]
) -> None:
    # An HS256 ID token is signed with the site's own secret: the site could have made it, so
    # it proves no approval to anyone. Before this check the user approved the payment in the
    # app, then read "we could not verify itsme's answer" (evidence_mismatch).
    partner.set_up(registered="HS256")
    assert browser.flow().status_code == 302
    authorizations = len(partner.simulator.authorizations)
    response = browser.get("/confirm/", data={"text": "Pay 10 EUR to Bob"})
    assert response.status_code == 400
    assert response.content == b"refused before sending: confirm_needs_rs256"
    assert not Confirmation.objects.exists()
    assert len(partner.simulator.authorizations) == authorizations  # nobody was sent to itsme
    # A site that renders it as a failure shows "not available" (503), like any setting error.
    refused = ConfigurationError("Confirm needs RS256.", code="confirm_needs_rs256")
    assert describe_failure(refused, refused.code).status == 503


def test_confirm_works_for_an_rs256_client_secret_partner(
    browser: Browser, partner: SecretPartner
) -> None:
    partner.set_up(registered="RS256")
    assert browser.flow().status_code == 302
    confirm = browser.get("/confirm/", data={"text": "Pay 10 EUR to Bob"})
    assert confirm.status_code == 302, confirm.content[:300]
    assert browser.finish(browser.at_itsme(confirm["Location"])).status_code == 302
    (confirmation,) = Confirmation.objects.all()
    assert confirmation.status == Confirmation.Status.APPROVED
    assert confirmation.signing_key is not None
    assert confirmation.signing_key["kty"] == "RSA"  # itsme's key: evidence a third party checks


def test_w013_names_each_confirm_service_of_an_hs256_partner(partner: SecretPartner) -> None:
    partner.settings.DEBUG = True
    partner.set_up(registered="HS256")
    found = [m for m in run_itsme_checks() if m.id == "django_itsme.W013"]
    assert [m.obj for m in found] == ["ITSME['ID_TOKEN_SIGNING_ALG']"]  # the test's "confirm"
    assert "'confirm' looks like Confirm" in found[0].msg
    partner.set_up(registered="RS256")
    assert [m.id for m in run_itsme_checks()] == []


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_login_by_reference_with_a_client_secret(
    browser: Browser, partner: SecretPartner, alg: str
) -> None:
    # itsme fetches the request object (signed with the secret) from the site's request_uri.
    partner.set_up(registered=alg)
    set_itsme(partner.settings, REQUEST_BY="reference")
    assert browser.flow().status_code == 302
    assert partner.simulator.authorizations[-1].request_object["iss"] == SECRET_CLIENT_ID
