"""The "plain http only on loopback" guard judges the host the HTTP client connects to.

Security review (issue 9 §3): ``urllib.parse`` and ``requests``/``urllib3`` disagree on URLs with
a backslash or userinfo (``http://evil.example\\@127.0.0.1/``: Python's parser sees 127.0.0.1,
requests connects to evil.example). Such URLs are refused everywhere a URL decides where we
connect: the issuer, the discovery endpoints, ``request_uri`` and the HTTP client itself. The
listeners below prove where a connection would go using a second loopback address (127.0.0.2);
no test sends anything outside 127.0.0.0/8.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from django_itsme.core.authorize import check_request_uri
from django_itsme.core.cache import MemoryCache
from django_itsme.core.config import parse_config
from django_itsme.core.discovery import ProviderMetadata, get_provider_metadata
from django_itsme.core.environments import is_loopback_url, issuer_problem
from django_itsme.core.errors import ConfigurationError, DiscoveryError, ProviderError
from django_itsme.core.http import HttpClient
from tests import keyfiles
from tests.partner_host import PartnerHost

#: URLs whose host differs between urllib.parse and urllib3 (what requests connects to), or that
#: carry userinfo, whitespace or control characters.
AMBIGUOUS = [
    "http://evil.example\\@127.0.0.1/v2",
    "http://127.0.0.1\\@evil.example/v2",
    "http://user@127.0.0.1@evil.example/v2",
    "http://user@127.0.0.1/v2",
    "http://user:pw@127.0.0.1/v2",
    "http://@127.0.0.1/v2",
    "http://127.0.0.1\\evil.example/v2",
    "http://127.0.0.1 /v2",
    "http://127.0.0.1\t/v2",
    "http://127.0.0.1/v2\n",
    "http://127.0.0.1/v\x002",
    "http://127.0.0.1/v2\x7f",
    "http://\uff4cocalhost/v2",  # fullwidth l
]


class Listener:
    """A TCP listener on a loopback address that records whether anyone connected."""

    def __init__(self, host: str) -> None:
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = int(self.sock.getsockname()[1])

    def connected(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except TimeoutError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def elsewhere() -> Iterator[Listener]:
    """Stands for "another host": a loopback address that is not the one the guard was shown."""
    listener = Listener("127.0.0.2")
    yield listener
    listener.close()


def settings(environment: str) -> dict[str, Any]:
    return {
        "CLIENT_ID": "OIDC_TEST",
        "ENVIRONMENT": environment,
        "PRIVATE_JWKS": keyfiles.RP_PRIVATE,
        "SERVICES": {"login": {"CODE": "TEST_LOGIN"}},
    }


@pytest.mark.attack
@pytest.mark.parametrize("url", AMBIGUOUS)
def test_ambiguous_urls_are_not_loopback(url: str) -> None:
    assert is_loopback_url(url) is False
    from django_itsme.core.environments import connection_host

    assert connection_host(url) is None


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8000/v2", "127.0.0.1"),
        ("http://LOCALHOST:8000/v2", "localhost"),
        ("http://[::1]:8000/v2", "::1"),
        ("https://idp.prd.itsme.services/v2", "idp.prd.itsme.services"),
        ("https://example.be:443/r?x=1", "example.be"),
    ],
)
def test_connection_host_of_plain_urls(url: str, host: str) -> None:
    from django_itsme.core.environments import connection_host

    assert connection_host(url) == host


@pytest.mark.attack
@pytest.mark.parametrize("url", AMBIGUOUS[:3])
def test_ambiguous_issuer_is_refused_with_e004(url: str) -> None:
    assert issuer_problem(url) is not None
    _config, problems = parse_config(settings(url))
    assert [p.id for p in problems] == ["E004"]


def test_plain_http_elsewhere_is_e005_and_loopback_is_fine() -> None:
    _config, problems = parse_config(settings("http://idp.example.test/v2"))
    assert [p.id for p in problems] == ["E005"]
    assert parse_config(settings("http://127.0.0.1:9/v2"))[1] == []


@pytest.mark.attack
def test_ambiguous_issuer_never_reaches_another_host(elsewhere: Listener) -> None:
    # The guard would see 127.0.0.1:9; requests would connect to 127.0.0.2:<port>.
    issuer = f"http://127.0.0.2:{elsewhere.port}\\@127.0.0.1:9/v2"
    config, problems = parse_config(settings(issuer))
    assert config is None
    assert [p.id for p in problems] == ["E004"]
    with pytest.raises(ProviderError):
        HttpClient(timeout=2).get(issuer + "/.well-known/openid-configuration", error=ProviderError)
    assert not elsewhere.connected()


@pytest.mark.attack
@pytest.mark.parametrize("name", ["token_endpoint", "jwks_uri", "userinfo_endpoint"])
def test_ambiguous_discovery_endpoints_are_refused(name: str, elsewhere: Listener) -> None:
    with PartnerHost() as host:
        issuer = host.url + "/v2"
        doc = {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorization",
            "token_endpoint": issuer + "/token",
            "userinfo_endpoint": issuer + "/userinfo",
            "jwks_uri": issuer + "/jwkSet",
        }
        doc[name] = f"http://127.0.0.2:{elsewhere.port}\\@{host.url[7:]}/v2/x"
        host.publish("/v2/.well-known/openid-configuration", json.dumps(doc))
        with pytest.raises(DiscoveryError, match=name):
            get_provider_metadata(issuer, http=HttpClient(), cache=MemoryCache())


@pytest.mark.attack
@pytest.mark.parametrize(
    "endpoint",
    ["https://idp.example.test\\@evil.example/token", "https://user@idp.example.test/token"],
)
def test_ambiguous_https_endpoints_are_refused(endpoint: str) -> None:
    issuer = "https://idp.example.test/v2"
    doc = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/authorization",
        "token_endpoint": endpoint,
        "userinfo_endpoint": issuer + "/userinfo",
        "jwks_uri": issuer + "/jwkSet",
    }
    with pytest.raises(DiscoveryError, match="token_endpoint"):
        ProviderMetadata.from_document(doc, issuer=issuer)


@pytest.mark.attack
@pytest.mark.parametrize(
    ("uri", "issuer"),
    [
        ("http://evil.example\\@127.0.0.1:8000/r/x", "http://127.0.0.1:9/v2"),
        ("http://user@127.0.0.1@evil.example:8000/r/x", "http://127.0.0.1:9/v2"),
        ("https://evil.example\\@example.be:443/r/x", "https://idp.prd.itsme.services/v2"),
        ("https://user@example.be:443/r/x", "https://idp.prd.itsme.services/v2"),
        ("https://example.be:443/r/x\n", "https://idp.prd.itsme.services/v2"),
    ],
)
def test_ambiguous_request_uri_is_refused(uri: str, issuer: str) -> None:
    with pytest.raises(ConfigurationError):
        check_request_uri(uri, issuer=issuer)


@pytest.mark.attack
def test_the_http_client_refuses_ambiguous_urls(elsewhere: Listener) -> None:
    url = f"http://127.0.0.2:{elsewhere.port}\\@127.0.0.1:9/x?code=SECRET"
    with pytest.raises(ProviderError) as caught:
        HttpClient(timeout=2).get(url, error=ProviderError)
    assert "SECRET" not in str(caught.value)
    assert not elsewhere.connected()
