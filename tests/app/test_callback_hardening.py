"""The callback stores nothing for strangers, never answers 500, and its error reports never
carry a flow's secrets."""

from __future__ import annotations

import logging
import sys
import types
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.handlers import exception as handlers_exception
from django.http import HttpRequest
from django.test import Client
from django.views.debug import ExceptionReporter
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.backends import ItsmeBackend
from django_itsme.flows import SESSION_KEY
from django_itsme.models import ItsmeIdentity
from django_itsme.signals import identity_verified
from tests.app.conftest import Browser

pytestmark = pytest.mark.simulator

#: Reports built by :class:`ReportingBackend`, as Django would have built them for a 500.
REPORTS: list[str] = []


class SiteHookFailed(RuntimeError):
    """A bug in a site's backend hook."""


class ExplodingBackend(ItsmeBackend):
    """A site's backend whose ``update_user`` hook has a bug."""

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        raise SiteHookFailed("the site's update_user failed")


def report_as_if_unhandled(request: HttpRequest, exc: BaseException) -> str:
    """Django's technical 500 report for ``exc`` had it escaped the view: the traceback is
    extended with the calling frames (the view, its decorators, the middleware) up to the one
    where Django's handler would catch it; their locals are still live."""
    tb = exc.__traceback__
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        tb = types.TracebackType(tb, frame, frame.f_lasti, frame.f_lineno)
        if frame.f_code.co_filename == handlers_exception.__file__:
            break  # convert_exception_to_response: where a 500 report is made
        frame = frame.f_back
    assert frame is not None, "the hook did not run inside a request handler"
    return ExceptionReporter(request, type(exc), exc, tb).get_traceback_html()


class ReportingBackend(ItsmeBackend):
    """Builds the error report of its own failure, then fails."""

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        try:
            raise SiteHookFailed("the site's update_user failed")
        except SiteHookFailed as exc:
            assert self.request is not None
            REPORTS.append(report_as_if_unhandled(self.request, exc))
            raise


def use_backend(settings: SettingsWrapper, backend: type[ItsmeBackend]) -> None:
    settings.AUTHENTICATION_BACKENDS = [
        f"{backend.__module__}.{backend.__qualname__}",
        "django.contrib.auth.backends.ModelBackend",
    ]


@pytest.mark.attack
@pytest.mark.django_db
def test_cookieless_callback_hits_store_no_session() -> None:
    for query in ({}, {"state": "forged", "code": "x"}, {"error": "access_denied", "state": "s"}):
        for _ in range(5):
            response = Client().get("/itsme/callback/", query)
            assert response.status_code == 400
            assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


@pytest.mark.attack
def test_a_bug_in_a_site_hook_ends_on_a_failure_page_not_a_500(
    browser: Browser,
    settings: SettingsWrapper,
    failures: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_backend(settings, ExplodingBackend)
    caplog.set_level(logging.INFO, logger="django_itsme")
    params = browser.at_itsme(browser.start())
    response = browser.finish(params)
    assert response.status_code < 500
    assert b"<h1>" in response.content
    assert b"Error code: internal_error" in response.content
    assert get_user_model().objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0
    assert "_auth_user_id" not in browser.client.session
    assert [f["code"] for f in failures] == ["internal_error"]
    (line,) = [r for r in caplog.records if r.name == "django_itsme"]
    assert line.levelno == logging.ERROR
    assert "SiteHookFailed" in line.getMessage()
    assert params["code"] not in line.getMessage()
    assert line.exc_info is None
    # The state was consumed: the callback cannot be replayed.
    assert browser.finish(params).status_code == 400


@pytest.mark.attack
def test_a_failing_receiver_after_login_leaves_nobody_logged_in(
    browser: Browser, failures: list[dict[str, Any]]
) -> None:
    def receiver(sender: Any, **kwargs: Any) -> None:
        raise SiteHookFailed("the site's receiver failed")

    identity_verified.connect(receiver)
    try:
        response = browser.flow()
    finally:
        identity_verified.disconnect(receiver)
    assert response.status_code < 500
    assert b"Error code: internal_error" in response.content
    assert "_auth_user_id" not in browser.client.session
    assert get_user_model().objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0
    assert [f["code"] for f in failures] == ["internal_error"]


@pytest.mark.attack
def test_error_reports_never_show_the_flow_secrets(
    browser: Browser, settings: SettingsWrapper
) -> None:
    use_backend(settings, ReportingBackend)
    REPORTS.clear()
    params = browser.at_itsme(browser.start())
    (flow,) = browser.client.session[SESSION_KEY].values()
    browser.finish(params)
    (report,) = REPORTS
    assert "SiteHookFailed" in report  # a real report of this failure
    assert "backend_path" in report  # the frames' variables are listed...
    for secret in (flow["code_verifier"], flow["nonce"]):
        assert secret not in report  # ...but not their values
