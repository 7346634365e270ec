"""What a failed itsme flow looks like: status, page text, one log line and a signal.

Every failure, whatever raised it, ends here: a friendly, translatable page with a retry link,
the status below, exactly one WARNING line on the ``django_itsme`` logger naming the error code
(within a budget per code and minute, so that a flood writes a bounded log: log_budget.py),
and the ``login_failed`` signal. Nothing else changes: no user, no identity, no login session.
An exception that is no :class:`~django_itsme.core.errors.ItsmeError` (a bug in a site's hook or
receiver) ends here too, through :func:`render_unexpected_failure`: one ERROR line instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
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
from .core.oauth_errors import AUTHORIZATION_ERRORS, TOKEN_ERRORS, ErrorKind
from .core.userinfo import INVALID_TOKEN_CODE
from .log_budget import FAILURE_LOG_BUDGET
from .logsafe import quote_for_log
from .signals import login_failed

__all__ = [
    "AdminDetail",
    "Failure",
    "describe_failure",
    "failure_code",
    "render_failure",
    "render_unexpected_failure",
]

logger = logging.getLogger("django_itsme")

#: Codes of errors that are not ItsmeError instances (raised by the views themselves).
UNKNOWN_STATE = "unknown_state"
#: The code of an exception that is no ItsmeError (see :func:`render_unexpected_failure`).
INTERNAL_ERROR = "internal_error"


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
        "No account on this site is linked to your itsme identity. To use itsme here, log in "
        "another way first, then link your itsme identity to your account."
    ),
)
ALREADY_LINKED = Failure(
    409,
    _("This itsme identity is linked to another account"),
    _(
        "This itsme identity is already linked to another account on this site, so it was not "
        "linked to yours. Nothing was changed."
    ),
)
LINK_USER_CHANGED = Failure(
    403,
    _("Linking was cancelled"),
    _(
        "The link was started by another login, or you logged out or changed your password "
        "since. Nothing was linked. Please log in and start again."
    ),
)
INTERNAL = Failure(
    # Never a 5xx: the answer is the site's final word on this flow, and it is not retried.
    400,
    _("The itsme request could not be completed"),
    _(
        "Something went wrong on this site while finishing your itsme request. Nothing was "
        "changed. Please try again later."
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


#: The page of each kind of error itsme sends (:data:`~.core.oauth_errors.ErrorKind`): itsme
#: refusing our request is the operator's to fix and reads "not available on this site" (503),
#: never like tampering; a user's refusal reads as cancelled; an expired code as "start again".
BY_KIND: dict[ErrorKind, Failure] = {
    "configuration": MISCONFIGURED,
    "user": CANCELLED,
    "unavailable": UNAVAILABLE,
    "expired": EXPIRED,
    "unknown": CANCELLED,
}

#: Failures recognised by their code alone, whatever raised them.
BY_CODE: dict[str, Failure] = {
    # every documented authorization error is its own code (D-AUTH; protocol notes §9.1) ...
    **{error: BY_KIND[kind] for error, kind in AUTHORIZATION_ERRORS.items()},
    "unknown_error": BY_KIND["unknown"],
    # ... and so is every documented token endpoint error (§9.2): invalid_grant is "start again"
    **{error: BY_KIND[kind] for error, kind in TOKEN_ERRORS.items()},
    # userinfo refused the access token it was just given (§9.3): itsme is at fault
    INVALID_TOKEN_CODE: UNAVAILABLE,
    "unknown_service": UNKNOWN_SERVICE,
    "no_account": NO_ACCOUNT,
    "inactive_user": INACTIVE,
    "confirmation_refused": CONFIRMATION_REFUSED,
    "not_linked": NOT_LINKED,
    "unknown_confirmation": EXPIRED,
    "invalid_state": EXPIRED,
    "too_many_flows": TOO_MANY_FLOWS,
    "already_linked": ALREADY_LINKED,
    "link_user_changed": LINK_USER_CHANGED,
    INTERNAL_ERROR: INTERNAL,
}


def describe_failure(error: ItsmeError | None, code: str) -> Failure:
    """Map an error (or a bare code) to its :class:`Failure`."""
    if code in BY_CODE:
        return BY_CODE[code]
    if error is None:
        return EXPIRED
    if isinstance(error, AuthorizationDenied):
        return BY_KIND[error.kind]
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
    state_missing: bool = False,
    provider_text: bool = True,
) -> HttpResponse:
    """Log once, signal once, and render the failure page.

    :param error: what went wrong, or None for a callback with no matching flow.
    :param service: the service's name, when known.
    :param code: the code to report; default ``error.code``.
    :param retry_url: where "Try again" leads; None hides the link.
    :param state_missing: the error came back without ``state`` (noted in the log line).
    :param provider_text: show itsme's ``error`` and description in the page's block for the
        site's administrator. False when nothing ties the answer to a flow of this browser: a
        crafted link must not put its text on the site's page (it is still logged).
    """
    code = code or (error.code if error is not None else UNKNOWN_STATE)
    failure = describe_failure(error, code)
    itsme_error, description = _provider_words(error)
    # Every value below may come from the request or from itsme: quoted, escaped and cut, so
    # that none can end the line, forge another or fake a field (logsafe.py).
    detail = f" message={quote_for_log(str(error), limit=300)}" if error is not None else ""
    if itsme_error:
        detail += f" itsme_error={quote_for_log(itsme_error, limit=64)}"
    if description:
        detail += f" description={quote_for_log(description)}"
    if state_missing:
        detail += " state=missing"
    left_out = FAILURE_LOG_BUDGET.take(code)  # a flood writes a bounded log (log_budget.py)
    if left_out is not None:
        if left_out:
            detail += f" suppressed={left_out}"
        logger.warning(
            "itsme flow failed: code=%s service=%s status=%s error=%s%s",
            quote_for_log(code),
            quote_for_log(service),
            failure.status,
            type(error).__name__ if error is not None else "-",
            detail,
        )
    admin = AdminDetail(
        error=itsme_error if provider_text else None,
        description=description if provider_text else None,
        unattributed=state_missing and not provider_text,
    )
    return _signal_and_render(
        request,
        error,
        code=code,
        failure=failure,
        service=service,
        retry_url=retry_url,
        admin=admin,
    )


@dataclass(frozen=True, slots=True)
class AdminDetail:
    """What the page's collapsed block "for the site's administrator" shows (never a secret).

    :ivar error: itsme's ``error`` value.
    :ivar description: itsme's ``error_description`` / ``detail``, safe text (the template
        escapes it).
    :ivar unattributed: the answer came without ``state`` and matched no flow of this browser.
    """

    error: str | None = None
    description: str | None = None
    unattributed: bool = False

    def __bool__(self) -> bool:
        return bool(self.error or self.description or self.unattributed)


def _provider_words(error: ItsmeError | None) -> tuple[str | None, str | None]:
    """itsme's own ``error`` value and text carried by ``error``, both already made safe by the
    core (:mod:`~.core.oauth_errors`)."""
    if isinstance(error, AuthorizationDenied | ProviderError):
        return error.error, error.description
    return None, None


def render_unexpected_failure(
    request: HttpRequest,
    exc: Exception,
    *,
    service: str | None,
    retry_url: str | None = None,
) -> HttpResponse:
    """The last resort for an exception that is no ``ItsmeError``: log, signal, render (never 500).

    The ERROR line names the exception's type and where it was raised, never its message (a
    foreign message may quote a code, a token or personal data); the ``login_failed`` signal
    gets code ``internal_error`` and ``error=None``.

    :param exc: what was raised (a bug in a site's hook or receiver, or in django-itsme).
    :param service: the service's name, when known.
    :param retry_url: where "Try again" leads; None hides the link.
    """
    logger.error(
        "itsme flow failed: code=%s service=%s status=%s error=%s at=%s",
        INTERNAL_ERROR,
        quote_for_log(service),
        INTERNAL.status,
        quote_for_log(type(exc).__qualname__),
        quote_for_log(_raised_at(exc)),
    )
    return _signal_and_render(
        request,
        None,
        code=INTERNAL_ERROR,
        failure=INTERNAL,
        service=service,
        retry_url=retry_url,
        admin=AdminDetail(),
    )


def _raised_at(exc: BaseException) -> str:
    """``module:line`` of the innermost frame of ``exc``'s traceback (no locals, no message)."""
    tb = exc.__traceback__
    if tb is None:
        return "-"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_globals.get('__name__', '?')}:{tb.tb_lineno}"


