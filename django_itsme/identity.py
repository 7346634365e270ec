"""A verified itsme identity -> a Django user, inside one transaction, linked by ``sub`` only.

Two doors, never mixed (D-MAP: ``sub`` is the only stable identifier of a person):

* :func:`find_or_create_user` serves ``itsme:login``: a known ``sub`` is its own user, an unknown
  one gets a new user (``CREATE_USERS``) or :class:`NoAccount`. It never links a ``sub`` to an
  existing account, whoever is logged in.
* :func:`link_to_user` serves ``itsme:link``: the user who explicitly asked (and is checked to be
  the one who started the flow) gets the ``sub``; a ``sub`` of another account is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Field
from django.utils import timezone

from .errors import AlreadyLinked, NoAccount
from .models import ItsmeIdentity

__all__ = [
    "LinkResult",
    "find_or_create_user",
    "link_to_user",
    "record_login",
    "unused_username",
]


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The user of an itsme flow, its identity, and what this flow changed.

    :ivar created_user: the user was created now (``CREATE_USERS``).
    :ivar linked: ``itsme:link`` linked the ``sub`` now (a first link or a re-link); False when
        the user already had this very ``sub``.
    :ivar previous_sub: the ``sub`` a re-link replaced, else None.
    """

    user: AbstractBaseUser
    identity: ItsmeIdentity
    created_user: bool = False
    linked: bool = False
    previous_sub: str | None = None


def find_or_create_user(
    sub: str,
    *,
    acr: str | None,
    create_users: bool,
    make_user: Callable[[], AbstractBaseUser],
) -> LinkResult:
    """The user of ``sub`` for a login: found, or created and linked, atomically.

    1. ``sub`` already linked: that user (whoever else is logged in is logged out by the login
       that follows, with their session: the itsme identity decides who this is).
    2. ``CREATE_USERS``: create a user with ``make_user`` and link it, in one transaction.
    3. Otherwise :class:`NoAccount`. Never a link to the logged-in user: that is
       :func:`link_to_user`'s job, through ``itsme:link`` only.

    A concurrent first login of the same ``sub`` cannot create two users: the unique ``sub``
    makes the second transaction fail, and it then returns the user the first one created.

    :param sub: the verified ``sub``.
    :param acr: the verified authentication level, stored as ``last_acr``.
    :param create_users: ``CREATE_USERS``.
    :param make_user: creates the local user (the backend's ``create_user`` hook).
    :returns: the user and identity; ``created_user`` tells whether they are new.
    :raises NoAccount: case 3.
    """
    now = timezone.now()
    level = acr or ""
    try:
        # get(), not first(): no ORDER BY (the model orders by last login), so the lookup is
        # the unique index on sub alone, however many identities there are.
        existing = ItsmeIdentity.objects.select_related("user").get(sub=sub)
    except ItsmeIdentity.DoesNotExist:
        existing = None
    if existing is not None:
        record_login(existing, now=now, level=level)
        return LinkResult(existing.user, existing)

    if not create_users:
        raise NoAccount("No local account is linked to this itsme identity.")

    try:
        with transaction.atomic():
            user = make_user()
            identity = ItsmeIdentity.objects.create(
                user=cast(Any, user), sub=sub, last_login_at=now, last_acr=level
            )
    except IntegrityError:
        # Another request linked ``sub`` between our lookup and our insert: use its user.
        identity = ItsmeIdentity.objects.select_related("user").get(sub=sub)
        return LinkResult(identity.user, identity)
    return LinkResult(user, identity, created_user=True)


