"""Linking an itsme identity to an account is explicit (``itsme:link``) and bound to the user
who started it; ``itsme:login`` never links to whoever happens to be logged in."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from django_itsme.checks import check_settings
from django_itsme.flows import LOGIN_AT_SESSION_KEY
from django_itsme.flows import SESSION_KEY as FLOWS_SESSION_KEY
from django_itsme.models import ItsmeIdentity
from django_itsme.signals import identity_linked, identity_verified
from django_itsme.simulator import Simulator
from tests.app.conftest import Browser, received_by, set_itsme, sub_of

pytestmark = [pytest.mark.simulator, pytest.mark.urls("tests.app.password_login_urls")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def other_browser(live_server: LiveServer, itsme: dict[str, Any]) -> Browser:
    """A second browser (another person's)."""
    return Browser(Client(), urlsplit(live_server.url).netloc)


def logged_in_pk(browser: Browser) -> str | None:
    value = browser.client.session.get("_auth_user_id")
    return str(value) if value is not None else None


def password_login(browser: Browser, username: str) -> None:
    """Log in through Django's real LoginView (ModelBackend), as a person would."""
    response = browser.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD},
        HTTP_HOST=browser.host,
    )
    assert response.status_code == 302, response.content[:300]


@pytest.mark.attack
def test_cookie_tossing_cannot_link_the_attackers_identity_to_the_victim(
    browser: Browser, other_browser: Browser, simulator: Simulator
) -> None:
    victim = User.objects.create_user("victim", password=PASSWORD, is_staff=True)
    attacker = other_browser
    # The attacker starts an itsme login in their own browser...
    authorization_url = attacker.start()
    planted = attacker.client.cookies["sessionid"].value
    # ...and plants that session cookie in the victim's browser (cookie tossing).
    browser.client.cookies["sessionid"] = planted
    # The victim logs in with their password: Django cycles the session key, keeps the data.
    password_login(browser, "victim")
    assert logged_in_pk(browser) == str(victim.pk)
    # The attacker approves the flow with their own itsme identity; the victim's browser is
    # made to open the callback.
    simulator.auto_approve = "bruno"
    response = browser.finish(attacker.at_itsme(authorization_url))
    assert response.status_code == 400  # the flow did not survive the victim's login
    assert not ItsmeIdentity.objects.filter(user=victim).exists()
    assert not ItsmeIdentity.objects.filter(sub=sub_of("bruno")).exists()
    # The attacker's itsme identity does not open the victim's account.
    attacker.client.logout()
    attacker.flow()
    assert logged_in_pk(attacker) not in (None, str(victim.pk))
    assert ItsmeIdentity.objects.get(sub=sub_of("bruno")).user != victim


@pytest.mark.attack
def test_cookie_tossing_with_a_link_flow_of_the_attackers_account(
    browser: Browser, other_browser: Browser, simulator: Simulator
) -> None:
    victim = User.objects.create_user("victim", password=PASSWORD)
    User.objects.create_user("mallory", password=PASSWORD)
    attacker = other_browser
    password_login(attacker, "mallory")
    response = attacker.get("/itsme/link/")
    assert response.status_code == 302
    authorization_url = str(response["Location"])
    browser.client.cookies["sessionid"] = attacker.client.cookies["sessionid"].value
    password_login(browser, "victim")
    simulator.auto_approve = "bruno"
    browser.finish(attacker.at_itsme(authorization_url))
    assert not ItsmeIdentity.objects.exists()
    assert logged_in_pk(browser) == str(victim.pk)


@pytest.mark.attack
@pytest.mark.parametrize("linked", [False, True])
def test_shared_computer_unknown_sub_never_relinks_the_logged_in_account(
    browser: Browser, simulator: Simulator, linked: bool
) -> None:
    ann = User.objects.create_user("ann", password=PASSWORD)
    if linked:
        ItsmeIdentity.objects.create(user=ann, sub=sub_of("alice"))
    password_login(browser, "ann")
    session = browser.client.session
    session["ann_private"] = "ann's basket"
    session.save()
    simulator.auto_approve = "bruno"  # someone else at the same computer
    response = browser.flow()
    assert response.status_code == 302
    bruno_user = ItsmeIdentity.objects.get(sub=sub_of("bruno")).user
    assert bruno_user != ann
    assert logged_in_pk(browser) == str(bruno_user.pk)
    assert "ann_private" not in browser.client.session
    assert list(ItsmeIdentity.objects.filter(user=ann).values_list("sub", flat=True)) == (
        [sub_of("alice")] if linked else []
    )