def _signal_and_render(
    request: HttpRequest,
    error: ItsmeError | None,
    *,
    code: str,
    failure: Failure,
    service: str | None,
    retry_url: str | None,
    admin: AdminDetail,
) -> HttpResponse:
    login_failed.send(sender=None, request=request, code=code, error=error, service=service)
    context = {"failure": failure, "code": code, "retry_url": retry_url, "admin": admin}
    user = getattr(request, "user", None)
    if code == "no_account" and user is not None and user.is_authenticated:
        # Someone is logged in here: show who, and the explicit way to link (itsme:link).
        context["link_url"] = reverse("itsme:link")
        context["username"] = user.get_username()
    response = render(request, "django_itsme/failure.html", context, status=failure.status)
    # The log line above is the one line of this failure: tell django.request (which logs every
    # 4xx/5xx answer) that it has been logged already.
    response._has_been_logged = True  # type: ignore[attr-defined]
    setattr(response, _CODE_ATTRIBUTE, code)
    return response


#: Where a failure page keeps its code, for :func:`failure_code` (the ``flow_finished`` signal).
_CODE_ATTRIBUTE = "itsme_failure_code"


def failure_code(response: HttpResponseBase) -> str | None:
    """The code of the failure ``response`` shows, or None when it is no failure page.

    :param response: an answer of an itsme view.
    :returns: the code given to ``login_failed`` for it, or None.
    """
    code = getattr(response, _CODE_ATTRIBUTE, None)
    return code if isinstance(code, str) else None
