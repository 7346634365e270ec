"""ItsmeBackend is honest: every hook README.rst advertises works, each shown by a site's subclass
that changes the outcome of a real flow against the simulator; every mozilla-django-oidc path it
does not use raises; password logins (sync and async) never go through it; and the installed
mozilla-django-oidc is one pyproject.toml allows."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.contrib import auth
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import RequestFactory
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from packaging.requirements import Requirement
from packaging.version import Version
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.backends import UNSUPPORTED, ItsmeBackend
from django_itsme.errors import UnsupportedBackendPath
from django_itsme.models import ItsmeIdentity
from tests.app.conftest import Browser, sub_of

ROOT = Path(__file__).resolve().parents[2]
LOGIN_URL = str(django_settings.LOGIN_URL)

#: The hooks README.rst and the backend's docstring advertise (each tested below).
HOOKS = ("verify_claims", "get_username", "create_user", "update_user", "get_user")


def use(settings: SettingsWrapper, backend: type[ItsmeBackend]) -> None:
    settings.AUTHENTICATION_BACKENDS = [
        f"{backend.__module__}.{backend.__qualname__}",
        "django.contrib.auth.backends.ModelBackend",
    ]


class NamingBackend(ItsmeBackend):
    def get_username(self, claims: dict[str, Any]) -> str:
        return "person-" + str(claims["sub"])[:8]


class CreatingBackend(ItsmeBackend):
    def create_user(self, claims: dict[str, Any]) -> AbstractBaseUser:
        user: AbstractBaseUser = get_user_model().objects.create_user(
            self.get_username(claims), first_name="new"
        )
        return user


class UpdatingBackend(ItsmeBackend):
    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        user.last_name = str(claims.get("sub", ""))[:5]
        user.save(update_fields=["last_name"])
        return user


class ForgettingBackend(ItsmeBackend):
    def get_user(self, user_id: Any) -> None:
        return None


@pytest.mark.simulator
def test_get_username_names_new_users(browser: Browser, settings: SettingsWrapper) -> None:
    use(settings, NamingBackend)
    assert browser.flow().status_code == 302
    (user,) = get_user_model().objects.all()
    assert user.get_username() == "person-" + sub_of("alice")[:8]


@pytest.mark.simulator
def test_create_user_makes_the_user(browser: Browser, settings: SettingsWrapper) -> None:
    use(settings, CreatingBackend)
    assert browser.flow().status_code == 302
    (user,) = get_user_model().objects.all()
    assert user.first_name == "new"
    assert ItsmeIdentity.objects.get(user=user).sub == sub_of("alice")


@pytest.mark.simulator
def test_update_user_runs_on_every_login(browser: Browser, settings: SettingsWrapper) -> None:
    use(settings, UpdatingBackend)
    assert browser.flow().status_code == 302
    get_user_model().objects.update(last_name="")
    assert browser.flow().status_code == 302
    assert get_user_model().objects.get().last_name == sub_of("alice")[:5]


@pytest.mark.simulator
def test_get_user_decides_the_session_user(browser: Browser, settings: SettingsWrapper) -> None:
    use(settings, ForgettingBackend)
    assert browser.flow().status_code == 302
    assert "_auth_user_id" in browser.client.session
    # The session names the user, but the hook finds nobody: anonymous, sent to log in.
    assert browser.get("/itsme/link/")["Location"].startswith(LOGIN_URL)


@pytest.mark.django_db(transaction=True)
def test_get_user_serves_the_async_door_too() -> None:
    user = get_user_model().objects.create_user("ann")
    assert async_to_sync(ItsmeBackend().aget_user)(user.pk) == user
    assert async_to_sync(ForgettingBackend().aget_user)(user.pk) is None
    get_user_model().objects.update(is_active=False)
    assert async_to_sync(ItsmeBackend().aget_user)(user.pk) is None


@pytest.mark.attack
@pytest.mark.simulator
def test_an_inactive_users_session_ends(browser: Browser) -> None:
    # Django's ModelBackend.get_user refuses an inactive user; mozilla-django-oidc's did not, so
    # a user deactivated after an itsme login stayed logged in.
    assert browser.flow().status_code == 302
    get_user_model().objects.update(is_active=False)
    assert browser.get("/itsme/link/")["Location"].startswith(LOGIN_URL)


def test_the_advertised_hooks_are_ours_or_djangos() -> None:
    for name in HOOKS:
        assert name not in UNSUPPORTED
        assert callable(getattr(ItsmeBackend, name))


def test_every_mozilla_method_is_a_hook_or_refused() -> None:
    """A new mozilla-django-oidc method fails here until it is judged (a hook or refused)."""
    own = {
        name
        for name, member in vars(OIDCAuthenticationBackend).items()
        if callable(member) or isinstance(member, staticmethod | classmethod)
    }
    allowed = {"__init__", "authenticate", *HOOKS}
    assert {"authenticate", "aauthenticate", "aget_user", *HOOKS} <= set(vars(ItsmeBackend))
    assert own - allowed == set(UNSUPPORTED)


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_paths_raise(name: str) -> None:
    backend = ItsmeBackend()
    with pytest.raises(UnsupportedBackendPath, match=name) as caught:
        getattr(backend, name)("token", "id-token", {"sub": "x"})
    assert caught.value.code == "unsupported_backend_path"


@pytest.mark.django_db
def test_mozilla_callback_credentials_log_nobody_in(settings: SettingsWrapper) -> None:
    # What mozilla-django-oidc's own callback view passes: a request with code and state, and
    # the nonce and PKCE verifier. Nothing is fetched, nobody is logged in.
    settings.AUTHENTICATION_BACKENDS = ["django_itsme.backends.ItsmeBackend"]
    request = RequestFactory().get("/oidc/callback/", {"code": "c", "state": "s"})
    request.session = {}  # type: ignore[assignment]
    assert authenticate(request, nonce="n", code_verifier="v") is None
    assert ItsmeBackend().authenticate(request, nonce="n", code_verifier="v") is None


@pytest.mark.attack
@pytest.mark.django_db(transaction=True)
def test_password_logins_never_go_through_the_itsme_backend(settings: SettingsWrapper) -> None:
    settings.AUTHENTICATION_BACKENDS = ["django_itsme.backends.ItsmeBackend"]
    get_user_model().objects.create_user("ann", password="pw")
    assert authenticate(None, username="ann", password="pw") is None
    # Django's async door (Django 5.0+): ModelBackend.aauthenticate, inherited through
    # mozilla-django-oidc, checked passwords here.
    assert async_to_sync(ItsmeBackend().aauthenticate)(None, username="ann", password="pw") is None
    if hasattr(auth, "aauthenticate"):
        door = auth.aauthenticate
        assert async_to_sync(door)(None, username="ann", password="pw") is None


def test_the_installed_mozilla_django_oidc_is_inside_the_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [
        Requirement(text)
        for extra in project["optional-dependencies"].values()
        for text in extra
        if text.startswith("mozilla-django-oidc")
    ]
    assert requirements
    installed = Version(version("mozilla-django-oidc"))
    for requirement in requirements:
        assert installed in requirement.specifier
        assert any(spec.operator == "<" for spec in requirement.specifier)  # an upper bound
