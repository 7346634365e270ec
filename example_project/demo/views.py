"""The demo's pages: home, log in, profile, share data and confirm.

Each itsme flow starts from a link made by ``{% itsme_button %}`` (log in, share data) or from
:func:`django_itsme.confirmations.start_confirmation` (confirm); django-itsme's callback finishes
it and sends the visitor back here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from django_itsme.confirmations import start_confirmation
from django_itsme.core.confirm import FreeTextTemplate, PaymentTemplate, format_iban
from django_itsme.core.errors import ItsmeError
from django_itsme.core.evidence import EvidenceError
from django_itsme.descriptions import describe_confirmation
from django_itsme.models import Confirmation, ItsmeIdentity

from .forms import FreeTextForm, PaymentForm
from .shared import shared_data

__all__ = ["confirm", "health", "home", "login_page", "profile", "share"]


def _simulator_url() -> str:
    """The simulator's address (the issuer without its path), for the explanations."""
    issuer = urlsplit(str(settings.ITSME["ENVIRONMENT"]))
    return f"{issuer.scheme}://{issuer.netloc}/"


def _identity(request: HttpRequest) -> ItsmeIdentity | None:
    if not request.user.is_authenticated:
        return None
    return ItsmeIdentity.objects.filter(user=request.user).first()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What the demo is and where to start; the simulator's page opens in the visitor's language
    (its pages follow ``ui_locales``, like the itsme app)."""
    simulator_url = _simulator_url()
    link = f"{simulator_url}?{urlencode({'ui_locales': get_language() or 'en'})}"
    return render(
        request, "demo/home.html", {"simulator_url": simulator_url, "simulator_link": link}
    )


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Tell ``scripts/demo`` (and anyone) that this port runs the demo, and with which simulator."""
    return JsonResponse({"demo": "django-itsme", "issuer": str(settings.ITSME["ENVIRONMENT"])})


@require_GET
def login_page(request: HttpRequest) -> HttpResponse:
    """The ``LOGIN_URL``: a single "Log in with itsme" button that keeps ``?next=``."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("demo:profile")
    return render(request, "demo/login.html", {"next_url": next_url})


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The linked itsme identity and the data the last Share flow returned."""
    context = {"identity": _identity(request), "shared": shared_data(request)}
    return render(request, "demo/profile.html", context)


@require_GET
def share(request: HttpRequest) -> HttpResponse:
    """Explain the Share data service and offer its button."""
    return render(request, "demo/share.html", {"simulator_url": _simulator_url()})


@require_http_methods(["GET", "POST"])
@login_required
def confirm(request: HttpRequest) -> HttpResponseBase:
    """Two forms that start Confirm flows, and the outcome of the last one (``?confirmation=``)."""
    identity = _identity(request)
    payment_form = PaymentForm(prefix="payment")
    text_form = FreeTextForm(prefix="text")
    status = 200
    if request.method == "POST" and identity is not None:
        form: PaymentForm | FreeTextForm
        if request.POST.get("payment-kind") == "payment":
            form = payment_form = PaymentForm(request.POST, prefix="payment")
        else:
            form = text_form = FreeTextForm(request.POST, prefix="text")
        if form.is_valid():
            try:
                return start_confirmation(request, form.template, next_url=reverse("demo:confirm"))
            except ItsmeError as error:
                form.add_error(
                    None,
                    _("itsme could not be reached to start the confirmation (%(code)s).")
                    % {"code": error.code},
                )
        status = 400
    context = {
        "identity": identity,
        "payment_form": payment_form,
        "text_form": text_form,
        "result": _confirmation_result(request),
    }
    return render(request, "demo/confirm.html", context, status=status)


def _confirmation_result(request: HttpRequest) -> dict[str, Any] | None:
    """The visitor's confirmation named by ``?confirmation=``, with its evidence re-verified."""
    value = request.GET.get("confirmation")
    user = request.user
    if not value or not user.is_authenticated:
        return None
    try:
        pk = uuid.UUID(value)
    except ValueError:
        return {"confirmation": None}
    confirmation = Confirmation.objects.filter(pk=pk, user=user).first()
    if confirmation is None:
        return {"confirmation": None}
    result: dict[str, Any] = {
        "confirmation": confirmation,
        "verified": False,
        # In the page's language, from the content itsme signed (the stored description is the
        # canonical English one).
        "description": describe_confirmation(confirmation),
    }
    template = confirmation.template
    if isinstance(template, PaymentTemplate):
        result["payment"] = {
            "amount": template.amount,
            "currency": template.currency,
            "iban": format_iban(template.iban),
        }
    elif isinstance(template, FreeTextTemplate):
        result["text"] = template.text
    try:
        claims = confirmation.verify()
    except EvidenceError as error:
        result["evidence_problem"] = str(error)
    else:
        result["verified"] = True
        issued = claims.get("iat")
        if isinstance(issued, int | float):
            result["signed_at"] = datetime.fromtimestamp(issued, UTC)
    return result
