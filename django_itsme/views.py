"""Thin views: read the request, make one call, render or redirect.

``login``           starts a flow for ``?service=`` (default ``login``) and remembers ``?next=``
``callback``        finishes it: one-time state, tokens via the backend, login, redirect
``jwks``            the site's public keys, for itsme to encrypt to and verify with
``request_object``  one-time request objects for ``REQUEST_BY = "reference"``
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .backends import Verification
from .cache import pop_request_object
from .conf import get_settings
from .confirmations import finish_confirmation
from .core.errors import ConfigurationError, ItsmeError
from .failures import render_failure
from .flows import begin_flow, pop_flow, safe_next
from .throttle import allow_flow_start, refuse_flow_start

__all__ = ["callback", "jwks", "login_view", "request_object"]

#: D-AUTH "Key rotation procedure": itsme caches our JWKS for 30 min to 24 h and honours
#: ``max-age``; one hour keeps rotations quick while sparing our server.
JWKS_MAX_AGE = 3600


@require_GET
@never_cache
def login_view(request: HttpRequest) -> HttpResponseBase:
    """Start a flow: ``?service=<name>`` (default ``login``), ``?next=<url on this site>``."""
    service = request.GET.get("service") or "login"
    if not allow_flow_start(request):  # before anything is stored for this visitor
        return refuse_flow_start(request, service[:64])
    next_url = safe_next(request, request.GET.get("next"))
    try:
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
    if "confirmation" in flow:
        return finish_confirmation(request, flow)
    service = str(flow["service"])
    retry_url = reverse("itsme:login") + f"?service={service}"
    try:
        user = authenticate(request, itsme_callback=request.GET.dict(), itsme_flow=flow)
    except ItsmeError as error:
        return render_failure(request, error, service=service, retry_url=retry_url)
    if user is None:  # another backend list without ItsmeBackend: a configuration problem
        missing = ConfigurationError("ItsmeBackend is not in AUTHENTICATION_BACKENDS.")
        return render_failure(request, missing, service=service)
    login(request, user)
    verification: Verification | None = getattr(user, "itsme_verification", None)
    if verification is not None:
        verification.send(request, user)
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
