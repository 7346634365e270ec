"""Linking by sub: atomic creation, and a concurrent first login never makes two users."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from django_itsme.identity import NoAccount, link_identity
from django_itsme.models import ItsmeIdentity


def make(username: str) -> Any:
    return lambda: User.objects.create_user(username)


@pytest.mark.django_db(transaction=True)
def test_create_then_find() -> None:
    first = link_identity(
        "sub-1", acr="basic", current_user=None, create_users=True, make_user=make("u1")
    )
    assert first.created_user
    again = link_identity(
        "sub-1", acr="advanced", current_user=None, create_users=True, make_user=make("u2")
    )
    assert again.user == first.user
    assert not again.created_user
    assert ItsmeIdentity.objects.get().last_acr == "advanced"
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_account() -> None:
    with pytest.raises(NoAccount) as caught:
        link_identity(
            "sub-1", acr=None, current_user=None, create_users=False, make_user=make("u1")
        )
    assert caught.value.code == "no_account"
    assert User.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_user_factory_leaves_nothing() -> None:
    def broken() -> Any:
        User.objects.create_user("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        link_identity("sub-1", acr=None, current_user=None, create_users=True, make_user=broken)
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

    result = link_identity(
        "sub-1", acr=None, current_user=None, create_users=True, make_user=factory
    )
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
                link_identity(
                    "same-sub",
                    acr=None,
                    current_user=None,
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
def test_logged_in_user_links_and_relinks() -> None:
    ann = User.objects.create_user("ann")
    first = link_identity(
        "old", acr=None, current_user=ann, create_users=False, make_user=make("x")
    )
    assert (first.user, first.relinked) == (ann, False)
    second = link_identity(
        "new", acr=None, current_user=ann, create_users=False, make_user=make("x")
    )
    assert (second.user, second.relinked) == (ann, True)
    assert ItsmeIdentity.objects.get().sub == "new"
