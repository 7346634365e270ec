"""A verified itsme identity -> a Django user, inside one transaction, linked by ``sub`` only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from .core.errors import ItsmeError
from .models import ItsmeIdentity

__all__ = ["LinkResult", "NoAccount", "link_identity"]


class NoAccount(ItsmeError):
    """The ``sub`` is linked to no user and ``CREATE_USERS`` is off."""

    code = "no_account"


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The user an itsme flow logs in, its identity link, and whether either was created now."""

    user: AbstractBaseUser
    identity: ItsmeIdentity
    created_user: bool
    relinked: bool


def link_identity(
    sub: str,
    *,
    acr: str | None,
    current_user: AbstractBaseUser | None,
    create_users: bool,
    make_user: Callable[[], AbstractBaseUser],
) -> LinkResult:
    """Find, link or create the user for ``sub``, atomically.

    1. ``sub`` already linked: that user (if someone else is logged in, they are logged out by the
       login that follows: the itsme identity decides who this is).
    2. Someone is logged in and ``sub`` is new: link ``sub`` to them (a first link, or a re-link
       after the itsme account was re-created: the stored ``sub`` is overwritten, D-MAP).
    3. ``CREATE_USERS``: create a user with ``make_user`` and link it, in one transaction.
    4. Otherwise :class:`NoAccount`.

    A concurrent first login of the same ``sub`` cannot create two users: the unique ``sub``
    makes the second transaction fail, and it then returns the user the first one created.

    :raises NoAccount: case 4.
    """
    now = timezone.now()
    level = acr or ""
    existing = ItsmeIdentity.objects.select_related("user").filter(sub=sub).first()
    if existing is not None:
        ItsmeIdentity.objects.filter(pk=existing.pk).update(last_login_at=now, last_acr=level)
        existing.last_login_at, existing.last_acr = now, level
        return LinkResult(existing.user, existing, created_user=False, relinked=False)

    if current_user is not None and current_user.is_authenticated:
        try:
            with transaction.atomic():
                identity, created = ItsmeIdentity.objects.update_or_create(
                    user=cast(Any, current_user),
                    defaults={"sub": sub, "last_login_at": now, "last_acr": level},
                )
        except IntegrityError:
            return _linked_meanwhile(sub)
        return LinkResult(current_user, identity, created_user=False, relinked=not created)

    if not create_users:
        raise NoAccount("No local account is linked to this itsme identity.")

    try:
        with transaction.atomic():
            user = make_user()
            identity = ItsmeIdentity.objects.create(
                user=cast(Any, user), sub=sub, last_login_at=now, last_acr=level
            )
    except IntegrityError:
        return _linked_meanwhile(sub)
    return LinkResult(user, identity, created_user=True, relinked=False)


def _linked_meanwhile(sub: str) -> LinkResult:
    """Another request linked ``sub`` between our lookup and our insert: use its user."""
    identity = ItsmeIdentity.objects.select_related("user").get(sub=sub)
    return LinkResult(identity.user, identity, created_user=False, relinked=False)


def unused_username(base: str) -> str:
    """``base``, or ``base`` with a counter, that no user has yet."""
    model = get_user_model()
    field = model.USERNAME_FIELD
    candidate, counter = base, 1
    while model._default_manager.filter(**{field: candidate}).exists():
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate
