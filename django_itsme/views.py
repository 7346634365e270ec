"""Thin views: read the request, make one call, render or redirect.

``login``           starts a flow for ``?service=`` (default ``login``) and remembers ``?next=``
``link``            the same, for a logged-in user who links (or re-links) an itsme identity
``callback``        finishes it: one-time state, tokens in the core, login or link, redirect
``jwks``            the site's public keys, for itsme to encrypt to and verify with
``request_object``  request objects for ``request_uri``, until they expire

The views that see a flow hide their variables from Django's error reports
(``sensitive_variables``: it also covers every function they call), and the callback never
answers 500: an exception that is no ``ItsmeError`` ends on a failure page, with every database
change of the finish step rolled back and nobody logged in by it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, cast

from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import UpdateError
from django.db import transaction
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
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET

from .backends import get_itsme_backend
from .cache import claim_state, read_request_object
from .conf import get_settings
from .confirmations import finish_confirmation
from .core.client import ItsmeClient
from .core.errors import AuthorizationDenied, ItsmeError
from .failures import failure_code, render_failure, render_unexpected_failure
from .flows import (
    FLOW_LIFETIME,
    LinkOwner,
    SessionFlow,
    begin_flow,
    check_link_owner,
    find_flow,
    login_is_recent,
    only_pending_flow,
    pop_flow,
    safe_next,
)
from .itsme_client import get_client
from .logsafe import quote_for_log
from .signals import flow_finished
from .throttle import allow_flow_start, refuse_flow_start

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = ["callback", "jwks", "link_view", "login_view", "request_object"]

logger = logging.getLogger("django_itsme")


@require_GET
@never_cache
@sensitive_variables()
def login_view(request: HttpRequest) -> HttpResponseBase:
    """Start a flow: ``?service=<name>`` (default ``login``), ``?next=<url on this site>``."""
    return _start(request, link=None)


@require_GET
@never_cache
@sensitive_variables()
def link_view(request: HttpRequest) -> HttpResponseBase:
    """Start a flow that links an itsme identity to the logged-in user who asks for it.

    ``?service=<name>`` (default ``login``), ``?next=<url on this site>``. Anonymous visitors, and
    a login older than ``LINK_MAX_AGE``, go to ``settings.LOGIN_URL`` first (with ``next``). The
    flow records who started it (:class:`~django_itsme.flows.LinkOwner`); its callback links
    only for that same user, still logged in.
    """
    user = request.user
    if not user.is_authenticated or not login_is_recent(
        request.session, get_settings().link_max_age, now=time.time()
    ):
        return redirect_to_login(request.get_full_path())
    return _start(request, link=LinkOwner.of(user))


@sensitive_variables()
def _start(request: HttpRequest, *, link: LinkOwner | None) -> HttpResponseBase:
    """Start a flow for ``?service=`` after the flow-start limit, then redirect to itsme."""
    service = request.GET.get("service") or "login"
    if not allow_flow_start(request):  # before anything is stored for this visitor
        return refuse_flow_start(request, service[:64])
    next_url = safe_next(request, request.GET.get("next"))
    try:
        auth = begin_flow(request, service, next_url=next_url, link=link)
    except ItsmeError as error:
        return render_failure(request, error, service=service[:64])
    return HttpResponseRedirect(auth.url)


@require_GET
@never_cache
@sensitive_variables()
def callback(request: HttpRequest) -> HttpResponseBase:
    """Finish a flow: the one-time ``state`` picks it, the core checks the tokens, the backend
    links the user.

    An error redirect without ``state`` ends on its own page (see :func:`_stateless_error`).
    """
    state = request.GET.get("state")
    if not state:
        denied = ItsmeClient.read_callback_error(request.GET.dict())
        if denied is not None:
            return _stateless_error(request, denied)
    flow = find_flow(request.session, state)
    if flow is None:
        # Unreadable and expired flows are dropped; a cookie-less hit creates no session.
        pop_flow(request.session, state)
        return _unknown_state(request)
    # One-time, whatever happens next: the claim is atomic for every worker sharing the cache,
    # so of several copies of this callback that read the flow (a double click, a replay racing
    # the first) only one goes on. The others change nothing, not even the session, which the
    # one that goes on may already have replaced.
    claimed = claim_state(flow.pending.state, lifetime=FLOW_LIFETIME)
    if claimed is False:
        return _unknown_state(request)
    pop_flow(request.session, flow.pending.state)
    if claimed is None and not _save_session(request):  # a cache that stores nothing
        return _unknown_state(request)
    service = flow.service
    session_key = request.session.session_key
    response: HttpResponseBase
    try:
        with transaction.atomic():  # a failure below undoes every database change it made
            response = _finish(request, flow)
    except Exception as exc:  # the last resort: a bug in a site's hook or receiver
        if request.session.session_key != session_key:
            # login() ran (it rotates the session key) before the failure: undo it.
            request.session.flush()
            request.user = AnonymousUser()
        response = render_unexpected_failure(
            request, exc, service=service, retry_url=_retry_url(flow)
        )
    if response.status_code >= 500 and request.session.session_key == session_key:
        # SessionMiddleware saves nothing on a 5xx answer: the flow must still leave the session
        # (the claim above may be evicted from the cache, or held by another process's memory).
        _save_session(request)
    return _announce_finished(request, flow, response)


def _unknown_state(request: HttpRequest) -> HttpResponseBase:
    return render_failure(request, None, service=None, retry_url=reverse("itsme:login"))


def _save_session(request: HttpRequest) -> bool:
    """Save the session now; False when another request deleted it meanwhile (a logout, or the
    login of a callback racing this one rotated it): whatever it held is gone with it."""
    try:
        request.session.save()
    except UpdateError:
        request.session.modified = False  # nothing left to save it to
        return False
    return True


@sensitive_variables()
def _stateless_error(request: HttpRequest, denied: AuthorizationDenied) -> HttpResponseBase:
    """An error redirect that came back without ``state`` (protocol notes §9.1).

    itsme cannot echo the ``state`` of a request object it refused (``invalid_request_object``:
    wrong ``aud``, key or algorithm), so the error is attributed to this session's one pending
    flow, which it ends (consumed, nothing redeemed, nobody logged in or linked); with none or
    several pending, it belongs to no flow. Either way the page and status are those of the
    error, and itsme's description is logged. It is shown on the page only when attributed: a
    crafted link, which anyone can send, cannot put its text on the site's page. A pending
    Confirm flow is never ended this way: its refusal is recorded as evidence, which an answer
    without ``state`` cannot give. A refused request object with a flow pending drops the cached
    key set of itsme (:meth:`~django_itsme.core.client.ItsmeClient.note_refusal`).
    """
    only = only_pending_flow(request.session)
    if only is not None:  # the refusal of a flow of the visitor's own: it may mean that
        get_client().note_refusal(denied)  # itsme replaced its key (a forged one costs nothing)
    if only is None or only.confirmation is not None:
        return render_failure(
            request,
            denied,
            service=None,
            retry_url=reverse("itsme:login"),
            state_missing=True,
            provider_text=False,
        )
    pop_flow(request.session, only.pending.state)
    request.session.save()  # consumed for good, whatever the status of the answer
    response = render_failure(
        request,
        denied,
        service=only.service,
        retry_url=_retry_url(only),
        state_missing=True,
    )
    return _announce_finished(request, only, response)


def _announce_finished(
    request: HttpRequest, flow: SessionFlow, response: HttpResponseBase
) -> HttpResponseBase:
    """Send ``flow_finished`` for a consumed flow (once: every consuming path ends here)."""
    duration = max(0.0, time.time() - flow.started)
    answers = flow_finished.send_robust(
        sender=None,
        request=request,
        service=flow.service,
        kind=flow.kind,
        outcome=failure_code(response) or "ok",
        duration=duration,
    )
    for receiver, answer in answers:
        if isinstance(answer, Exception):
            logger.error(
                "itsme flow_finished receiver failed: receiver=%s error=%s",
                quote_for_log(getattr(receiver, "__qualname__", type(receiver).__name__)),
                quote_for_log(type(answer).__qualname__),
            )
    return response


def _retry_url(flow: SessionFlow) -> str | None:
    if flow.confirmation is not None:
        return None  # a Confirm transaction is started again by the site, not by us
    route = "itsme:link" if flow.link is not None else "itsme:login"
    return reverse(route) + f"?service={flow.service}"


@sensitive_variables()
def _finish(request: HttpRequest, flow: SessionFlow) -> HttpResponseBase:
    """Redeem the flow: a Confirm transaction, a link, or a login."""
    if flow.confirmation is not None:
        return finish_confirmation(request, flow)
    linking = flow.link is not None
    try:
        backend, backend_path = get_itsme_backend()
        if linking:  # before anything is redeemed: the flow's owner must still be logged in
            check_link_owner(flow, request.user)
        details = get_client().finish_flow(flow.pending, request.GET.dict())
        verified = backend.sign_in(request, details, service=flow.service, linking=linking)
    except ItsmeError as error:
        return render_failure(request, error, service=flow.service, retry_url=_retry_url(flow))
    if not linking:
        # The sub's own user; another user's session is flushed by login(), with its data.
        login(request, cast("User", verified.user), backend=backend_path)
    verified.send(request)
    return HttpResponseRedirect(flow.next_url)


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """The site's public JWK set (never a private member), cacheable by itsme; 404 for a
    client-secret partner without keys."""
    current = get_settings()
    keys = current.client.keys
    if keys is None:  # a client-secret partner registers no JWK Set URI and has no keys
        raise Http404("This site has no keys to publish: it uses a client secret.")
    # The keys in force now (their lifecycle dates), public members only (core/keys.py).
    response = JsonResponse(keys.public_jwks())
    response["Cache-Control"] = f"public, max-age={current.jwks_max_age}"
    return response


@require_GET
@never_cache
def request_object(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a stored request object (``application/jwt``, S-LOGIN §4.4) until it expires.

    itsme may fetch it more than once (see :func:`~django_itsme.cache.read_request_object`);
    ``never_cache`` keeps proxies from holding a copy after it expired.
    """
    value = read_request_object(token)
    if value is None:
        raise Http404("No such request object.")
    return HttpResponse(value, content_type="application/jwt")
