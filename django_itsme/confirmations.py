"""Confirm: have the logged-in, itsme-linked user approve a payment or a statement in the app.

A site view calls :func:`start_confirmation` and returns its redirect::

    from django_itsme.confirmations import start_confirmation
    from django_itsme.core import PaymentTemplate

    def pay(request):
        template = PaymentTemplate(amount="250", currency="EUR", iban="BE68539007547034")
        return start_confirmation(request, template, next_url="/payments/done/")

The request object carries the template and the user's known ``sub`` (itsme skips identification,
D-AREQ Confirmation row); the nonce is bound to the transaction (:mod:`.core.evidence`). At the
callback, an approval by another ``sub`` is refused; an approval is stored with its evidence and
the user goes to ``next_url?confirmation=<id>``; a refusal or failure ends on a clear page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from .core.client import ItsmeClient, UserDetails
from .core.confirm import ConfirmTemplate
from .core.errors import AuthorizationDenied, ItsmeError
from .core.evidence import KnownKeysAnchor, bind_nonce, generate_salt
from .errors import NotLinked
from .failures import render_failure
from .flows import FLOW_LIFETIME, SessionFlow, begin_flow, safe_next
from .itsme_client import get_client
from .models import Confirmation, ItsmeIdentity
from .signals import confirmation_completed

__all__ = ["NotLinked", "finish_confirmation", "start_confirmation"]

#: The query parameter ``next_url`` receives with the confirmation's id.
NEXT_PARAMETER = "confirmation"
#: How the anchor of the check at approval time is named.
APPROVAL_ANCHOR_LABEL = "itsme live JWKS at approval"


def start_confirmation(
    request: HttpRequest,
    template: ConfirmTemplate,
    *,
    service: str = "confirm",
    next_url: str | None = None,
) -> HttpResponseRedirect:
    """Create a pending :class:`Confirmation` and send the user to itsme to approve it.

    Everything is checked before anything is sent: the template (checked when it was made), the
    service, and the user's linked identity.

    :param request: the current request; ``request.user`` must be linked to itsme.
    :param template: a :class:`~django_itsme.core.FreeTextTemplate` or
        :class:`~django_itsme.core.PaymentTemplate`.
    :param service: the Confirm service's name in ``ITSME["SERVICES"]``.
    :param next_url: where to go after an approval (gets ``?confirmation=<id>``); must stay on
        this site, else ``LOGIN_REDIRECT_URL``.
    :returns: the redirect to itsme.
    :raises NotLinked: no logged-in user with an itsme identity.
    :raises ConfigurationError: the service is not configured (code ``unknown_service``).
    :raises ItsmeError: itsme cannot be reached to prepare the request (transport/provider).
    """
    user = request.user
    if not user.is_authenticated:
        raise NotLinked("Confirm needs a logged-in user.")
    identity = ItsmeIdentity.objects.filter(user=user).first()
    if identity is None:
        raise NotLinked("The logged-in user has no linked itsme identity.")
    client = get_client()
    service_code = client.config.service(service).code  # ConfigurationError: unknown_service
    Confirmation.expire_stale(older_than=timedelta(seconds=FLOW_LIFETIME))
    salt = generate_salt()
    confirmation = Confirmation(
        user=user,
        sub=identity.sub,
        service=service,
        service_code=service_code,
        template_name=template.name,
        content=template.canonical(),
        description=template.describe()[:200],
        salt=salt,
        issuer=client.config.issuer,
        client_id=client.config.client_id,
    )
    confirmation.nonce = bind_nonce(
        transaction_id=str(confirmation.id), salt=salt, content=confirmation.content
    )
    auth = begin_flow(
        request,
        service,
        next_url=safe_next(request, next_url),
        template=template,
        sub=identity.sub,
        nonce=confirmation.nonce,
        confirmation=str(confirmation.id),
    )
    # Saved only once the request is ready: a flow that could not start leaves no record.
    confirmation.save(force_insert=True)
    return HttpResponseRedirect(auth.url)


def finish_confirmation(request: HttpRequest, flow: SessionFlow) -> HttpResponse:
    """Handle the callback of a Confirm flow (called by the ``itsme:callback`` view).

    :param flow: the flow saved by :func:`start_confirmation`, already removed from the session.
    """
    service = flow.service
    if flow.confirmation is None:  # the callback sends only Confirm flows here
        return render_failure(request, None, service=service, code="unknown_confirmation")
    confirmation = Confirmation.objects.filter(
        pk=flow.confirmation, status=Confirmation.Status.PENDING
    ).first()
    if confirmation is None:
        return render_failure(request, None, service=service, code="unknown_confirmation")
    details: UserDetails | None = None
    try:
        if confirmation.user_id is None or confirmation.user_id != request.user.pk:
            raise NotLinked("The confirmation belongs to another session's user.")
        client = get_client()
        # The transaction's row, not the session, says which nonce and sub must come back.
        pending = replace(flow.pending, nonce=confirmation.nonce, expected_sub=confirmation.sub)
        details = client.finish_flow(pending, request.GET.dict(), fetch_userinfo=False)
        with transaction.atomic():
            confirmation.status = Confirmation.Status.APPROVED
            confirmation.completed_at = timezone.now()
            confirmation.id_token = details.id_token.compact
            confirmation.signing_key = dict(details.signing_key)
            confirmation.acr = details.acr or ""
            # The evidence must hold from the first second, anchored on the key the client has
            # just fetched from itsme's JWKS over TLS, not on the copy stored in the row.
            confirmation.check_evidence(anchors=[approval_anchor(client, details)])
            confirmation.save()
    except ItsmeError as error:
        refused = isinstance(error, AuthorizationDenied) and error.error == "access_denied"
        Confirmation.objects.filter(pk=confirmation.pk).update(
            status=Confirmation.Status.REFUSED if refused else Confirmation.Status.FAILED,
            completed_at=timezone.now(),
            error_code=error.code[:64],
            id_token="",
            signing_key=None,
        )
        confirmation.refresh_from_db()
        confirmation_completed.send(
            sender=Confirmation, request=request, confirmation=confirmation, details=None
        )
        return render_failure(
            request, error, service=service, code="confirmation_refused" if refused else None
        )
    confirmation_completed.send(
        sender=Confirmation, request=request, confirmation=confirmation, details=details
    )
    return HttpResponseRedirect(_with_parameter(flow.next_url, str(confirmation.id)))


def approval_anchor(client: ItsmeClient, details: UserDetails) -> KnownKeysAnchor:
    """The anchor for the check at approval time: the key the client verified the ID token
    with, as it came from itsme's live JWKS.

    :param client: the client that redeemed the code.
    :param details: what it returned.
    :returns: an anchor vouching for exactly that key of the configured issuer.
    """
    return KnownKeysAnchor(
        client.config.issuer, [dict(details.signing_key)], label=APPROVAL_ANCHOR_LABEL
    )


def _with_parameter(url: str, confirmation_id: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (NEXT_PARAMETER, confirmation_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))
