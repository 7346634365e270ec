"""The authentication backend: mozilla-django-oidc's account hooks, the core's token work.

:class:`ItsmeBackend` subclasses ``mozilla_django_oidc.auth.OIDCAuthenticationBackend`` for the
hooks a site knows and may override, each called on every itsme login or link:
``verify_claims`` (refuse some people), ``get_username`` and ``create_user`` (the first login of
an unknown ``sub``, ``CREATE_USERS``), ``update_user`` (every login) and ``get_user`` (Django's
session). Everything else mozilla-django-oidc offers raises
:class:`~django_itsme.errors.UnsupportedBackendPath` (:data:`UNSUPPORTED`): its token path
checks neither ``aud`` nor ``iss``, fetches the JWKS on every login and knows no encrypted
tokens, and its user lookup matches e-mail addresses (D-MAP: ``sub`` only). Tokens are the
core's job (:meth:`~django_itsme.core.ItsmeClient.finish_flow`, called once by the callback
view); this backend only links users.

``authenticate()`` never logs anyone in (a username/password login passes it by): the callback
view calls :meth:`ItsmeBackend.sign_in` with the verified details, which finds, creates or links
the user and returns a typed :class:`Verification`. Failures raise an
:class:`~django_itsme.core.errors.ItsmeError` for the view to turn into a friendly page.

A flow started by ``itsme:login`` finds or creates the ``sub``'s own user (:meth:`find_user`),
never the one who happens to be logged in; only a flow started by ``itsme:link`` links, and only
for the user who started it (:meth:`link`). Every method that sees the verified details hides its
variables from Django's error reports (``sensitive_variables``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .conf import get_settings
from .core.client import UserDetails
from .core.errors import ClaimValidationError, ConfigurationError
from .errors import InactiveUser, LinkUserChanged, UnsupportedBackendPath
from .identity import LinkResult, find_or_create_user, link_to_user, unused_username
from .logsafe import quote_for_log
from .models import ItsmeIdentity
from .signals import identity_linked, identity_verified

__all__ = ["UNSUPPORTED", "ItsmeBackend", "Verification", "get_itsme_backend"]

#: Django's username field holds 150 characters; ``sub`` is 36 in practice (D-IG2020).
USERNAME_PREFIX = "itsme-"
#: Characters of a ``sub`` a log line may show: enough to tell people apart in a log, too few to
#: impersonate anyone (the full ``sub`` is the person's identifier for this site).
SUB_LOG_PREFIX = 8

logger = logging.getLogger("django_itsme")


def describe_sub(sub: str | None) -> str:
    """A log-safe form of ``sub``: its first :data:`SUB_LOG_PREFIX` characters, quoted."""
    if not sub:
        return "-"
    return quote_for_log(sub[:SUB_LOG_PREFIX] + "…")


@dataclass(frozen=True, slots=True)
class Verification:
    """What a successful itsme flow proved and changed (:meth:`ItsmeBackend.sign_in`).

    :ivar sender: the backend's class (the signals' ``sender``).
    :ivar user: the user found, created or linked.
    :ivar identity: the user's itsme identity.
    :ivar details: the verified details.
    :ivar service: the flow's service.
    :ivar created: the user was created by this flow.
    :ivar link: what an ``itsme:link`` flow changed; None for a login.
    """

    sender: type[ItsmeBackend]
    user: AbstractBaseUser
    identity: ItsmeIdentity
    details: UserDetails
    service: str
    created: bool
    link: LinkResult | None = None

    def send(self, request: HttpRequest) -> None:
        """Announce the flow: ``identity_linked`` for a link flow, else ``identity_verified``.

        A login flow's signal is sent after ``login()`` (so a receiver's session writes survive
        its session flush); a link flow logs nobody in, and announces (with one INFO line) only
        a link that changed something.
        """
        common = {"request": request, "user": self.user, "identity": self.identity}
        common.update(details=self.details, service=self.service)
        link = self.link
        if link is None:
            identity_verified.send(sender=self.sender, created=self.created, **common)
        elif link.linked:
            logger.info(
                "itsme identity %s: user=%s sub=%s previous_sub=%s service=%s",
                "re-linked" if link.previous_sub else "linked",
                quote_for_log(str(self.user.pk)),
                describe_sub(link.identity.sub),
                describe_sub(link.previous_sub),
                quote_for_log(self.service),
            )
            identity_linked.send(sender=self.sender, previous_sub=link.previous_sub, **common)


#: mozilla-django-oidc methods that would bypass the core (its unchecked token path, its own
#: callback's ``authenticate``, e-mail matching): each raises :class:`UnsupportedBackendPath`.
UNSUPPORTED = (
    "filter_users_by_claims",
    "describe_user_by_claims",
    "get_or_create_user",
    "verify_token",
    "get_token",
    "get_payload_data",
    "retrieve_matching_jwk",
    "get_userinfo",
    "store_tokens",
    "raise_token_response_error",
    "_verify_jws",
    "get_settings",
)


def get_itsme_backend() -> tuple[ItsmeBackend, str]:
    """The first :class:`ItsmeBackend` (or a site's subclass) in ``AUTHENTICATION_BACKENDS``.

    :returns: the backend and its dotted path (for ``login(..., backend=path)``).
    :raises ConfigurationError: no such backend is listed.
    """
    for path in django_settings.AUTHENTICATION_BACKENDS:
        backend = load_backend(path)
        if isinstance(backend, ItsmeBackend):
            return backend, path
    raise ConfigurationError("ItsmeBackend is not in AUTHENTICATION_BACKENDS.")


def _unsupported(name: str) -> Callable[..., NoReturn]:
    def refuse(self: ItsmeBackend, *args: Any, **kwargs: Any) -> NoReturn:
        raise UnsupportedBackendPath(
            f"ItsmeBackend.{name} is a mozilla-django-oidc path django-itsme never uses: tokens "
            "are verified by django_itsme.core, users are linked by sub only."
        )

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Not used by django-itsme: raises :class:`UnsupportedBackendPath` ({name})."
    return refuse


class ItsmeBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Link users by ``sub`` for the itsme callback; refuse every other login."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # mozilla-django-oidc's __init__ reads its OIDC_* settings; ours come from ITSME.
        self.UserModel = get_user_model()
        self.request: HttpRequest | None = None

    # ------------------------------------------------------------------ entry points
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        """Log nobody in: ``django.contrib.auth.authenticate()`` (a password form, or
        mozilla-django-oidc's own callback view) never reaches itsme through here. The itsme
        callback verifies the tokens in the core and calls :meth:`sign_in`.

        :returns: None, always.
        """
        return

    async def aauthenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        """The async door of :meth:`authenticate`: logs nobody in either (Django's
        ``ModelBackend.aauthenticate``, inherited through mozilla-django-oidc, checked passwords).

        :returns: None, always.
        """
        return

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        """The session's user, as Django's ``ModelBackend`` finds it: None when it no longer
        exists or may not log in (``is_active`` False), so deactivating a user ends their
        sessions (mozilla-django-oidc's version kept inactive users logged in).

        :param user_id: the primary key stored in the session.
        :returns: the user, or None.
        """
        user: AbstractBaseUser | None = ModelBackend.get_user(self, user_id)
        return user

    async def aget_user(self, user_id: Any) -> AbstractBaseUser | None:
        """The async door of :meth:`get_user`, so a site's override serves both.

        :param user_id: the primary key stored in the session.
        :returns: the user, or None.
        """
        return await sync_to_async(self.get_user)(user_id)

    @sensitive_variables()
    def sign_in(
        self, request: HttpRequest, details: UserDetails, *, service: str, linking: bool
    ) -> Verification:
        """Find, create or link the user of a finished flow.

        :param request: the callback request.
        :param details: the verified details (:meth:`~django_itsme.core.ItsmeClient.finish_flow`).
        :param service: the flow's service.
        :param linking: an ``itsme:link`` flow (its owner was checked before the tokens).
        :returns: the user and what the flow changed.
        :raises ClaimValidationError: ``verify_claims`` refused (``invalid_claims``).
        :raises AccountError: no account, an inactive one, the ``sub`` of another account...
        """
        self.request = request
        claims = dict(details.claims)
        if not self.verify_claims(claims):
            raise ClaimValidationError(
                "The site refused the itsme claims (verify_claims).", claim="claims"
            )
        # One transaction: an inactive user or a failing update_user leaves nothing behind.
        with transaction.atomic():
            result = self.link(request, details) if linking else self.find_user(request, details)
            user = self.update_user(result.user, claims)
            if not self.user_can_authenticate(user):
                raise InactiveUser("The linked account is inactive.")
        return Verification(
            sender=type(self),
            user=user,
            identity=result.identity,
            details=details,
            service=service,
            created=result.created_user,
            link=result if linking else None,
        )

    @sensitive_variables()
    def find_user(self, request: HttpRequest, details: UserDetails) -> LinkResult:
        """``itsme:login``: the user of ``details.sub``, or a new one (see
        :func:`~django_itsme.identity.find_or_create_user`); never the logged-in user's link."""
        claims = dict(details.claims)
        return find_or_create_user(
            details.sub,
            acr=details.acr,
            create_users=get_settings().create_users,
            make_user=lambda: self.create_user(claims),
        )

    @sensitive_variables()
    def link(self, request: HttpRequest, details: UserDetails) -> LinkResult:
        """``itsme:link``: link ``details.sub`` to the logged-in user who started the flow (see
        :func:`~django_itsme.identity.link_to_user`; the owner was checked before the tokens)."""
        user = request.user
        if not isinstance(user, AbstractBaseUser):
            raise LinkUserChanged("Nobody is logged in to link this itsme identity to.")
        return link_to_user(details.sub, user=user, acr=details.acr)

    # ------------------------------------------------------------------ mozilla-django-oidc hooks
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """Decide whether these (already validated) claims may log in. Default: yes.

        Override to refuse, e.g. users under 18 (``claims.get("age_gte_18")``).
        """
        return True

    def get_username(self, claims: dict[str, Any]) -> str:
        """``itsme-<sub>``, unique: ``sub`` is unique per itsme account."""
        return unused_username((USERNAME_PREFIX + str(claims["sub"]))[:140])

    def create_user(self, claims: dict[str, Any]) -> AbstractBaseUser:
        """Create the local user for a first itsme login (``CREATE_USERS``).

        Only the username is set (the password is unusable). Names, e-mail and other shared data
        are left to the site (``update_user`` or the ``identity_verified`` signal): itsme's e-mail
        is not verified, so copying it could let a password reset reach the wrong person.
        """
        manager = self.UserModel._default_manager
        user: AbstractBaseUser = manager.create_user(  # type: ignore[attr-defined,unused-ignore]
            **{self.UserModel.USERNAME_FIELD: self.get_username(claims)}
        )
        return user

    def update_user(self, user: AbstractBaseUser, claims: dict[str, Any]) -> AbstractBaseUser:
        """Called on every itsme login with the validated claims. Default: change nothing."""
        return user


for _name in UNSUPPORTED:
    setattr(ItsmeBackend, _name, _unsupported(_name))
