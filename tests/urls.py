"""URLconf of the test project: the four edits' URL line, the admin, a landing page and two
views that start Confirm transactions the way a site would."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import include, path

from django_itsme.confirmations import start_confirmation
from django_itsme.core import FreeTextTemplate, ItsmeError, PaymentTemplate


def home(request: HttpRequest) -> HttpResponse:
    who = request.user.get_username() if request.user.is_authenticated else "anonymous"
    return HttpResponse(f"home: {who}")


def confirm(request: HttpRequest) -> HttpResponseBase:
    """``?text=...`` or ``?amount=&currency=&iban=``; ``?next=``; ``?service=``."""
    query = request.GET
    try:
        if "text" in query:
            template: FreeTextTemplate | PaymentTemplate = FreeTextTemplate(query["text"])
        else:
            template = PaymentTemplate(
                amount=query.get("amount", ""),
                currency=query.get("currency", ""),
                iban=query.get("iban", ""),
            )
        return start_confirmation(
            request,
            template,
            service=query.get("service", "confirm"),
            next_url=query.get("next"),
        )
    except ItsmeError as error:
        return HttpResponse(f"refused before sending: {error.code}", status=400)


urlpatterns = [
    path("", home, name="home"),
    path("confirm/", confirm, name="confirm"),
    path("admin/", admin.site.urls),
    path("itsme/", include("django_itsme.urls")),
]
