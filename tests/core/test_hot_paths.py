"""What a login does every time stays cheap: parsed provider metadata is reused, and the proxy
environment is read once, when the HTTP client is made (issue 12, "A login near its floor")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from django_itsme.core import MemoryCache
from django_itsme.core.discovery import cache_key
from django_itsme.core.errors import ProviderError
from django_itsme.core.http import HttpClient
from django_itsme.simulator import Simulator
from tests.core.conftest import follow, make_client
from tests.partner_host import PartnerHost

pytestmark = pytest.mark.simulator


def test_provider_metadata_is_parsed_once_per_fetched_document(simulator: Simulator) -> None:
    cache = MemoryCache()
    client = make_client(simulator, cache=cache)
    first = client.provider_metadata()
    auth = client.build_authentication_request("login")
    client.get_user_details(
        client.parse_callback(follow(auth).params, expected_state=auth.state),
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service="login",
    )
    # The same parsed object all along: its URL checks ran once, for the one fetch.
    assert client.provider_metadata() is first

    # Another worker stored a newer document in the shared cache: it is parsed (and checked).
    key = cache_key("discovery", simulator.issuer)
    changed = {**first.raw, "token_endpoint": simulator.issuer + "/token?v=2"}
    cache.set(key, changed)
    assert client.provider_metadata().token_endpoint == simulator.issuer + "/token?v=2"
    # An unsafe endpoint in the cache is still refused: dropped, and fetched again.
    cache.set(key, {**first.raw, "token_endpoint": "ftp://elsewhere.example/token"})
    assert client.provider_metadata().token_endpoint == first.token_endpoint


@pytest.fixture
def proxy() -> Iterator[PartnerHost]:
    """A loopback stand-in for a forward proxy: it answers requests for absolute URLs."""
    with PartnerHost() as host:
        host.publish("http://itsme.invalid/doc", "{}")
        yield host


def test_proxy_environment_is_read_when_the_client_is_made(
    proxy: PartnerHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    through_proxy = HttpClient(timeout=5)
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("http_proxy")

    # Configured proxies keep working, although the environment changed since.
    answer = through_proxy.get("http://itsme.invalid/doc", error=ProviderError)
    assert (answer.status, answer.body) == (200, b"{}")
    assert proxy.hits == ["http://itsme.invalid/doc"]
    # ... and the environment is no longer read on each call.
    assert through_proxy.session.trust_env is False
    assert through_proxy.proxies == {"http": proxy.url}


def test_no_proxy_hosts_are_reached_directly(
    proxy: PartnerHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PartnerHost() as direct:
        url = direct.publish("/doc", "{}")
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "localhost, .example.org,127.0.0.1")
        client = HttpClient(timeout=5)
        assert client.get(url, error=ProviderError).status == 200
        assert direct.hits == ["/doc"]
        assert proxy.hits == []


class CountingCache(MemoryCache):
    """A shared cache that counts its reads by kind (each is a round trip with Redis)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def get(self, key: str, default: Any = None) -> Any:
        self.reads[key.split(":")[1]] += 1
        return super().get(key, default)


def test_each_step_reads_the_discovery_document_once(simulator: Simulator) -> None:
    # With Redis every read is a round trip: a step reads the discovery document once and
    # passes it along, instead of once per property it needs.
    cache = CountingCache()
    client = make_client(simulator, cache=cache)
    client.provider_keys().encryption_key()  # warm: discovery and keys fetched and stored
    cache.reads.clear()
    auth = client.build_authentication_request("login")
    assert cache.reads["discovery"] == 1
    params = follow(auth).params
    cache.reads.clear()
    client.finish_flow(auth.pending(), params)
    assert cache.reads["discovery"] == 1


@pytest.mark.parametrize("service", ["login", "share"])
def test_each_step_reads_itsme_keys_once(simulator: Simulator, service: str) -> None:
    # The same for itsme's key set: the ID token (and userinfo, when it is read) are verified,
    # and the key kept with the details, from one read of the set.
    cache = CountingCache()
    client = make_client(simulator, cache=cache)
    client.provider_keys().encryption_key()
    cache.reads.clear()
    auth = client.build_authentication_request(service)
    assert cache.reads["jwks"] == 1
    params = follow(auth).params
    cache.reads.clear()
    details = client.finish_flow(auth.pending(), params, fetch_userinfo=service == "share")
    assert cache.reads["jwks"] == 1
    assert details.signing_key["kid"] == details.id_token.header["kid"]
    assert "d" not in details.signing_key
