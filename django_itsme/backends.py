"""The authentication backend: mozilla-django-oidc's hooks, the core's token work.

:class:`ItsmeBackend` keeps the extension points of
``mozilla_django_oidc.auth.OIDCAuthenticationBackend`` that a site knows (``verify_claims``,
``filter_users_by_claims``, ``create_user``, ``get_username``, ``update_user``,
``describe_user_by_claims``, ``get_user``) and replaces its token path: mozilla-django-oidc checks
neither ``aud`` nor ``iss``, fetches the JWKS on every login and knows no encrypted tokens, so
every token is handled by :mod:`django_itsme.core` instead.

It authenticates only when called with the callback's parameters and the flow stored at its start
(``authenticate(request, itsme_callback=..., itsme_flow=...)``); a username/password login passes
it by. Every failure raises an :class:`~django_itsme.core.errors.ItsmeError` for the callback view
to turn into a friendly page; nothing is written to the database before the tokens are valid.

A flow started by ``itsme:login`` finds or creates the ``sub``'s own user (:meth:`find_user`),
never the one who happens to be logged in; only a flow started by ``itsme:link`` links, and only
for the user who started it (:meth:`link`). Every method that sees the flow, the code or the
tokens hides its variables from Django's error reports (``sensitive_variables``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .client import get_client
from .conf import get_settings
from .core.client import UserDetails
from .core.errors import ClaimValidationError, ItsmeError
from .flows import LINK_KEY, LinkUserChanged, check_link_owner
from .identity import LinkResult, find_or_create_user, link_to_user, unused_username
from .logsafe import quote_for_log
from .models import ItsmeIdentity
from .signals import identity_linked, identity_verified

__all__ = ["InactiveUser", "ItsmeBackend"]

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
    """What a successful itsme flow proved, for the ``identity_verified`` signal."""

    sender: type[ItsmeBackend]
    identity: ItsmeIdentity
    details: UserDetails
    service: str
    created: bool
    link: LinkResult | None = None

    def send(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Announce the flow: ``identity_linked`` for a link flow, else ``identity_verified``.

        A login flow's signal is sent after ``login()``; a link flow logs nobody in, and
        announces (with one INFO line) only a link that changed something.
        """
        if self.link is not None:
            if self.link.linked:
                self._announce_link(request, user, self.link)
            return
        identity_verified.send(
            sender=self.sender,
            request=request,
            user=user,
            identity=self.identity,
            details=self.details,
            service=self.service,
            created=self.created,
        )

    def _announce_link(
        self, request: HttpRequest, user: AbstractBaseUser, link: LinkResult
    ) -> None:
        logger.info(
            "itsme identity %s: user=%s sub=%s previous_sub=%s service=%s",
            "re-linked" if link.previous_sub else "linked",
            quote_for_log(str(user.pk)),
            describe_sub(link.identity.sub),
            describe_sub(link.previous_sub),
            quote_for_log(self.service),
        )
        identity_linked.send(
            sender=self.sender,
            request=request,
            user=user,
            identity=self.identity,
            previous_sub=link.previous_sub,
            service=self.service,
            details=self.details,
        )


class InactiveUser(ItsmeError):
    """The linked user exists but is not allowed to log in (``is_active`` is False)."""

    code = "inactive_user"


class ItsmeBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Log users in with itsme; link them by ``sub``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # mozilla-django-oidc's __init__ reads its OIDC_* settings; ours come from ITSME.
        self.UserModel = get_user_model()
        self.request: HttpRequest | None = None

    # ------------------------------------------------------------------ entry point
    @sensitive_variables()
    def authenticate(
        self,
        request: HttpRequest | None,
        itsme_callback: Mapping[str, str] | None = None,
        itsme_flow: Mapping[str, Any] | None = None,
    ) -> AbstractBaseUser | None:
        """Finish an itsme flow.

        :param request: the callback request.
        :param itsme_callback: the callback's query parameters.
        :param itsme_flow: the flow saved when it started (see :mod:`django_itsme.flows`).
        :returns: the user, or None when these are not itsme credentials.
        :raises ItsmeError: the flow failed (denied, invalid token, provider down, no account,
            a link flow whose owner is not the user logged in now, a ``sub`` linked to another
            account...).
        """
        if request is None or itsme_callback is None or itsme_flow is None:
            return None
        self.request = request
        linking = LINK_KEY in itsme_flow
        if linking:  # before anything is redeemed: the flow's owner must still be logged in
            check_link_owner(itsme_flow, request.user)
        client = get_client()
        code = client.parse_callback(itsme_callback, expected_state=str(itsme_flow["state"]))
        details = client.get_user_details(
            code,
            redirect_uri=str(itsme_flow["redirect_uri"]),
            nonce=str(itsme_flow["nonce"]),
            code_verifier=str(itsme_flow["code_verifier"]),
            service=str(itsme_flow["service"]),
            expected_sub=itsme_flow.get("expected_sub"),
        )
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
        # The callback view sends identity_verified with this once the user is logged in, so a
        # receiver's session writes survive login()'s session flush.
        user.itsme_verification = Verification(  # type: ignore[attr-defined]
            sender=type(self),
            identity=result.identity,
            details=details,
            service=str(itsme_flow["service"]),
            created=result.created_user,
            link=result if linking else None,
        )
        return user

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

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        """The users linked to ``claims["sub"]``: never matched by e-mail or name (D-MAP)."""
        sub = claims.get("sub")
        if not sub:
            return self.UserModel._default_manager.none()
        return self.UserModel._default_manager.filter(itsme_identity__sub=sub)

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        """A log-safe description: the first characters of ``sub`` only."""
        return f"itsme sub {str(claims.get('sub', ''))[:SUB_LOG_PREFIX]}…"

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
