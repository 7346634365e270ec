"""Thin views: read the request, make one call, render or redirect.

``login``           starts a flow for ``?service=`` (default ``login``) and remembers ``?next=``
``callback``        finishes it: one-time state, tokens via the backend, login, redirect
``jwks``            the site's public keys, for itsme to encrypt to and verify with
``request_object``  one-time request objects for ``REQUEST_BY = "reference"``
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .cache import new_request_object_token, pop_request_object, store_request_object
from .client import get_client
from .conf import get_settings
from .core.client import AuthenticationRequest
from .core.confirm import ConfirmTemplate
from .core.errors import ConfigurationError, ItsmeError
from .failures import render_failure
from .flows import pop_flow, save_flow

__all__ = ["begin_flow", "callback", "jwks", "login_view", "request_object"]

#: D-AUTH "Key rotation procedure": itsme caches our JWKS for 30 min to 24 h and honours
#: ``max-age``; one hour keeps rotations quick while sparing our server.
JWKS_MAX_AGE = 3600
#: D-AREQ ``ui_locales``: the languages of the itsme app.
ITSME_LANGUAGES = ("fr", "nl", "de", "en")


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


@require_GET
@never_cache
def login_view(request: HttpRequest) -> HttpResponseBase:
    """Start an itsme flow: ``?service=<name>`` (default ``login``), ``?next=<url on this site>``."""
    service = request.GET.get("service") or "login"
    next_url = safe_next(request, request.GET.get("next"))
    try:
        if service not in get_settings().client.services:
            raise ConfigurationError(
                f"No itsme service named {service[:64]!r} is configured.", code="unknown_service"
            )
        auth = begin_flow(request, service, next_url=next_url)
    except ItsmeError as error:
        return render_failure(request, error, service=service[:64])
    return HttpResponseRedirect(auth.url)


@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponseBase:
    """Finish a flow: the one-time ``state`` picks it, the backend checks everything."""
    flow = pop_flow(request.session, request.GET.get("state"))
    # Persist the consumption now: SessionMiddleware does not save on 5xx answers, and a state
    # must never be redeemable twice, whatever happens next.
    request.session.save()
    if flow is None:
        return render_failure(request, None, service=None, retry_url=reverse("itsme:login"))
    service = str(flow["service"])
    retry_url = reverse("itsme:login") + f"?service={service}"
    try:
        user = authenticate(request, itsme_callback=request.GET.dict(), itsme_flow=flow)
    except ItsmeError as error:
        return render_failure(request, error, service=service, retry_url=retry_url)
    if user is None:  # another backend list without ItsmeBackend: a configuration problem
        error = ConfigurationError("ItsmeBackend is not in AUTHENTICATION_BACKENDS.")
        return render_failure(request, error, service=service)
    login(request, user)
    return HttpResponseRedirect(str(flow["next"]))


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """The site's public JWK set (never a private member), cacheable by itsme."""
    response = JsonResponse(get_settings().client.keys.public_jwks())
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response


@require_GET
@never_cache
def request_object(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a stored request object once (``application/jwt``, S-LOGIN §4.4), then forget it."""
    value = pop_request_object(token)
    if value is None:
        raise Http404("No such request object.")
    return HttpResponse(value, content_type="application/jwt")
