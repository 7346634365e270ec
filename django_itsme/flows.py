"""Starting a flow, and keeping it in the user's session until its callback.

Each flow is stored under its own ``state`` (several tabs can each run one), removed the moment
its callback arrives, whatever the outcome (``state`` is one-time: RFC 6749 §10.12, D-IG2020),
and forgotten after :data:`FLOW_LIFETIME`. mozilla-django-oidc keeps a similar map
(``oidc_states``); ours also holds what itsme needs at the callback (service, redirect URI,
expected ``sub``, ``next``), so it is kept separately under its own session key.

Each entry is a :class:`SessionFlow` written as JSON-safe data and checked when read back: an
entry that is not one (tampered, unreadable) is a flow that does not exist. A flow started by
``itsme:link`` also records who started it (:class:`LinkOwner`: the user's pk and session auth
hash); its callback links only for that same user, still logged in with the
same password (:func:`check_link_owner`). Every pending flow is dropped when anyone logs in or
out, by any backend (:func:`drop_flows_on_login`, :func:`drop_flows_on_logout`, connected by the
app's ``ready()``): nothing started before a login survives it, so a flow planted in a session
(cookie tossing) cannot finish in the session of the person who logs in next. The functions that
handle flows hide their variables from Django's error reports (``sensitive_variables``): a flow
holds the ``nonce`` and the PKCE ``code_verifier``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.debug import sensitive_variables

from .cache import can_serve_request_objects, new_request_object_token, store_request_object
from .conf import get_settings
from .core.authorize import SUPPORTED_UI_LOCALES
from .core.confirm import ConfirmTemplate
from .core.flow import AuthenticationRequest, PendingFlow
from .errors import LinkUserChanged
from .itsme_client import get_client

__all__ = [
    "FLOW_LIFETIME",
    "LINK_KEY",
    "MAX_FLOWS",
    "LinkOwner",
    "SessionFlow",
    "begin_flow",
    "check_link_owner",
    "drop_flows",
    "drop_flows_on_login",
    "drop_flows_on_logout",
    "login_is_recent",
    "only_pending_flow",
    "pop_flow",
    "safe_next",
    "save_flow",
]

SESSION_KEY = "django_itsme_flows"
#: Seconds a started flow stays redeemable: the itsme app gives the user a few minutes, and the
#: request object itself expires after 10 minutes (``REQUEST_OBJECT_LIFETIME``).
FLOW_LIFETIME = 600
#: Flows kept per session; the oldest is dropped beyond this (a user with many tabs open).
MAX_FLOWS = 10
#: The key of a flow's owner (``itsme:link`` flows only): ``{"user": pk, "hash": auth hash}``.
LINK_KEY = "link"
#: When this session's user last logged in (seconds since the epoch), for ``LINK_MAX_AGE``.
LOGIN_AT_SESSION_KEY = "django_itsme_login_at"

#: Which view started a flow.
FlowKind = Literal["login", "link", "confirm"]


@dataclass(frozen=True, slots=True)
class LinkOwner:
    """Who started an ``itsme:link`` flow: the user's pk and session auth hash.

    The session auth hash changes with the password, so a flow started before a password change
    cannot link after it.
    """

    user: str
    hash: str = field(repr=False)

    @classmethod
    def of(cls, user: AbstractBaseUser) -> LinkOwner:
        """The owner record of ``user``, who starts a link flow now."""
        return cls(str(user.pk), user.get_session_auth_hash())


@dataclass(frozen=True, slots=True)
class SessionFlow:
    """A pending flow as this app keeps it in the session, under its ``state``.

    :ivar pending: what the core needs to finish it (:class:`~django_itsme.core.PendingFlow`).
    :ivar next_url: where the callback sends the user on success (already checked).
    :ivar started: when it started, in seconds since the epoch (for :data:`FLOW_LIFETIME`).
    :ivar link: who started it, for an ``itsme:link`` flow; else None.
    :ivar confirmation: the id of its :class:`~django_itsme.models.Confirmation`, for a Confirm
        flow; else None.
    """

    pending: PendingFlow
    next_url: str
    started: float
    link: LinkOwner | None = None
    confirmation: str | None = None

    @property
    def service(self) -> str:
        """The service's name in ``ITSME["SERVICES"]``."""
        return self.pending.service

    @property
    def kind(self) -> FlowKind:
        """``confirm``, ``link`` or ``login``: the view that started it (``flow_finished``)."""
        if self.confirmation is not None:
            return "confirm"
        return "link" if self.link is not None else "login"

    def to_session(self) -> dict[str, object]:
        """JSON-safe data for the session, read back by :meth:`from_session`."""
        data: dict[str, object] = {
            **self.pending.to_session(),
            "next": self.next_url,
            "started": self.started,
        }
        if self.link is not None:
            data[LINK_KEY] = {"user": self.link.user, "hash": self.link.hash}
        if self.confirmation is not None:
            data["confirmation"] = self.confirmation
        return data

    @classmethod
    def from_session(cls, data: object) -> SessionFlow | None:
        """Read an entry written by :meth:`to_session` (or by the previous version, which also
        stored the requested ``acr``: ignored, the service's level applies at the callback).

        :returns: the flow, or None when the entry is not one (a field missing or of another
            type): a tampered entry is a flow that does not exist, never an error.
        """
        pending = PendingFlow.from_session(data)
        if pending is None or not isinstance(data, Mapping):
            return None
        next_url, started = data.get("next"), data.get("started")
        owner, confirmation = data.get(LINK_KEY), data.get("confirmation")
        if not isinstance(next_url, str) or not next_url:
            return None
        if not isinstance(started, int | float) or isinstance(started, bool):
            return None
        link = None
        if owner is not None:
            if not isinstance(owner, Mapping):
                return None
            user, auth_hash = owner.get("user"), owner.get("hash")
            if not isinstance(user, str) or not isinstance(auth_hash, str):
                return None
            link = LinkOwner(user, auth_hash)
        if confirmation is not None and (not isinstance(confirmation, str) or not confirmation):
            return None
        return cls(pending, next_url, float(started), link, confirmation)


