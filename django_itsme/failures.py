"""What a failed itsme flow looks like: status, page text, one log line and a signal.

Every failure, whatever raised it, ends here: a friendly, translatable page with a retry link,
the status below, exactly one WARNING line on the ``django_itsme`` logger naming the error code,
and the ``login_failed`` signal. Nothing else changes: no user, no identity, no login session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .core.errors import (
    AuthorizationDenied,
    ConfigurationError,
    ItsmeError,
    ProviderError,
    TokenValidationError,
    TransportError,
    TransportTimeout,
)
from .logsafe import quote_for_log
from .signals import login_failed

__all__ = ["Failure", "describe_failure", "render_failure"]

logger = logging.getLogger("django_itsme")

#: Codes of errors that are not ItsmeError instances (raised by the views themselves).
UNKNOWN_STATE = "unknown_state"


@dataclass(frozen=True, slots=True)
class Failure:
    """How one kind of failure is shown."""

    status: int
    title: Promise
    message: Promise


CANCELLED = Failure(
    403,
    _("itsme request cancelled"),
    _("You cancelled the request in the itsme app, or itsme refused it. Nothing was changed."),
)
EXPIRED = Failure(
    400,
    _("This itsme request has expired"),
    _("This itsme request has expired or was already used. Please start again."),
)
REFUSED = Failure(
    403,
    _("We could not verify itsme's answer"),
    _("The answer from itsme could not be verified, so you were not logged in. Please try again."),
)
NO_ACCOUNT = Failure(
    403,
    _("No account is linked to this itsme identity"),
    _(
        "No account on this site is linked to your itsme identity. Log in another way first, "
        "then use itsme once to link it."
    ),
)
INACTIVE = Failure(
    403,
    _("This account is disabled"),
    _("The account linked to your itsme identity is disabled."),
)
UNAVAILABLE = Failure(
    502,
    _("itsme is not available"),
    _("itsme could not be reached or answered unexpectedly. Please try again in a moment."),
)
TIMEOUT = Failure(
    504,
    _("itsme did not answer in time"),
    _("itsme did not answer in time. Please try again in a moment."),
)
UNKNOWN_SERVICE = Failure(
    404,
    _("Unknown itsme service"),
    _("This site offers no such itsme service. Please use the links on the site."),
)
CONFIRMATION_REFUSED = Failure(
    403,
    _("Confirmation refused"),
    _("You refused the confirmation in the itsme app. Nothing was approved."),
)
NOT_LINKED = Failure(
    403,
    _("itsme confirmation is not possible"),
    _("This confirmation belongs to another login session. Log in with itsme and start again."),
)
MISCONFIGURED = Failure(
    503,
    _("itsme login is not available"),
    _("itsme login is not available on this site right now. Please try again later."),
)
TOO_MANY_FLOWS = Failure(
    429,
    _("Too many itsme requests"),
    _("You started many itsme requests in a short time. Please wait a minute and try again."),
)


#: Failures recognised by their code alone, whatever raised them.
BY_CODE: dict[str, Failure] = {
    "unknown_service": UNKNOWN_SERVICE,
    "no_account": NO_ACCOUNT,
    "inactive_user": INACTIVE,
    "confirmation_refused": CONFIRMATION_REFUSED,
    "not_linked": NOT_LINKED,
    "unknown_confirmation": EXPIRED,
    "invalid_state": EXPIRED,
    "too_many_flows": TOO_MANY_FLOWS,
}


def describe_failure(error: ItsmeError | None, code: str) -> Failure:
    """Map an error (or a bare code) to its :class:`Failure`."""
    if code in BY_CODE:
        return BY_CODE[code]
    if error is None:
        return EXPIRED
    if isinstance(error, AuthorizationDenied):
        if error.error == "access_denied":
            return CANCELLED
        return UNAVAILABLE if "unavailable" in error.error else REFUSED
    if isinstance(error, TransportTimeout):
        return TIMEOUT
    if isinstance(error, TransportError | ProviderError):
        return UNAVAILABLE
    if isinstance(error, TokenValidationError):
        return REFUSED
    if isinstance(error, ConfigurationError):
        return MISCONFIGURED
    return REFUSED


def render_failure(
    request: HttpRequest,
    error: ItsmeError | None,
    *,
    service: str | None,
    code: str | None = None,
    retry_url: str | None = None,
) -> HttpResponse:
    """Log once, signal once, and render the failure page.

    :param error: what went wrong, or None for a callback with no matching flow.
    :param service: the service's name, when known.
    :param code: the code to report; default ``error.code``.
    :param retry_url: where "Try again" leads; None hides the link.
    """
    code = code or (error.code if error is not None else UNKNOWN_STATE)
    failure = describe_failure(error, code)
    # Every value below may come from the request or from itsme: quoted, escaped and cut, so
    # that none can end the line, forge another or fake a field (logsafe.py).
    detail = f" message={quote_for_log(str(error), limit=300)}" if error is not None else ""
    if isinstance(error, AuthorizationDenied) and error.description:
        detail += f" description={quote_for_log(error.description)}"
    logger.warning(
        "itsme flow failed: code=%s service=%s status=%s error=%s%s",
        quote_for_log(code),
        quote_for_log(service),
        failure.status,
        type(error).__name__ if error is not None else "-",
        detail,
    )
    login_failed.send(sender=None, request=request, code=code, error=error, service=service)
    context = {"failure": failure, "code": code, "retry_url": retry_url}
    response = render(request, "django_itsme/failure.html", context, status=failure.status)
    # The line above is the one log line of this failure: tell django.request (which logs every
    # 4xx/5xx answer) that it has been logged already.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
