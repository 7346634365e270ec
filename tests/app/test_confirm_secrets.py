"""Error reports made while a Confirm flow starts never show the flow's secrets.

``start_confirmation`` holds the prepared flow (its ``nonce`` and PKCE ``code_verifier``) after
:func:`~django_itsme.flows.begin_flow` returns; a failure after that point (here: the database
refusing the new Confirmation row) must not put them in Django's error report (the technical 500
page, the e-mails to ``ADMINS``). ``AuthenticationRequest`` keeps them out of its ``repr`` and the
flow dict lives only in ``sensitive_variables`` frames: this test keeps it so. (What the user is
asked to approve is in the site's own request and frames anyway, out of our reach.)
"""

from __future__ import annotations

import sys
from typing import Any, cast

import pytest
from django.db.models.signals import pre_save
from django.http import HttpRequest

from django_itsme.models import Confirmation
from tests.app.conftest import Browser
from tests.app.test_callback_hardening import report_as_if_unhandled

pytestmark = pytest.mark.simulator


TEXT = "I approve contract 4711."
#: What the failing receiver saw, kept out of its frame (a report lists a frame's locals).
REPORTS: list[str] = []
SECRETS: list[str] = []


class RowRefused(RuntimeError):
    """The database refused the new Confirmation row."""


def flow_secrets_on_the_stack() -> list[str]:
    """The ``nonce`` and ``code_verifier`` of the flow ``start_confirmation`` is holding."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "start_confirmation":
        frame = frame.f_back  # type: ignore[assignment]
    assert frame is not None, "start_confirmation is not on the stack"
    auth = frame.f_locals["auth"]
    return [auth.code_verifier, auth.nonce]


def test_error_report_of_a_failed_confirmation_start_hides_the_flow_secrets(
    browser: Browser,
) -> None:
    assert browser.flow().status_code == 302  # alice logs in: her identity is linked
    REPORTS.clear()
    SECRETS.clear()

    def refuse(sender: Any, **kwargs: Any) -> None:
        SECRETS.extend(flow_secrets_on_the_stack())
        try:
            raise RowRefused("the database refused the row")
        except RowRefused as exc:
            REPORTS.append(report_as_if_unhandled(cast(HttpRequest, None), exc))
            raise

    pre_save.connect(refuse, sender=Confirmation)
    try:
        with pytest.raises(RowRefused):
            browser.get("/confirm/", data={"text": TEXT})
    finally:
        pre_save.disconnect(refuse, sender=Confirmation)
    (report,) = REPORTS
    assert "RowRefused" in report
    assert "start_confirmation" in report  # the frame is in the report...
    assert len(SECRETS) == 2
    for secret in SECRETS:
        assert secret
        assert secret not in report  # ...but not the flow's secrets
    assert not Confirmation.objects.exists()
