"""Starting a flow, and keeping it in the user's session until its callback.

Each flow is stored under its own ``state`` (several tabs can each run one), removed the moment
its callback arrives, whatever the outcome (``state`` is one-time: RFC 6749 §10.12, D-IG2020),
and forgotten after :data:`FLOW_LIFETIME`. mozilla-django-oidc keeps a similar map
(``oidc_states``); ours also holds what itsme needs at the callback (service, redirect URI,
expected ``sub``, ``next``), so it is kept separately under its own session key.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from .cache import new_request_object_token, store_request_object
from .client import get_client
from .conf import get_settings
from .core.client import AuthenticationRequest
from .core.confirm import ConfirmTemplate

__all__ = [
    "FLOW_LIFETIME",
    "MAX_FLOWS",
    "begin_flow",
    "pop_flow",
    "safe_next",
    "save_flow",
]

#: D-AREQ ``ui_locales``: the languages of the itsme app.
ITSME_LANGUAGES = ("fr", "nl", "de", "en")

SESSION_KEY = "django_itsme_flows"
#: Seconds a started flow stays redeemable: the itsme app gives the user a few minutes, and the
#: request object itself expires after 10 minutes (``REQUEST_OBJECT_LIFETIME``).
FLOW_LIFETIME = 600
#: Flows kept per session; the oldest is dropped beyond this (a user with many tabs open).
MAX_FLOWS = 10


def _flows(session: SessionBase, now: float) -> dict[str, dict[str, Any]]:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    return {
        state: flow
        for state, flow in stored.items()
        if isinstance(flow, dict) and now - float(flow.get("started", 0)) < FLOW_LIFETIME
    }


def save_flow(session: SessionBase, state: str, flow: dict[str, Any]) -> None:
    """Remember a started flow under its ``state``."""
    now = time.time()
    flows = _flows(session, now)
    flows[state] = {**flow, "started": now}
    while len(flows) > MAX_FLOWS:
        oldest = min(flows, key=lambda key: float(flows[key]["started"]))
        del flows[oldest]
    session[SESSION_KEY] = flows


def pop_flow(session: SessionBase, state: str | None) -> dict[str, Any] | None:
    """Take the flow started with ``state`` out of the session; None if unknown or expired."""
    if SESSION_KEY not in session:
        return None
    flows = _flows(session, time.time())
    flow = flows.pop(state, None) if state else None
    if flows:
        session[SESSION_KEY] = flows
    else:
        del session[SESSION_KEY]
    return flow


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
    """The one-time URL of a stored request object, with the explicit ``:443`` D-AREQ requires."""
    url = request.build_absolute_uri(reverse("itsme:request_object", args=[token]))
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.port is None:
        parts = parts._replace(netloc=f"{parts.hostname}:443")
    return urlunsplit(parts)


def _ui_locales() -> str | None:
    language = (get_language() or "").split("-")[0]
    return language if language in ITSME_LANGUAGES else None


def begin_flow(
    request: HttpRequest,
    service: str,
    *,
    next_url: str,
    template: ConfirmTemplate | None = None,
    sub: str | None = None,
    nonce: str | None = None,
    extra: dict[str, Any] | None = None,
) -> AuthenticationRequest:
    """Prepare a flow, remember it in the session, and return it (its ``url`` is the redirect).

    :param service: the service's name in ``ITSME["SERVICES"]``.
    :param next_url: where the callback sends the user on success (already checked).
    :param template: a Confirm template.
    :param sub: the expected ``sub`` (Confirm: the logged-in user's).
    :param nonce: a nonce chosen by the caller (Confirm binds it to the transaction).
    :param extra: JSON-compatible data kept with the flow for the callback.
    :raises ItsmeError: the flow cannot start (configuration, itsme unreachable, ...).
    """
    client = get_client()
    token = new_request_object_token() if client.config.request_by == "reference" else None
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
    if token:
        store_request_object(auth.request_object, token=token)
    save_flow(request.session, auth.state, {**auth.pending(), "next": next_url, **(extra or {})})
    return auth
