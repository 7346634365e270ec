"""One HTTP session for every call to itsme, with a timeout, a User-Agent and a size cap.

Every request failure becomes a :class:`~.errors.TransportError`; every HTTP error status becomes
the :class:`~.errors.ProviderError` subclass the caller names. Messages carry the URL's host and
path and the status, never a response body, a header value or a query string (they can hold codes
and tokens).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from django_itsme import __version__

from .errors import ProviderError, TransportError, TransportTimeout

__all__ = ["DEFAULT_TIMEOUT", "MAX_RESPONSE_BYTES", "HttpClient", "Response"]

#: Seconds to wait for itsme to connect and to answer. Logins are interactive: a user waiting more
#: than a few seconds on the callback page retries anyway, and workers must not hang.
DEFAULT_TIMEOUT = 10.0
#: The largest body we read. A nested ID token with a photo is tens of kilobytes; anything near
#: this size is not an itsme answer.
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = f"django-itsme/{__version__} (+https://pypi.org/project/django-itsme/)"


class Response:
    """The parts of an HTTP answer the core reads: status, content type, body."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(self, status: int, content_type: str, body: bytes, headers: Mapping[str, str]):
        self.status = status
        self.content_type = content_type
        self.body = body
        self.headers = headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def describe_url(url: str) -> str:
    """The host and path of ``url``, without query string: safe to show in an error."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class HttpClient:
    """The single place the core speaks HTTP.

    :param timeout: seconds for connecting and for reading, on every call.
    :param session: a ``requests.Session`` to reuse (connection pooling); one is made otherwise.
    """

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, session: requests.Session | None = None
    ) -> None:
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["User-Agent"] = USER_AGENT

    def get(
        self,
        url: str,
        *,
        error: type[ProviderError],
        headers: Mapping[str, str] | None = None,
        accept_statuses: tuple[int, ...] = (200,),
    ) -> Response:
        """GET ``url``.

        :param error: the ProviderError subclass raised for an unexpected status.
        :param accept_statuses: statuses returned to the caller instead of raising.
        :raises TransportError: on network failure or timeout.
        :raises ProviderError: (``error``) on any other status or an oversized body.
        """
        return self._send("GET", url, error=error, headers=headers, accept=accept_statuses)

    def post_form(
        self,
        url: str,
        data: Mapping[str, str],
        *,
        error: type[ProviderError],
        accept_statuses: tuple[int, ...] = (200,),
    ) -> Response:
        """POST ``data`` as ``application/x-www-form-urlencoded`` (D-AUTH "Token Request")."""
        return self._send("POST", url, error=error, data=data, accept=accept_statuses)

    def _send(
        self,
        method: str,
        url: str,
        *,
        error: type[ProviderError],
        accept: tuple[int, ...],
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Response:
        where = describe_url(url)
        kwargs: dict[str, Any] = {"timeout": self.timeout, "stream": True, "allow_redirects": False}
        if headers:
            kwargs["headers"] = dict(headers)
        if data is not None:
            kwargs["data"] = dict(data)
        try:
            with self.session.request(method, url, **kwargs) as answer:
                body = _read_capped(answer)
                status = answer.status_code
                content_type = answer.headers.get("Content-Type", "")
                answer_headers = dict(answer.headers)
        except requests.Timeout as exc:
            raise TransportTimeout(
                f"{method} {where} did not answer within {self.timeout:g} s."
            ) from exc
        except requests.RequestException as exc:
            raise TransportError(f"{method} {where} failed: {type(exc).__name__}.") from exc
        if body is None:
            raise error(f"{method} {where} answered more than {MAX_RESPONSE_BYTES} bytes.")
        if status not in accept:
            raise error(f"{method} {where} answered HTTP {status}.", status=status)
        return Response(status, content_type, body, answer_headers)


def _read_capped(answer: requests.Response) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