@sensitive_variables()
def _flows(session: SessionBase, now: float) -> dict[str, SessionFlow]:
    """This session's readable flows that have not expired, by ``state``."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    flows = {}
    for state, data in stored.items():
        flow = SessionFlow.from_session(data)
        if flow is not None and flow.pending.state == state and now - flow.started < FLOW_LIFETIME:
            flows[state] = flow
    return flows


@sensitive_variables()
def _store(session: SessionBase, flows: dict[str, SessionFlow]) -> None:
    if flows:
        session[SESSION_KEY] = {state: flow.to_session() for state, flow in flows.items()}
    else:
        session.pop(SESSION_KEY, None)


@sensitive_variables()
def save_flow(session: SessionBase, flow: SessionFlow) -> None:
    """Remember a started flow under its ``state`` (the oldest goes beyond :data:`MAX_FLOWS`)."""
    flows = _flows(session, time.time())
    flows[flow.pending.state] = flow
    while len(flows) > MAX_FLOWS:
        del flows[min(flows, key=lambda key: flows[key].started)]
    _store(session, flows)


@sensitive_variables()
def find_flow(session: SessionBase, state: str | None) -> SessionFlow | None:
    """The flow started with ``state``, left in the session (see :func:`pop_flow`).

    :returns: the flow; None if unknown, expired or unreadable.
    """
    if not state or SESSION_KEY not in session:
        return None
    return _flows(session, time.time()).get(state)


@sensitive_variables()
def pop_flow(session: SessionBase, state: str | None) -> SessionFlow | None:
    """Take the flow started with ``state`` out of the session.

    :returns: the flow; None if unknown, expired or unreadable (also dropped).
    """
    if SESSION_KEY not in session:
        return None
    flows = _flows(session, time.time())
    flow = flows.pop(state, None) if state else None
    _store(session, flows)
    return flow


@sensitive_variables()
def only_pending_flow(session: SessionBase) -> SessionFlow | None:
    """This session's one pending flow, if it has exactly one.

    For an error redirect that came back without ``state`` (protocol notes §9.1): it can then
    only belong to that flow. Nothing is changed (no session is created for a cookie-less hit);
    the caller pops the flow with :func:`pop_flow` if it attributes the error to it. Only this
    session's flows are ever looked at, so such an answer cannot end another visitor's flow.

    :returns: the flow, or None when there are none or several.
    """
    if SESSION_KEY not in session:
        return None
    flows = list(_flows(session, time.time()).values())
    return flows[0] if len(flows) == 1 else None


def drop_flows(session: SessionBase) -> None:
    """Forget every pending flow of this session (a started flow can then no longer finish)."""
    session.pop(SESSION_KEY, None)


def drop_flows_on_login(sender: Any, *, request: HttpRequest | None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: drop pending flows, note the login time (``LINK_MAX_AGE``).

    Django keeps an anonymous session's data across ``login()``, so without this a flow started
    before the login (perhaps by someone else, in a planted session) would finish after it.
    The itsme callback's own login comes after its flow was popped, so only the others go.
    """
    session = getattr(request, "session", None)
    if session is None:
        return
    drop_flows(session)
    session[LOGIN_AT_SESSION_KEY] = int(time.time())


