"""Errors itsme sends back: every documented authorization error on the right page and status,
error redirects without ``state`` (protocol notes §9.1), token endpoint refusals with ``detail``
(§9.2) and userinfo's 401 ``invalid_token`` (§9.3). Each over real HTTP against the simulator,
playing the variant with a switch (``Simulator.faults``)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from django_itsme.models import Confirmation, ItsmeIdentity
from django_itsme.simulator import Simulator
from tests.app.conftest import Browser, set_itsme

pytestmark = pytest.mark.simulator

FLOWS = "django_itsme_flows"
ADMIN_DETAIL = b"For the site's administrator"


def log_line(caplog: pytest.LogCaptureFixture) -> str:
    lines = [r for r in caplog.records if r.name == "django_itsme"]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.WARNING
    return lines[0].getMessage()


def assert_nothing_changed(browser: Browser) -> None:
    assert get_user_model().objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0
    assert "_auth_user_id" not in browser.client.session


def pending(browser: Browser) -> dict[str, Any]:
    flows = browser.client.session.get(FLOWS)
    return dict(flows) if isinstance(flows, dict) else {}


# ------------------------------------------------------------------ error redirects without state
def test_refused_request_object_comes_back_without_state(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any
) -> None:
    # The commonest onboarding mistake, played for real: the request object is encrypted to a
    # key itsme no longer has, so itsme cannot read it, nor the state inside it.
    url = browser.start()
    simulator.rotate_keys(keep_old_encryption_key=False)
    params = browser.at_itsme(url)
    assert params["error"] == "invalid_request_object"
    assert "state" not in params
    response = browser.finish(params)
    assert response.status_code == 503
    assert b"Error code: invalid_request_object" in response.content
    assert b"itsme login is not available" in response.content
    assert b"could not be verified" not in response.content  # not tampering
    # itsme's description, for the operator: in the one log line and the page's detail block.
    line = log_line(caplog)
    assert "code=invalid_request_object" in line
    assert "service=login" in line
    assert "state=missing" in line
    assert "description=" in line
    assert ADMIN_DETAIL in response.content
    assert escape(params["error_description"]).encode() in response.content
    assert [f["code"] for f in failures] == ["invalid_request_object"]
    assert pending(browser) == {}  # attributed to the only pending flow, and consumed
    assert b"?service=login" in response.content  # "Try again" restarts that service
    assert simulator.count("/token") == 0
    assert_nothing_changed(browser)


CONFIGURATION = [
    "invalid_request",
    "invalid_request_object",
    "invalid_request_uri",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
    "unsupported_request",
    "unsupported_display",
    "invalid_client_id",
    "invalid_redirect_uri",
]
USER_SIDE = [
    "access_denied",
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
]
#: Errors about the request object: itsme cannot read the state inside it (§9.1).
OBJECT_ERRORS = ("invalid_request_object", "invalid_request_uri")
UNAVAILABLE = ["server_error", "temporarily_unavailable", "temporary_unavailable"]
EXPECTED = (
    [(error, 503, error) for error in CONFIGURATION]
    + [(error, 403, error) for error in USER_SIDE]
    + [(error, 502, error) for error in UNAVAILABLE]
    + [("slow_down_please", 403, "unknown_error")]
)


@pytest.mark.parametrize("with_state", [True, False], ids=["with_state", "without_state"])
@pytest.mark.parametrize(("error", "status", "code"), EXPECTED)
def test_every_documented_authorization_error(
    browser: Browser,
    simulator: Simulator,
    failures: Any,
    caplog: Any,
    error: str,
    status: int,
    code: str,
    with_state: bool,
) -> None:
    simulator.faults.authorization_error = error
    simulator.faults.authorization_error_description = "itsme says: look at <your> settings"
    simulator.faults.error_redirect_without_state = not with_state
    params = browser.at_itsme(browser.start())
    assert ("state" in params) is (with_state and error not in OBJECT_ERRORS)
    response = browser.finish(params)
    assert response.status_code == status
    assert f"Error code: {code}".encode() in response.content
    line = log_line(caplog)
    assert f"code={code}" in line
    assert 'description="itsme says: look at <your> settings"' in line
    assert f"error={error}" in line or f"itsme_error={error}" in line
    # Escaped on the page, in the administrator's block only.
    assert b"itsme says: look at &lt;your&gt; settings" in response.content
    assert b"<your>" not in response.content
    assert [f["code"] for f in failures] == [code]
    assert pending(browser) == {}
    assert simulator.count("/token") == 0
    assert_nothing_changed(browser)


def test_configuration_errors_read_as_unavailable_site_not_tampering(
    browser: Browser, simulator: Simulator
) -> None:
    simulator.faults.authorization_error = "unauthorized_client"
    response = browser.flow()
    assert response.status_code == 503
    assert b"itsme login is not available" in response.content
    assert b"could not be verified" not in response.content


def test_error_without_description(browser: Browser, simulator: Simulator, caplog: Any) -> None:
    simulator.faults.authorization_error = "access_denied"
    simulator.faults.authorization_error_description = ""
    simulator.faults.error_redirect_without_state = True
    params = browser.at_itsme(browser.start())
    assert "error_description" not in params
    response = browser.finish(params)
    assert response.status_code == 403
    assert "description=" not in log_line(caplog)


def test_user_cancel_without_state_is_a_cancel(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any
) -> None:
    simulator.auto_decision = "refuse"
    simulator.faults.error_redirect_without_state = True
    params = browser.at_itsme(browser.start())
    assert "state" not in params
    response = browser.finish(params)
    assert response.status_code == 403
    assert b"Error code: access_denied" in response.content
    assert [f["code"] for f in failures] == ["access_denied"]


def test_two_pending_flows_no_attribution(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any
) -> None:
    simulator.faults.authorization_error = "invalid_request_object"
    simulator.faults.authorization_error_description = "wrong aud <b>x</b>"
    first = browser.start()
    browser.start("share")
    params = browser.at_itsme(first)
    assert "state" not in params
    response = browser.finish(params)
    # Right page and status for the error, but it belongs to no flow: both stay pending, and
    # itsme's free text is not put on a page nothing ties to this browser (log only).
    assert response.status_code == 503
    assert b"Error code: invalid_request_object" in response.content
    assert len(pending(browser)) == 2
    assert b"wrong aud" not in response.content
    line = log_line(caplog)
    assert 'description="wrong aud <b>x</b>"' in line
    assert "service=-" in line
    assert [f["service"] for f in failures] == [None]


def test_no_session_no_flow(browser: Browser, failures: Any, caplog: Any) -> None:
    query = {"error": "invalid_request_object", "error_description": "Call 0800 to fix your bank"}
    response = browser.finish(query)
    assert response.status_code == 503
    assert b"Error code: invalid_request_object" in response.content
    assert b"0800" not in response.content  # a crafted link cannot put text on our page
    assert "sessionid" not in response.cookies  # nothing stored for a cookie-less hit
    assert "code=invalid_request_object" in log_line(caplog)


def test_neither_state_nor_error_stays_unknown_state(browser: Browser, caplog: Any) -> None:
    browser.start()
    response = browser.finish({"error_description": "no error value"})
    assert response.status_code == 400
    assert b"Error code: unknown_state" in response.content
    assert len(pending(browser)) == 1


# ------------------------------------------------------------------ stateless errors: attacks
@pytest.mark.attack
def test_stateless_error_cannot_touch_another_sessions_flow(
    browser: Browser, simulator: Simulator
) -> None:
    # The victim starts a login; the attacker sends itsme-looking errors from their own
    # session (and from none): the victim's flow is untouched and still finishes.
    url = browser.start()
    attacker = Browser(Client(), browser.host)
    attacker.start()  # the attacker's own pending flow
    for target in (attacker, Browser(Client(), browser.host)):
        response = target.finish({"error": "access_denied"})
        assert response.status_code == 403
    assert len(pending(browser)) == 1
    response = browser.finish(browser.at_itsme(url))
    assert response.status_code == 302
    assert "_auth_user_id" in browser.client.session


@pytest.mark.attack
def test_stateless_error_with_a_code_redeems_nothing(
    browser: Browser, simulator: Simulator, failures: Any
) -> None:
    # A code next to the error, without state: the error ends the flow, the code is never
    # redeemed (no call to the token endpoint), nobody is logged in.
    params = browser.at_itsme(browser.start())
    forged = {"code": params["code"], "error": "access_denied"}
    response = browser.finish(forged)
    assert response.status_code == 403
    assert simulator.count("/token") == 0
    assert_nothing_changed(browser)
    assert [f["code"] for f in failures] == ["access_denied"]


@pytest.mark.attack
def test_stateless_error_never_logs_out_or_links(
    browser: Browser, simulator: Simulator, failures: Any
) -> None:
    assert browser.flow().status_code == 302  # alice is logged in
    user_id = browser.client.session["_auth_user_id"]
    response = browser.get("/itsme/link/")
    assert response.status_code == 302
    link_url = str(response["Location"])
    simulator.faults.authorization_error = "invalid_request_object"
    params = browser.at_itsme(link_url)
    response = browser.finish(params)
    assert response.status_code == 503
    assert browser.client.session["_auth_user_id"] == user_id  # still alice, nothing linked
    assert ItsmeIdentity.objects.count() == 1
    assert b"/itsme/link/?service=login" in response.content


@pytest.mark.attack
def test_stateless_error_does_not_record_a_confirm_refusal(
    browser: Browser, simulator: Simulator, failures: Any
) -> None:
    # A Confirm refusal is evidence ("the customer refused"): an answer without state proves
    # nothing, so it is not attributed to a pending Confirm flow, which stays pending.
    assert browser.flow().status_code == 302
    payment = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
    response = browser.get("/confirm/", data=payment)
    assert response.status_code == 302, response.content
    response = browser.finish({"error": "access_denied", "error_description": "customer said no"})
    assert response.status_code == 403
    assert Confirmation.objects.get().status == Confirmation.Status.PENDING
    assert len(pending(browser)) == 1
    assert b"customer said no" not in response.content


@pytest.mark.attack
def test_crafted_description_is_quoted_escaped_and_cut(
    browser: Browser, simulator: Simulator, caplog: Any
) -> None:
    text = "line one\nforged=1 \u202e<script>alert(1)</script>" + "x" * 400
    simulator.faults.authorization_error = "invalid_request_object"
    simulator.faults.authorization_error_description = text
    response = browser.flow()
    line = log_line(caplog)
    assert "\n" not in line
    assert "\u202e" not in line
    assert "<script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()
    assert "x" * 201 not in response.content.decode()
    assert "x" * 201 not in line


# ------------------------------------------------------------------ itsme's encryption key changed
def test_after_itsme_drops_its_encryption_key_the_next_attempt_succeeds(
    browser: Browser, simulator: Simulator, failures: Any
) -> None:
    # itsme replaced its encryption key and no longer reads objects made for the old one. The
    # refusal makes the site fetch itsme's key set again: "Try again" works at once, not after
    # the cached set expires (an hour).
    url = browser.start()
    simulator.rotate_keys(keep_old_encryption_key=False)
    assert browser.finish(browser.at_itsme(url)).status_code == 503
    assert simulator.count("/jwkSet") == 1
    assert browser.flow().status_code == 302
    assert "_auth_user_id" in browser.client.session
    assert simulator.count("/jwkSet") == 2
    assert [f["code"] for f in failures] == ["invalid_request_object"]


@pytest.mark.parametrize("error", OBJECT_ERRORS)
def test_a_refused_request_object_with_state_refetches_the_key_set_too(
    browser: Browser, simulator: Simulator, error: str
) -> None:
    # A provider that echoes the flow's state with its refusal (itsme cannot, §9.1; the core
    # must not depend on which path the refusal takes).
    browser.start()
    (state,) = pending(browser)
    assert browser.finish({"error": error, "state": state}).status_code == 503
    assert browser.flow().status_code == 302
    assert simulator.count("/jwkSet") == 2


def test_other_refusals_keep_the_key_set(browser: Browser, simulator: Simulator) -> None:
    simulator.faults.authorization_error = "access_denied"
    assert browser.flow().status_code == 403
    simulator.faults.authorization_error = None
    assert browser.flow().status_code == 302
    assert simulator.count("/jwkSet") == 1


@pytest.mark.attack
def test_a_forged_refusal_without_a_flow_costs_itsme_nothing(
    browser: Browser, simulator: Simulator
) -> None:
    # Anyone can send the callback an error; one that belongs to no flow of the visitor's own
    # session makes no call to itsme, however many are sent.
    assert browser.flow().status_code == 302
    for _ in range(20):
        stranger = Client()
        answer = stranger.get(
            "/itsme/callback/", {"error": "invalid_request_object"}, HTTP_HOST=browser.host
        )
        assert answer.status_code == 503
    assert browser.flow().status_code == 302
    assert simulator.count("/jwkSet") == 1


@pytest.mark.attack
def test_a_flood_of_refusals_refetches_the_key_set_once_a_minute(
    browser: Browser, simulator: Simulator, settings: Any
) -> None:
    # A visitor may start flows and send back refusals for each: together they make at most one
    # extra fetch per cooldown, for every worker sharing the cache.
    set_itsme(settings, FLOW_START_LIMIT=None)
    for _ in range(30):
        browser.start()
        answer = browser.get("/itsme/callback/", data={"error": "invalid_request_object"})
        assert answer.status_code == 503
    assert browser.flow().status_code == 302
    assert simulator.count("/jwkSet") == 2


# ------------------------------------------------------------------ token endpoint
@pytest.mark.parametrize("member", ["detail", "error_description"])
def test_invalid_grant_is_start_again_not_unavailable(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any, member: str
) -> None:
    params = browser.at_itsme(browser.start())
    simulator.faults.token_error = "invalid_grant"
    simulator.faults.token_error_in_error_description = member == "error_description"
    response = browser.finish(params)
    assert response.status_code == 400
    assert b"Error code: invalid_grant" in response.content
    assert b"has expired" in response.content
    line = log_line(caplog)
    assert "code=invalid_grant" in line
    assert 'description="injected invalid_grant"' in line
    assert b"injected invalid_grant" in response.content
    assert [f["code"] for f in failures] == ["invalid_grant"]
    assert_nothing_changed(browser)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("invalid_client", 503, "invalid_client"),
        ("unauthorized_client", 503, "unauthorized_client"),
        ("invalid_request", 503, "invalid_request"),
        ("unsupported_grant_type", 503, "unsupported_grant_type"),
        ("something_else", 502, "token_endpoint_error"),
    ],
)
def test_token_errors(
    browser: Browser,
    simulator: Simulator,
    failures: Any,
    caplog: Any,
    error: str,
    status: int,
    code: str,
) -> None:
    params = browser.at_itsme(browser.start())
    simulator.faults.token_error = error
    response = browser.finish(params)
    assert response.status_code == status
    assert f"Error code: {code}".encode() in response.content
    line = log_line(caplog)
    assert f"itsme_error={error}" in line
    assert f'description="injected {error}"' in line
    assert_nothing_changed(browser)


# ------------------------------------------------------------------ userinfo
@pytest.mark.parametrize("where", ["header", "body", "both"])
def test_userinfo_invalid_token(
    browser: Browser, simulator: Simulator, failures: Any, caplog: Any, where: str
) -> None:
    params = browser.at_itsme(browser.start("share"))
    simulator.faults.userinfo_invalid_token = where
    response = browser.finish(params)
    assert response.status_code == 502
    assert b"Error code: userinfo_invalid_token" in response.content
    line = log_line(caplog)
    assert "code=userinfo_invalid_token" in line
    assert "itsme_error=invalid_token" in line
    assert [f["code"] for f in failures] == ["userinfo_invalid_token"]
    assert_nothing_changed(browser)
