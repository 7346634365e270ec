"""The simulator caches a partner's JWKS like itsme (D-AUTH "Key rotation procedure"): 30 minutes
to 24 hours, honouring ``max-age`` in between, no refetch for an unknown ``kid``; ``clear``
forces a refetch. A fake clock moves time; a loopback server counts the fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from django_itsme.simulator import RegisteredClient
from django_itsme.simulator.registry import (
    ITSME_CACHE_MAX,
    ITSME_CACHE_MIN,
    JWKS_MAX_AGE,
    ClientKeyStore,
    KeyFetchError,
)
from tests import keyfiles
from tests.partner_host import PartnerHost

T0 = 1_800_000_000.0


class JwksHost:
    """Serves one JWKS at /jwks.json of a partner host with a chosen ``Cache-Control``; counts
    GETs."""

    path = "/jwks.json"

    def __init__(self, host: PartnerHost) -> None:
        self._host = host
        self.url = host.url + self.path
        self.cache_control = ""

    @property
    def cache_control(self) -> str:
        return self._cache_control

    @cache_control.setter
    def cache_control(self, value: str) -> None:
        self._cache_control = value
        body = json.dumps(keyfiles.public(keyfiles.RP_PRIVATE))
        self._host.publish(self.path, body, headers=[("Cache-Control", value)] if value else [])

    @property
    def fetches(self) -> int:
        return self._host.hits.count(self.path)


@pytest.fixture(scope="module")
def jwks_host() -> Iterator[JwksHost]:
    with PartnerHost() as host:
        yield JwksHost(host)


class Clock:
    now = T0

    def __call__(self) -> float:
        return self.now


def itsme_store(clock: Clock) -> ClientKeyStore:
    store = ClientKeyStore(clock)
    store.cache_like_itsme()
    return store


@pytest.mark.parametrize(
    ("cache_control", "lifetime"),
    [
        ("public, max-age=3600", 3600.0),
        ("max-age=60", ITSME_CACHE_MIN),  # itsme keeps it at least 30 minutes
        ("max-age=999999", ITSME_CACHE_MAX),  # and at most a day
        ("", ITSME_CACHE_MAX),
        ("no-cache", ITSME_CACHE_MIN),
    ],
)
def test_cache_lifetime_like_itsme(
    jwks_host: JwksHost, cache_control: str, lifetime: float
) -> None:
    jwks_host.cache_control = cache_control
    clock = Clock()
    store = itsme_store(clock)
    before = jwks_host.fetches
    store.keys(jwks_host.url)
    assert store.expires_at(jwks_host.url) == T0 + lifetime
    clock.now = T0 + lifetime - 1
    store.keys(jwks_host.url)
    assert jwks_host.fetches == before + 1
    clock.now = T0 + lifetime
    store.keys(jwks_host.url)
    assert jwks_host.fetches == before + 2


def test_clear_forces_a_refetch(jwks_host: JwksHost) -> None:
    jwks_host.cache_control = "max-age=3600"
    store = itsme_store(Clock())
    before = jwks_host.fetches
    store.keys(jwks_host.url)
    store.keys(jwks_host.url)
    store.clear()
    store.keys(jwks_host.url)
    assert jwks_host.fetches == before + 2


def test_unknown_kid_is_not_refetched_like_itsme(jwks_host: JwksHost) -> None:
    jwks_host.cache_control = "max-age=3600"
    client = RegisteredClient(client_id="C", jwks_uri=jwks_host.url)
    store = itsme_store(Clock())
    before = jwks_host.fetches
    assert store.signing_key(client, "rp-sig-1").get("kid") == "rp-sig-1"
    with pytest.raises(KeyFetchError):
        store.signing_key(client, "rp2-sig-1")
    assert jwks_host.fetches == before + 1


def test_default_cache_stays_short_and_refetches_an_unknown_kid(jwks_host: JwksHost) -> None:
    jwks_host.cache_control = "max-age=3600"
    client = RegisteredClient(client_id="C", jwks_uri=jwks_host.url)
    clock = Clock()
    store = ClientKeyStore(clock)
    before = jwks_host.fetches
    store.keys(jwks_host.url)
    assert store.expires_at(jwks_host.url) == T0 + JWKS_MAX_AGE
    with pytest.raises(KeyFetchError):
        store.signing_key(client, "rp2-sig-1")
    assert jwks_host.fetches == before + 2
    # Switching back and forth empties the cache.
    store.cache_like_itsme()
    assert store.expires_at(jwks_host.url) is None
    store.cache_like_itsme(enabled=False)
    store.keys(jwks_host.url)
    assert store.expires_at(jwks_host.url) == T0 + JWKS_MAX_AGE
