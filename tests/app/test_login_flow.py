"""Complete login and share-data flows through Django's test client and the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.models import ItsmeIdentity
from django_itsme.signals import identity_verified, login_failed
from django_itsme.simulator import Simulator
from tests.app.conftest import Browser, received_by, set_itsme, sub_of

pytestmark = pytest.mark.simulator


@pytest.fixture
def verified() -> Iterator[list[dict[str, Any]]]:
    yield from received_by(identity_verified)


def logged_in_user(browser: Browser) -> Any:
    session = browser.client.session
    user_id = session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_first_login_creates_and_links_a_user(
    browser: Browser, simulator: Simulator, verified: list[dict[str, Any]]
) -> None:
    response = browser.flow("login", next_url="/after/")
    assert response.status_code == 302
    assert response["Location"] == "/after/"
    user = logged_in_user(browser)
    assert user is not None
    identity = ItsmeIdentity.objects.get()
    assert identity.user == user
    assert identity.sub == sub_of("alice")
    assert identity.last_login_at is not None
    assert user.username == "itsme-" + sub_of("alice")
    assert not user.has_usable_password()
    assert user.email == ""
    (event,) = verified
    assert event["user"] == user
    assert event["created"] is True
    assert event["service"] == "login"
    assert event["details"].sub == sub_of("alice")
    assert event["identity"] == identity
    # Login only: one call to the token endpoint, none to userinfo.
    assert simulator.count("/token") == 1
    assert simulator.count("/userinfo") == 0


def test_second_login_finds_the_same_user(browser: Browser) -> None:
    browser.flow()
    first = logged_in_user(browser)
    browser.client.logout()
    browser.flow()
    assert logged_in_user(browser) == first
    assert get_user_model().objects.count() == 1
    assert ItsmeIdentity.objects.count() == 1


def test_another_person_gets_another_user(browser: Browser, simulator: Simulator) -> None:
    browser.flow()
    browser.client.logout()
    simulator.auto_approve = "bruno"
    browser.flow()
    assert ItsmeIdentity.objects.count() == 2
    assert logged_in_user(browser).itsme_identity.sub == sub_of("bruno")


def test_share_data_reaches_the_site_through_the_signal(
    browser: Browser, simulator: Simulator, verified: list[dict[str, Any]]
) -> None:
    response = browser.flow("share")
    assert response.status_code == 302
    (event,) = verified
    details = event["details"]
    assert details.acr == "advanced"
    assert details.identity.eid.national_number
    assert details.identity.place_of_birth.city
    assert details.identity.nationality.iso == "BEL"
    assert details.identity.photo.data[:2] == b"\xff\xd8"
    assert simulator.count("/userinfo") == 1
    identity = ItsmeIdentity.objects.get()
    assert identity.last_acr == "advanced"


def test_nothing_personal_is_stored(browser: Browser) -> None:
    browser.flow("share")
    identity = ItsmeIdentity.objects.get()
    stored = {f.name: getattr(identity, f.name) for f in ItsmeIdentity._meta.concrete_fields}
    text = repr(stored)
    alice_claims = ("BENationalNumber", "Brussel", "Bruxelles", "/9j/")
    assert not any(value in text for value in alice_claims)
    user = identity.user
    assert (user.first_name, user.last_name, user.email) == ("", "", "")


def test_create_users_off_refuses_unknown_people(
    browser: Browser, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    set_itsme(settings, CREATE_USERS=False)
    failures: list[dict[str, Any]] = []
    login_failed.connect(lambda sender, **kw: failures.append(kw), weak=False)
    try:
        response = browser.flow()
    finally:
        login_failed.receivers.clear()
    assert response.status_code == 403
    assert b"No account on this site is linked" in response.content
    assert get_user_model().objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0
    assert "_auth_user_id" not in browser.client.session
    assert [f["code"] for f in failures] == ["no_account"]


def test_create_users_off_still_logs_in_linked_people(
    browser: Browser, settings: SettingsWrapper
) -> None:
    user = User.objects.create_user("ann", password="pw")
    ItsmeIdentity.objects.create(user=user, sub=sub_of("alice"))
    set_itsme(settings, CREATE_USERS=False)
    assert browser.flow().status_code == 302
    assert logged_in_user(browser) == user


def test_a_logged_in_users_itsme_login_never_links_to_them(browser: Browser) -> None:
    ann = User.objects.create_user("ann", password="pw")
    browser.client.force_login(ann)
    response = browser.flow()
    assert response.status_code == 302
    identity = ItsmeIdentity.objects.get()
    assert identity.user != ann  # a new user of its own (CREATE_USERS); linking is itsme:link
    assert logged_in_user(browser) == identity.user


def test_an_already_linked_sub_logs_in_its_own_user(browser: Browser) -> None:
    owner = User.objects.create_user("owner")
    ItsmeIdentity.objects.create(user=owner, sub=sub_of("alice"))
    other = User.objects.create_user("other", password="pw")
    browser.client.force_login(other)
    browser.flow()
    assert logged_in_user(browser) == owner
    assert ItsmeIdentity.objects.count() == 1


def test_inactive_linked_user_is_refused_and_nothing_changes(browser: Browser) -> None:
    owner = User.objects.create_user("owner", is_active=False)
    ItsmeIdentity.objects.create(user=owner, sub=sub_of("alice"))
    response = browser.flow()
    assert response.status_code == 403
    assert b"disabled" in response.content
    assert ItsmeIdentity.objects.get().last_login_at is None
    assert "_auth_user_id" not in browser.client.session


def test_next_must_stay_on_the_site(browser: Browser) -> None:
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = browser.flow(next_url=evil)
        assert response["Location"] == "/", evil
        browser.client.logout()


def test_default_next_is_login_redirect_url(browser: Browser, settings: SettingsWrapper) -> None:
    settings.LOGIN_REDIRECT_URL = "/welcome/"
    assert browser.flow()["Location"] == "/welcome/"


def test_several_tabs_the_first_login_drops_the_others(browser: Browser) -> None:
    first = browser.start(next_url="/one/")
    second = browser.start(next_url="/two/")
    second_back = browser.at_itsme(second)
    first_back = browser.at_itsme(first)
    assert browser.finish(second_back)["Location"] == "/two/"
    # Nothing started before a login survives it (the flows are dropped on user_logged_in).
    assert browser.finish(first_back).status_code == 400
    assert logged_in_user(browser) is not None
    assert User.objects.count() == 1


def test_several_tabs_each_keep_their_own_flow(browser: Browser, simulator: Simulator) -> None:
    first = browser.start(next_url="/one/")
    second = browser.start(next_url="/two/")
    simulator.auto_decision = "refuse"
    assert browser.finish(browser.at_itsme(second)).status_code == 403  # one tab cancelled...
    simulator.auto_decision = "approve"
    assert browser.finish(browser.at_itsme(first))["Location"] == "/one/"  # ...not the other


def test_request_by_reference(
    browser: Browser, settings: SettingsWrapper, simulator: Simulator
) -> None:
    set_itsme(settings, REQUEST_BY="reference")
    url = browser.start()
    assert "request_uri=" in url
    assert "request=" not in url.replace("request_uri=", "")
    assert browser.finish(browser.at_itsme(url)).status_code == 302
    assert simulator.count("/itsme/request/") == 0  # the site's route, not the simulator's
    assert ItsmeIdentity.objects.count() == 1


def test_ui_locales_follow_the_language(browser: Browser, simulator: Simulator) -> None:
    url = browser.client.get("/itsme/login/", HTTP_HOST=browser.host, HTTP_ACCEPT_LANGUAGE="nl-BE")[
        "Location"
    ]
    browser.at_itsme(url)
    assert simulator.authorizations[-1].request_object.get("ui_locales") == "nl"


def test_workers_share_discovery_and_keys_through_the_django_cache(
    browser: Browser, simulator: Simulator
) -> None:
    from django_itsme.itsme_client import clear_client

    browser.flow()
    browser.client.logout()
    clear_client()  # another worker: a new client, the same Django cache
    simulator.clear_log()
    browser.flow()
    assert simulator.count("/.well-known/openid-configuration") == 0
    assert simulator.count("/jwkSet") == 0
    assert simulator.count("/token") == 1


def test_username_already_taken_gets_a_counter(browser: Browser) -> None:
    User.objects.create_user("itsme-" + sub_of("alice"))
    browser.flow()
    assert logged_in_user(browser).username == "itsme-" + sub_of("alice") + "-2"