def link_to_user(sub: str, *, user: AbstractBaseUser, acr: str | None) -> LinkResult:
    """Link ``sub`` to ``user``, who asked for it through ``itsme:link``, atomically.

    * ``sub`` already linked to ``user``: nothing changes (a no-op success, ``linked`` False).
    * ``sub`` linked to another account: :class:`AlreadyLinked`, nothing changes.
    * ``user`` has no identity: a first link. ``user`` has another ``sub``: a re-link, e.g.
      after re-creating the itsme account, which gets a new ``sub`` (D-MAP); the old ``sub`` is
      replaced and returned as ``previous_sub``.

    :param sub: the verified ``sub``.
    :param user: the logged-in user who started this link flow (checked by the caller).
    :param acr: the verified authentication level, stored as ``last_acr``.
    :returns: what changed.
    :raises AlreadyLinked: ``sub`` belongs to another account.
    """
    for _attempt in range(2):
        try:
            return _link_once(sub, user=user, level=acr or "")
        except IntegrityError:
            # A concurrent request linked ``sub``, or gave ``user`` an identity, meanwhile.
            winner = ItsmeIdentity.objects.filter(sub=sub).first()
            if winner is not None:
                if winner.user_id != user.pk:
                    raise AlreadyLinked(
                        "This itsme identity is linked to another account."
                    ) from None
                return LinkResult(user, winner)
    raise AlreadyLinked("This itsme identity could not be linked (concurrent changes).")


def _link_once(sub: str, *, user: AbstractBaseUser, level: str) -> LinkResult:
    now = timezone.now()
    with transaction.atomic():
        owner = ItsmeIdentity.objects.select_for_update().filter(sub=sub).first()
        if owner is not None:
            if owner.user_id != user.pk:
                raise AlreadyLinked("This itsme identity is linked to another account.")
            return LinkResult(user, owner)
        current = ItsmeIdentity.objects.select_for_update().filter(user=user.pk).first()
        if current is None:
            identity = ItsmeIdentity.objects.create(
                user=cast(Any, user), sub=sub, last_login_at=now, last_acr=level
            )
            return LinkResult(user, identity, linked=True)
        previous = current.sub
        current.sub, current.last_login_at, current.last_acr = sub, now, level
        current.save(update_fields=["sub", "last_login_at", "last_acr"])
        return LinkResult(user, current, linked=True, previous_sub=previous)


def record_login(identity: ItsmeIdentity, *, now: datetime, level: str) -> None:
    """Store the time and level of this login on ``identity`` (in the database and the object).

    The statement is written once per database alias from the model's own metadata, and
    its values go through the fields' own conversions: the same ``UPDATE ... WHERE pk`` the ORM
    would send, without compiling it again on every login (the compilation cost a login more
    than the statement itself; issue 12).
    """
    using = router.db_for_write(ItsmeIdentity, instance=identity)
    connection = connections[using]
    when_field, level_field = _LOGIN_FIELDS
    pk_field = ItsmeIdentity._meta.pk
    assert pk_field is not None  # every model has one
    sql = _RECORD_LOGIN_SQL.get(using)
    if sql is None:
        quote = connection.ops.quote_name
        table = ItsmeIdentity._meta.db_table
        names = (table, when_field.column, level_field.column, pk_field.column)
        sql = "UPDATE {} SET {} = %s, {} = %s WHERE {} = %s".format(  # noqa: S608 - names only
            *(quote(str(name)) for name in names)
        )
        _RECORD_LOGIN_SQL[using] = sql
    params = [
        when_field.get_db_prep_save(now, connection),
        level_field.get_db_prep_save(level, connection),
        pk_field.get_db_prep_save(identity.pk, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    identity.last_login_at, identity.last_acr = now, level


#: The statement of :func:`record_login`, by database alias.
_RECORD_LOGIN_SQL: dict[str, str] = {}
#: The fields :func:`record_login` writes.
_LOGIN_FIELDS = (
    cast("Field[Any, Any]", ItsmeIdentity._meta.get_field("last_login_at")),
    cast("Field[Any, Any]", ItsmeIdentity._meta.get_field("last_acr")),
)


def unused_username(base: str) -> str:
    """``base``, or ``base`` with a counter, that no user has yet."""
    model = get_user_model()
    field = model.USERNAME_FIELD
    candidate, counter = base, 1
    while model._default_manager.filter(**{field: candidate}).exists():
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate
