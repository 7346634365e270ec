"""The HTTP client: timeouts, failures, size cap, and messages without secrets."""

from __future__ import annotations

import socket

import pytest

from django_itsme.core.errors import ProviderError, TransportError, TransportTimeout
from django_itsme.core.http import MAX_RESPONSE_BYTES, USER_AGENT, HttpClient, describe_url
from tests.partner_host import PartnerHost


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_get_and_user_agent() -> None:
    with PartnerHost() as host:
        url = host.publish("/doc", "{}")
        response = HttpClient().get(url, error=ProviderError)
        assert (response.status, response.body, response.content_type) == (
            200,
            b"{}",
            "application/json",
        )
        assert host.headers[0]["User-Agent"] == USER_AGENT


def test_connection_refused_is_a_transport_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/secret?code=SECRET"
    with pytest.raises(TransportError) as caught:
        HttpClient(timeout=2).get(url, error=ProviderError)
    assert "SECRET" not in str(caught.value)
    assert not isinstance(caught.value, TransportTimeout)


def test_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
        with pytest.raises(TransportTimeout, match=r"within 0\.3 s"):
            HttpClient(timeout=0.3).get(url, error=ProviderError)
    finally:
        listener.close()


def test_error_status_names_url_without_query() -> None:
    with PartnerHost() as host:
        with pytest.raises(ProviderError) as caught:
            HttpClient().get(host.url + "/missing?token=SECRET", error=ProviderError)
        assert caught.value.status == 404
        assert "SECRET" not in str(caught.value)
        assert str(caught.value).endswith("/missing answered HTTP 404.")


def test_accepted_statuses_are_returned() -> None:
    with PartnerHost() as host:
        response = HttpClient().get(host.url + "/x", error=ProviderError, accept_statuses=(404,))
        assert response.status == 404


def test_oversized_body_is_refused() -> None:
    with PartnerHost() as host:
        url = host.publish("/big", b"x" * (MAX_RESPONSE_BYTES + 1))
        with pytest.raises(ProviderError, match="more than"):
            HttpClient().get(url, error=ProviderError)


def test_describe_url() -> None:
    assert describe_url("https://a.test:8443/p/q?code=1#f") == "https://a.test:8443/p/q"