@pytest.mark.attack
def test_shared_computer_unknown_sub_without_create_users_ends_on_no_account(
    browser: Browser, simulator: Simulator, settings: SettingsWrapper
) -> None:
    set_itsme(settings, CREATE_USERS=False)
    ann = User.objects.create_user("ann", password=PASSWORD)
    ItsmeIdentity.objects.create(user=ann, sub=sub_of("alice"))
    password_login(browser, "ann")
    simulator.auto_approve = "bruno"
    response = browser.flow()
    assert response.status_code == 403
    assert b"Error code: no_account" in response.content
    assert list(ItsmeIdentity.objects.values_list("user", "sub")) == [(ann.pk, sub_of("alice"))]
    assert User.objects.count() == 1


@pytest.mark.attack
def test_shared_computer_known_sub_logs_in_its_own_user_with_a_fresh_session(
    browser: Browser, simulator: Simulator
) -> None:
    ann = User.objects.create_user("ann", password=PASSWORD)
    bruno = User.objects.create_user("bruno")
    ItsmeIdentity.objects.create(user=bruno, sub=sub_of("bruno"))
    password_login(browser, "ann")
    session = browser.client.session
    session["ann_private"] = "ann's basket"
    session.save()
    simulator.auto_approve = "bruno"
    assert browser.flow().status_code == 302
    assert logged_in_pk(browser) == str(bruno.pk)
    assert "ann_private" not in browser.client.session
    assert not ItsmeIdentity.objects.filter(user=ann).exists()


# --------------------------------------------------------------------------- the itsme:link route


@pytest.fixture
def linked_events() -> Iterator[list[dict[str, Any]]]:
    yield from received_by(identity_linked)


@pytest.fixture
def verified_events() -> Iterator[list[dict[str, Any]]]:
    yield from received_by(identity_verified)


@pytest.fixture
def ann(browser: Browser) -> User:
    """Ann, logged in with her password in ``browser``."""
    user = User.objects.create_user("ann", password=PASSWORD)
    password_login(browser, "ann")
    return user


def start_link(browser: Browser, **query: str) -> str:
    response = browser.get("/itsme/link/", data=query)
    assert response.status_code == 302, response.content[:300]
    assert "/accounts/login/" not in response["Location"]
    return str(response["Location"])


def link(browser: Browser, **query: str) -> Any:
    return browser.finish(browser.at_itsme(start_link(browser, **query)))


def itsme_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django_itsme"]


