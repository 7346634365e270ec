"""Linking by sub: atomic creation, a concurrent first login never makes two users, a login never
links to someone else, and an explicit link never takes a sub from another account."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from django_itsme.errors import AlreadyLinked, NoAccount
from django_itsme.identity import find_or_create_user, link_to_user, record_login
from django_itsme.models import ItsmeIdentity


def make(username: str) -> Any:
    return lambda: User.objects.create_user(username)


@pytest.mark.django_db(transaction=True)
def test_create_then_find() -> None:
    first = find_or_create_user("sub-1", acr="basic", create_users=True, make_user=make("u1"))
    assert first.created_user
    again = find_or_create_user("sub-1", acr="advanced", create_users=True, make_user=make("u2"))
    assert again.user == first.user
    assert not again.created_user
    assert ItsmeIdentity.objects.get().last_acr == "advanced"
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_account() -> None:
    with pytest.raises(NoAccount) as caught:
        find_or_create_user("sub-1", acr=None, create_users=False, make_user=make("u1"))
    assert caught.value.code == "no_account"
    assert User.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_user_factory_leaves_nothing() -> None:
    def broken() -> Any:
        User.objects.create_user("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        find_or_create_user("sub-1", acr=None, create_users=True, make_user=broken)
    assert User.objects.count() == 0
    assert ItsmeIdentity.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_race_lost_between_lookup_and_insert_returns_the_winner() -> None:
    winner = User.objects.create_user("winner")

    def other_worker() -> None:
        ItsmeIdentity.objects.create(user=winner, sub="sub-1")
        connection.close()

    def factory() -> Any:
        # Another worker links the same sub, and commits, after our lookup missed it.
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join()
        return User.objects.create_user("loser")

    result = find_or_create_user("sub-1", acr=None, create_users=True, make_user=factory)
    assert result.user == winner
    assert not result.created_user
    assert list(User.objects.values_list("username", flat=True)) == ["winner"]
    assert ItsmeIdentity.objects.get().user == winner


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_logins_make_one_user() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the PostgreSQL run exercises real concurrency")
    barrier = threading.Barrier(4)
    results: list[Any] = []
    errors: list[BaseException] = []

    def factory(name: str) -> Any:
        def build() -> Any:
            user = User.objects.create_user(name)
            barrier.wait(timeout=10)  # every worker is inside its transaction now
            return user

        return build

    def worker(index: int) -> None:
        try:
            results.append(
                find_or_create_user(
                    "same-sub",
                    acr=None,
                    create_users=True,
                    make_user=factory(f"user{index}"),
                )
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.user.pk for r in results}) == 1
    assert User.objects.count() == 1
    assert sum(r.created_user for r in results) == 1


@pytest.mark.django_db(transaction=True)
def test_explicit_link_then_relink() -> None:
    ann = User.objects.create_user("ann")
    first = link_to_user("old", user=ann, acr="basic")
    assert (first.user, first.linked, first.previous_sub) == (ann, True, None)
    second = link_to_user("new", user=ann, acr="advanced")
    assert (second.user, second.linked, second.previous_sub) == (ann, True, "old")
    identity = ItsmeIdentity.objects.get()
    assert (identity.user, identity.sub, identity.last_acr) == (ann, "new", "advanced")


@pytest.mark.django_db(transaction=True)
def test_linking_the_same_sub_again_changes_nothing() -> None:
    ann = User.objects.create_user("ann")
    link_to_user("same", user=ann, acr="basic")
    before = ItsmeIdentity.objects.values().get()
    again = link_to_user("same", user=ann, acr="advanced")
    assert (again.linked, again.previous_sub) == (False, None)
    assert ItsmeIdentity.objects.values().get() == before


@pytest.mark.django_db(transaction=True)
def test_a_sub_of_another_account_is_never_moved() -> None:
    owner = User.objects.create_user("owner")
    ItsmeIdentity.objects.create(user=owner, sub="taken")
    ann = User.objects.create_user("ann")
    ItsmeIdentity.objects.create(user=ann, sub="ann-sub")
    with pytest.raises(AlreadyLinked) as caught:
        link_to_user("taken", user=ann, acr=None)
    assert caught.value.code == "already_linked"
    assert sorted(ItsmeIdentity.objects.values_list("user__username", "sub")) == [
        ("ann", "ann-sub"),
        ("owner", "taken"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_login_never_links_an_unknown_sub_to_an_existing_user() -> None:
    ann = User.objects.create_user("ann")
    ItsmeIdentity.objects.create(user=ann, sub="ann-sub")
    result = find_or_create_user(
        "someone-else", acr=None, create_users=True, make_user=make("new-user")
    )
    assert result.user != ann
    assert result.created_user
    assert ItsmeIdentity.objects.get(user=ann).sub == "ann-sub"
    with pytest.raises(NoAccount):
        find_or_create_user("a-third", acr=None, create_users=False, make_user=make("x"))


@pytest.mark.django_db(transaction=True)
def test_a_login_records_its_time_and_level_on_its_identity_only() -> None:
    """The prepared UPDATE of ``record_login`` writes what the ORM would, on one row."""
    first = find_or_create_user("sub-1", acr="basic", create_users=True, make_user=make("u1"))
    other = find_or_create_user("sub-2", acr="basic", create_users=True, make_user=make("u2"))
    before = ItsmeIdentity.objects.get(sub="sub-2").last_login_at
    when = datetime(2020, 2, 29, 23, 5, 7, 123456, tzinfo=UTC)
    record_login(first.identity, now=when, level="advanced")
    stored = ItsmeIdentity.objects.get(sub="sub-1")
    assert (stored.last_login_at, stored.last_acr) == (when, "advanced")
    assert (first.identity.last_login_at, first.identity.last_acr) == (when, "advanced")
    untouched = ItsmeIdentity.objects.get(sub="sub-2")
    assert (untouched.last_login_at, untouched.last_acr) == (before, "basic")
    assert other.identity.pk == untouched.pk
    again = find_or_create_user("sub-1", acr=None, create_users=True, make_user=make("u3"))
    assert again.identity.last_acr == ""
    assert ItsmeIdentity.objects.get(sub="sub-1").last_acr == ""
    assert ItsmeIdentity.objects.get(sub="sub-1").last_login_at > when
