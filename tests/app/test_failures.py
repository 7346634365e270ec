"""Every failure ends on a friendly page with the right status, one WARNING line, one
login_failed signal, and no change to the database or the login session. Never a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_itsme.backends import ItsmeBackend
from django_itsme.models import ItsmeIdentity
from django_itsme.simulator import Simulator
from tests.app.conftest import Browser

pytestmark = pytest.mark.simulator


def assert_failed(
    response: Any,
    status: int,
    code: str,
    failures: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    browser: Browser,
) -> None:
    assert response.status_code == status
    assert b"<h1>" in response.content
    assert f"Error code: {code}".encode() in response.content
    lines = [r for r in caplog.records if r.name == "django_itsme"]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.WARNING
    assert f"code={code}" in lines[0].getMessage()
    assert [f["code"] for f in failures] == [code]
    assert get_user_model().objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0
    assert "_auth_user_id" not in browser.client.session


def test_user_cancels(
    browser: Browser, simulator: Simulator, failures: Any, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.auto_decision = "refuse"
    response = browser.flow()
    assert_failed(response, 403, "access_denied", failures, caplog, browser)
    assert b"Try again" in response.content
    assert simulator.count("/token") == 0


def test_replayed_callback(browser: Browser, failures: Any, caplog: Any) -> None:
    params = browser.at_itsme(browser.start())
    assert browser.finish(params).status_code == 302
    browser.client.logout()
    get_user_model().objects.all().delete()
    caplog.clear()
    response = browser.finish(params)
    assert_failed(response, 400, "unknown_state", failures, caplog, browser)


@pytest.mark.parametrize("query", [{}, {"state": "forged", "code": "x"}, {"code": "x"}])
def test_unknown_state(browser: Browser, failures: Any, caplog: Any, query: Any) -> None:
    browser.start()  # a flow exists, but not for this state
    response = browser.finish(query)
    assert_failed(response, 400, "unknown_state", failures, caplog, browser)


def test_state_is_consumed_even_when_the_flow_fails(
    browser: Browser, simulator: Simulator, failures: Any
) -> None:
    params = browser.at_itsme(browser.start())
    simulator.faults.token_status = 503
    assert browser.finish(params).status_code == 502
    simulator.faults.reset()
    assert browser.finish(params).status_code == 400
    assert [f["code"] for f in failures] == ["token_endpoint_error", "unknown_state"]


@pytest.mark.parametrize(
    ("fault", "value", "status", "code"),
    [
        ("token_status", 500, 502, "token_endpoint_error"),
        ("token_malformed_json", True, 502, "token_endpoint_error"),
        ("id_token_issuer", "https://evil.example/v2", 403, "invalid_iss"),
        ("id_token_audience", "OTHER", 403, "invalid_aud"),
        ("id_token_nonce", "forged", 403, "invalid_nonce"),
        ("id_token_expired", True, 403, "expired_token"),
        ("id_token_unsigned", True, 403, "invalid_signature"),
        ("id_token_unencrypted", True, 403, "token_decryption_failed"),
        ("sign_with_foreign_key", True, 403, "invalid_signature"),
        ("id_token_drop_acr", True, 403, "invalid_acr"),
        ("userinfo_status", 500, 502, "userinfo_error"),
        ("userinfo_sub", "someone-else", 403, "userinfo_sub_mismatch"),
    ],
)
def test_provider_faults(
    browser: Browser,
    simulator: Simulator,
    failures: Any,
    caplog: Any,
    fault: str,
    value: Any,
    status: int,
    code: str,
) -> None:
    params = browser.at_itsme(browser.start("share"))
    setattr(simulator.faults, fault, value)
    response = browser.finish(params)
    assert_failed(response, status, code, failures, caplog, browser)


def test_timeout(
    browser: Browser, simulator: Simulator, settings: Any, failures: Any, caplog: Any
) -> None:
    from tests.app.conftest import set_itsme

    set_itsme(settings, HTTP_TIMEOUT=0.5)
    params = browser.at_itsme(browser.start())
    simulator.faults.delay = {"token": 2.0}
    response = browser.finish(params)
    assert_failed(response, 504, "timeout", failures, caplog, browser)


def test_provider_down_when_starting(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any
) -> None:
    simulator.faults.discovery_status = 503
    response = browser.get("/itsme/login/")
    assert_failed(response, 502, "discovery_error", failures, caplog, browser)


def test_unknown_service(browser: Browser, failures: Any, caplog: Any) -> None:
    response = browser.get("/itsme/login/", data={"service": "nope"})
    assert_failed(response, 404, "unknown_service", failures, caplog, browser)


def test_error_description_is_logged_and_shown_to_the_administrator_only(
    browser: Browser, simulator: Simulator, caplog: Any
) -> None:
    simulator.auto_decision = "refuse"
    response = browser.flow()
    assert response.status_code == 403
    (line,) = [r.getMessage() for r in caplog.records if r.name == "django_itsme"]
    assert 'description="the user refused the request"' in line
    page = response.content.decode()
    # Not in the message the user reads, only in the collapsed block for the administrator.
    assert page.index("the user refused the request") > page.index("<details")


def test_itsme_refuses_the_request(
    browser: Browser, settings: Any, failures: Any, caplog: Any
) -> None:
    from tests.app.conftest import set_itsme

    # A service code the provider does not know: itsme answers error=invalid_scope. The
    # operator must act: the page says itsme login is unavailable here (503), not tampering.
    set_itsme(settings, SERVICES={"login": {"CODE": "NOT_REGISTERED"}})
    response = browser.flow()
    assert_failed(response, 503, "invalid_scope", failures, caplog, browser)
    assert b"itsme login is not available" in response.content
    assert b"could not be verified" not in response.content
    assert b"NOT_REGISTERED" in response.content  # itsme's description, for the administrator


class RefusingBackend(ItsmeBackend):
    """A site's subclass that refuses everyone (``verify_claims``)."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return False


def test_verify_claims_can_refuse(
    browser: Browser, settings: Any, failures: Any, caplog: Any
) -> None:
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.RefusingBackend"]
    response = browser.flow()
    assert_failed(response, 403, "invalid_claims", failures, caplog, browser)


def test_configuration_problem_is_a_503_not_a_500(
    browser: Browser, settings: Any, failures: Any, caplog: Any
) -> None:
    # The site's backends forgot ItsmeBackend: the callback cannot authenticate anyone.
    params = browser.at_itsme(browser.start())
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    response = browser.finish(params)
    assert_failed(response, 503, "configuration_error", failures, caplog, browser)