def test_link_needs_a_logged_in_user(browser: Browser) -> None:
    response = browser.get("/itsme/link/", data={"next": "/settings/"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query) == {"next": ["/itsme/link/?next=%2Fsettings%2F"]}
    assert FLOWS_SESSION_KEY not in browser.client.session  # no flow was started


def test_first_link(
    browser: Browser,
    ann: User,
    linked_events: list[dict[str, Any]],
    verified_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    session_key = browser.client.session.session_key
    caplog.set_level(logging.INFO, logger="django_itsme")
    response = link(browser, next="/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    identity = ItsmeIdentity.objects.get()
    assert (identity.user, identity.sub) == (ann, sub_of("alice"))
    assert logged_in_pk(browser) == str(ann.pk)
    assert browser.client.session.session_key == session_key  # nobody was logged in anew
    (event,) = linked_events
    assert event["user"] == ann
    assert event["identity"] == identity
    assert event["previous_sub"] is None
    assert event["service"] == "login"
    assert event["details"].sub == sub_of("alice")
    assert verified_events == []  # a link is not a login
    (line,) = itsme_lines(caplog)
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("itsme identity linked:")
    assert f"user={ann.pk}" in line.getMessage()
    assert sub_of("alice") not in line.getMessage()
    assert sub_of("alice")[:8] in line.getMessage()


def test_relink_replaces_the_old_sub(
    browser: Browser,
    ann: User,
    simulator: Simulator,
    linked_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ItsmeIdentity.objects.create(user=ann, sub="old-archived-sub-of-a-deleted-itsme-account")
    caplog.set_level(logging.INFO, logger="django_itsme")
    simulator.auto_approve = "bruno"  # the re-created itsme account
    assert link(browser).status_code == 302
    identity = ItsmeIdentity.objects.get()
    assert (identity.user, identity.sub) == (ann, sub_of("bruno"))
    (event,) = linked_events
    assert event["previous_sub"] == "old-archived-sub-of-a-deleted-itsme-account"
    (line,) = itsme_lines(caplog)
    assert line.getMessage().startswith("itsme identity re-linked:")
    for full in (sub_of("bruno"), "old-archived-sub-of-a-deleted-itsme-account"):
        assert full not in line.getMessage()


def test_relinking_the_same_sub_is_a_quiet_success(
    browser: Browser,
    ann: User,
    linked_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ItsmeIdentity.objects.create(user=ann, sub=sub_of("alice"))
    before = ItsmeIdentity.objects.values().get()
    caplog.set_level(logging.INFO, logger="django_itsme")
    response = link(browser, next="/settings/")
    assert response["Location"] == "/settings/"
    assert ItsmeIdentity.objects.values().get() == before
    assert linked_events == []
    assert itsme_lines(caplog) == []


def test_a_sub_of_another_account_is_refused(
    browser: Browser,
    ann: User,
    failures: list[dict[str, Any]],
    linked_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = User.objects.create_user("owner")
    ItsmeIdentity.objects.create(user=owner, sub=sub_of("alice"))
    ItsmeIdentity.objects.create(user=ann, sub="ann-sub")
    response = link(browser)
    assert response.status_code == 409
    assert b"Error code: already_linked" in response.content
    assert b"linked to another account" in response.content
    assert sorted(ItsmeIdentity.objects.values_list("user__username", "sub")) == [
        ("ann", "ann-sub"),
        ("owner", sub_of("alice")),
    ]
    assert logged_in_pk(browser) == str(ann.pk)
    assert [f["code"] for f in failures] == ["already_linked"]
    assert linked_events == []
    (line,) = itsme_lines(caplog)
    assert line.levelno == logging.WARNING


@pytest.mark.attack
def test_a_link_flow_finishes_only_for_the_same_password(
    browser: Browser, ann: User, simulator: Simulator, failures: list[dict[str, Any]]
) -> None:
    authorization_url = start_link(browser)
    # The password changes, and this session is kept logged in (update_session_auth_hash).
    ann.set_password("a new password")
    ann.save()
    session = browser.client.session
    session[HASH_SESSION_KEY] = ann.get_session_auth_hash()
    session.save()
    response = browser.finish(browser.at_itsme(authorization_url))
    assert response.status_code == 403
    assert b"Error code: link_user_changed" in response.content
    assert not ItsmeIdentity.objects.exists()
    assert simulator.count("/token") == 0  # refused before the code was redeemed
    assert [f["code"] for f in failures] == ["link_user_changed"]


@pytest.mark.attack
def test_a_link_flow_finishes_only_for_the_user_who_started_it(
    browser: Browser, ann: User, failures: list[dict[str, Any]]
) -> None:
    authorization_url = start_link(browser)
    # Another user's login that bypasses django.contrib.auth.login() (no user_logged_in signal).
    other = User.objects.create_user("other", password=PASSWORD)
    session = browser.client.session
    session[SESSION_KEY] = str(other.pk)
    session[HASH_SESSION_KEY] = other.get_session_auth_hash()
    session.save()
    response = browser.finish(browser.at_itsme(authorization_url))
    assert response.status_code == 403
    assert not ItsmeIdentity.objects.exists()
    assert [f["code"] for f in failures] == ["link_user_changed"]


def test_a_link_flow_does_not_survive_a_logout(browser: Browser, ann: User) -> None:
    authorization_url = start_link(browser)
    assert browser.client.post("/accounts/logout/", HTTP_HOST=browser.host).status_code == 200
    assert logged_in_pk(browser) is None
    response = browser.finish(browser.at_itsme(authorization_url))
    assert response.status_code == 400
    assert b"Error code: unknown_state" in response.content
    assert not ItsmeIdentity.objects.exists()


@pytest.mark.attack
def test_pending_flows_are_dropped_by_a_password_login(browser: Browser) -> None:
    User.objects.create_user("ann", password=PASSWORD)
    params = browser.at_itsme(browser.start())
    password_login(browser, "ann")
    assert FLOWS_SESSION_KEY not in browser.client.session
    assert browser.finish(params).status_code == 400
    assert not ItsmeIdentity.objects.exists()


def test_pending_flows_are_dropped_by_a_logout(browser: Browser, ann: User) -> None:
    params = browser.at_itsme(browser.start())
    browser.client.logout()
    assert browser.finish(params).status_code == 400
    assert not ItsmeIdentity.objects.exists()
    assert User.objects.count() == 1


def test_link_keeps_next_on_the_site(browser: Browser, ann: User) -> None:
    assert link(browser, next="https://evil.example/")["Location"] == "/"


def test_link_with_an_unknown_service(browser: Browser, ann: User) -> None:
    response = browser.get("/itsme/link/", data={"service": "nope"})
    assert response.status_code == 404
    assert b"Error code: unknown_service" in response.content


def test_a_bug_in_a_site_hook_during_a_link_changes_nothing(
    browser: Browser, ann: User, settings: SettingsWrapper, failures: list[dict[str, Any]]
) -> None:
    ItsmeIdentity.objects.create(user=ann, sub="ann-old-sub")
    settings.AUTHENTICATION_BACKENDS = [
        "tests.app.test_callback_hardening.ExplodingBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    response = link(browser)
    assert response.status_code == 400
    assert b"Error code: internal_error" in response.content
    assert list(ItsmeIdentity.objects.values_list("user", "sub")) == [(ann.pk, "ann-old-sub")]
    assert logged_in_pk(browser) == str(ann.pk)
    assert [f["code"] for f in failures] == ["internal_error"]


# --------------------------------------------------------------------------- LINK_MAX_AGE


def age_login(browser: Browser, seconds: int) -> None:
    session = browser.client.session
    session[LOGIN_AT_SESSION_KEY] -= seconds
    session.save()


def test_link_max_age_requires_a_recent_login(
    browser: Browser, ann: User, settings: SettingsWrapper
) -> None:
    set_itsme(settings, LINK_MAX_AGE=300)
    start_link(browser)  # just logged in
    age_login(browser, 301)
    response = browser.get("/itsme/link/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    password_login(browser, "ann")  # logging in again makes it recent
    start_link(browser)


def test_link_max_age_without_a_recorded_login_time(
    browser: Browser, ann: User, settings: SettingsWrapper
) -> None:
    session = browser.client.session
    del session[LOGIN_AT_SESSION_KEY]  # a session from before this rule
    session.save()
    start_link(browser)  # no LINK_MAX_AGE: no requirement
    set_itsme(settings, LINK_MAX_AGE=300)
    assert browser.get("/itsme/link/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("value", ["300", 0, -5, 1.5, True, [300]])
def test_link_max_age_check(settings: SettingsWrapper, value: Any) -> None:
    set_itsme(settings, LINK_MAX_AGE=value)
    messages = [m for m in check_settings() if m.id == "django_itsme.E025"]
    assert len(messages) == 1
    assert messages[0].obj == "ITSME['LINK_MAX_AGE']"


@pytest.mark.parametrize("value", [None, 1, 300])
def test_link_max_age_valid(settings: SettingsWrapper, value: Any) -> None:
    set_itsme(settings, LINK_MAX_AGE=value)
    assert [m.id for m in check_settings() if m.id == "django_itsme.E025"] == []


# --------------------------------------------------------------------------- the no-account page


def test_no_account_page_offers_the_link_to_a_logged_in_user(
    browser: Browser, ann: User, settings: SettingsWrapper, simulator: Simulator
) -> None:
    set_itsme(settings, CREATE_USERS=False)
    response = browser.flow()
    assert response.status_code == 403
    assert b'href="/itsme/link/"' in response.content
    assert b"You are logged in as ann." in response.content
    assert logged_in_pk(browser) == str(ann.pk)


def test_no_account_page_explains_linking_to_a_visitor(
    browser: Browser, settings: SettingsWrapper
) -> None:
    set_itsme(settings, CREATE_USERS=False)
    response = browser.flow()
    assert response.status_code == 403
    assert b"log in another way first, then link your itsme identity" in response.content
    assert b"/itsme/link/" not in response.content