def drop_flows_on_logout(sender: Any, *, request: HttpRequest | None, **kwargs: Any) -> None:
    """``user_logged_out`` receiver: drop pending flows (sites whose logout keeps the session)."""
    session = getattr(request, "session", None)
    if session is not None:
        drop_flows(session)
        session.pop(LOGIN_AT_SESSION_KEY, None)


def login_is_recent(session: SessionBase, max_age: int | None, *, now: float) -> bool:
    """Whether this session's login is at most ``max_age`` seconds old (``LINK_MAX_AGE``).

    :param max_age: ``LINK_MAX_AGE``; None means no requirement (always True).
    :param now: the current time, in seconds since the epoch.
    :returns: False when no login time was recorded (a session older than this rule).
    """
    if max_age is None:
        return True
    logged_in_at = session.get(LOGIN_AT_SESSION_KEY)
    if not isinstance(logged_in_at, int | float) or isinstance(logged_in_at, bool):
        return False
    return 0 <= now - logged_in_at <= max_age


def check_link_owner(flow: SessionFlow, user: AbstractBaseUser | AnonymousUser) -> None:
    """Make sure the user logged in now is the one who started this ``itsme:link`` flow.

    :param flow: a flow started by ``itsme:link`` (its ``link`` is set).
    :param user: ``request.user`` at the callback.
    :raises LinkUserChanged: nobody or someone else is logged in, or the password changed.
    """
    owner = flow.link
    if (
        owner is None
        or not isinstance(user, AbstractBaseUser)
        or not user.is_authenticated
        or not constant_time_compare(owner.user, str(user.pk))
        or not constant_time_compare(owner.hash, user.get_session_auth_hash())
    ):
        raise LinkUserChanged("The user who started this link is not the one logged in now.")


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it stays on this site, else ``LOGIN_REDIRECT_URL``."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def redirect_uri_for(request: HttpRequest) -> str:
    """``REDIRECT_URI``, or the callback route on this request's host."""
    configured = get_settings().client.redirect_uri
    return configured or request.build_absolute_uri(reverse("itsme:callback"))


def request_uri_for(request: HttpRequest, token: str) -> str:
    """The URL of a stored request object, with the explicit ``:443`` D-AREQ requires.

    ``REQUEST_URI_BASE`` (the prefix registered with itsme, D-AREQ "must be pre-registered")
    followed by the token when set, else the ``itsme:request_object`` route on this request's
    host.
    """
    base = get_settings().client.request_uri_base
    if base:
        return f"{base}{token}/"
    url = request.build_absolute_uri(reverse("itsme:request_object", args=[token]))
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.port is None:
        parts = parts._replace(netloc=f"{parts.hostname}:443")
    return urlunsplit(parts)


def _ui_locales() -> str | None:
    language = (get_language() or "").split("-")[0]
    return language if language in SUPPORTED_UI_LOCALES else None


@sensitive_variables()
def begin_flow(
    request: HttpRequest,
    service: str,
    *,
    next_url: str,
    template: ConfirmTemplate | None = None,
    sub: str | None = None,
    nonce: str | None = None,
    link: LinkOwner | None = None,
    confirmation: str | None = None,
) -> AuthenticationRequest:
    """Prepare a flow, remember it in the session, and return it (its ``url`` is the redirect).

    :param service: the service's name in ``ITSME["SERVICES"]``.
    :param next_url: where the callback sends the user on success (already checked).
    :param template: a Confirm template.
    :param sub: the expected ``sub`` (Confirm: the logged-in user's).
    :param nonce: a nonce chosen by the caller (Confirm binds it to the transaction).
    :param link: who starts it, for an ``itsme:link`` flow.
    :param confirmation: the id of its Confirm transaction, for a Confirm flow.
    :raises ItsmeError: the flow cannot start (configuration, itsme unreachable, ...).
    """
    client = get_client()
    # By value, a request_uri is still offered as the fallback for an oversized request
    # (MAX_AUTHORIZATION_URL_LENGTH), when the cache can serve it to itsme.
    by_reference = client.config.request_by == "reference" or can_serve_request_objects()
    token = new_request_object_token() if by_reference else None
    request_uri = request_uri_for(request, token) if token else None
    auth = client.build_authentication_request(
        service,
        redirect_uri=redirect_uri_for(request),
        request_uri=request_uri,
        template=template,
        sub=sub,
        nonce=nonce,
        ui_locales=_ui_locales(),
    )
    if token and auth.request_uri:
        store_request_object(auth.request_object, token=token)
    flow = SessionFlow(auth.pending(), next_url, time.time(), link, confirmation)
    save_flow(request.session, flow)
    return auth
