"""A started flow is redeemable for ``FLOW_LIFETIME`` seconds, and a session keeps at most
``MAX_FLOWS`` of them: tests that fail when either bound is broken (issue 9).

Time is moved by ageing the stored flow (its ``started``), never by sleeping.
"""

from __future__ import annotations

import time

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme import flows
from tests.app.conftest import Browser, set_itsme

pytestmark = pytest.mark.simulator

#: The bounds README.rst promises, written out so that a changed constant fails here: a flow
#: is redeemable for 10 minutes ("Sessions", "unknown_state"), and a session keeps 10 of them.
LIFETIME = 600
KEPT_FLOWS = 10


def age_flow(browser: Browser, state: str, seconds: float) -> None:
    """Make the flow started with ``state`` look ``seconds`` old."""
    session = browser.client.session
    stored = session[flows.SESSION_KEY]
    stored[state]["started"] = time.time() - seconds
    session[flows.SESSION_KEY] = stored
    session.save()


def pending_states(browser: Browser) -> set[str]:
    return set(browser.client.session.get(flows.SESSION_KEY, {}))


def test_a_flow_older_than_its_lifetime_cannot_be_finished(browser: Browser) -> None:
    back = browser.at_itsme(browser.start())
    age_flow(browser, back["state"], LIFETIME + 1)
    response = browser.finish(back)
    assert response.status_code == 400
    assert b"Error code: unknown_state" in response.content
    assert "_auth_user_id" not in browser.client.session


def test_a_flow_within_its_lifetime_can_be_finished(browser: Browser) -> None:
    back = browser.at_itsme(browser.start())
    age_flow(browser, back["state"], LIFETIME - 5)
    assert browser.finish(back).status_code == 302
    assert "_auth_user_id" in browser.client.session


def test_the_lifetime_matches_the_request_object_lifetime() -> None:
    """A flow outliving its request object could never be approved; one expiring much sooner
    would cut users short. Both are ten minutes (REQUEST_OBJECT_LIFETIME, D-AREQ)."""
    from django_itsme.core.authorize import REQUEST_OBJECT_LIFETIME

    assert flows.FLOW_LIFETIME <= REQUEST_OBJECT_LIFETIME


def test_beyond_max_flows_the_oldest_is_dropped_and_the_rest_stay_redeemable(
    browser: Browser, settings: SettingsWrapper
) -> None:
    set_itsme(settings, FLOW_START_LIMIT=None)  # this test counts flows, not the rate limit
    answers = [browser.at_itsme(browser.start()) for _ in range(KEPT_FLOWS + 1)]
    states = [answer["state"] for answer in answers]
    assert len(set(states)) == KEPT_FLOWS + 1

    assert pending_states(browser) == set(states[1:])
    oldest = browser.finish(answers[0])
    assert oldest.status_code == 400
    assert b"Error code: unknown_state" in oldest.content
    assert pending_states(browser) == set(states[1:])  # exactly KEPT_FLOWS, untouched

    assert browser.finish(answers[-1]).status_code == 302  # the newest logs in
    assert "_auth_user_id" in browser.client.session
