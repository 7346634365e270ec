"""A flow's session entry is checked when it is read back: a tampered one is a flow that does not
exist (the friendly ``unknown_state`` page, never a 500), and one written by the previous version
(which also stored the requested ``acr``) still finishes after a deploy."""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme import flows
from django_itsme.models import ItsmeIdentity
from tests.app.conftest import Browser

pytestmark = pytest.mark.simulator


def rewrite_flow(browser: Browser, state: str, change: dict[str, Any]) -> None:
    session = browser.client.session
    stored = session[flows.SESSION_KEY]
    entry = {**stored[state], **change}
    stored[state] = {key: value for key, value in entry.items() if value is not DROP}
    session[flows.SESSION_KEY] = stored
    session.save()


DROP = object()


@pytest.mark.parametrize(
    "change",
    [
        {"nonce": DROP},
        {"service": 7},
        {"code_verifier": None},
        {"next": ["/"]},
        {"link": "someone"},
        {"confirmation": 12},
        {"started": "yesterday"},
    ],
    ids=",".join,
)
@pytest.mark.attack
def test_a_tampered_flow_is_a_flow_that_does_not_exist(
    browser: Browser, change: dict[str, Any], failures: Any
) -> None:
    params = browser.at_itsme(browser.start())
    rewrite_flow(browser, params["state"], change)
    response = browser.finish(params)
    assert response.status_code == 400
    assert b"Error code: unknown_state" in response.content
    assert "_auth_user_id" not in browser.client.session
    assert ItsmeIdentity.objects.count() == 0
    assert flows.SESSION_KEY not in browser.client.session  # dropped, not kept around


def test_a_flow_saved_by_the_previous_version_still_finishes(browser: Browser) -> None:
    # e105f4c stored the requested acr with the flow (and never read it): such an entry, in
    # flight while the site is deployed, is read as it is.
    params = browser.at_itsme(browser.start())
    rewrite_flow(browser, params["state"], {"acr": "basic"})
    response = browser.finish(params)
    assert response.status_code == 302
    assert "_auth_user_id" in browser.client.session
