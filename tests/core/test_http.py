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


@pytest.mark.attack
def test_a_cookie_from_one_call_is_not_sent_with_the_next() -> None:
    """The client serves every user of the site: whatever itsme (or a proxy in front of it)
    sets as a cookie on one call must not ride along with another user's call."""
    with PartnerHost() as host:
        url = host.publish("/token", "{}", headers=[("Set-Cookie", "lb=user-one; Path=/")])
        client = HttpClient()
        client.post_form(url, {"code": "first"}, error=ProviderError)
        client.post_form(url, {"code": "second"}, error=ProviderError)
        assert [h.get("Cookie") for h in host.headers] == [None, None]
        assert host.bodies == [b"code=first", b"code=second"]


def test_form_posts_carry_their_type_length_and_the_session_headers() -> None:
    with PartnerHost() as host:
        url = host.publish("/token", "{}")
        client = HttpClient()
        client.session.headers["X-Site"] = "bank"
        client.post_form(url, {"a": "1 2", "b": "é"}, error=ProviderError)
        sent = host.headers[0]
        assert sent["Content-Type"] == "application/x-www-form-urlencoded"
        assert sent["Content-Length"] == str(len(host.bodies[0]))
        assert (sent["User-Agent"], sent["X-Site"]) == (USER_AGENT, "bank")
        assert host.bodies == [b"a=1+2&b=%C3%A9"]


def test_redirects_are_returned_not_followed() -> None:
    with PartnerHost() as host:
        url = host.publish("/moved", "", status=302, headers=[("Location", "/elsewhere")])
        response = HttpClient().get(url, error=ProviderError, accept_statuses=(302,))
        assert response.status == 302
        assert host.hits == ["/moved"]
