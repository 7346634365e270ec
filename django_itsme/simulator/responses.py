"""HTTP answers as plain data, so endpoint logic stays independent of the socket server."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

#: Headers for HTML pages: no external assets may load, nothing is cached.
HTML_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
)


@dataclass
class Response:
    """One HTTP answer.

    :param status: the HTTP status code.
    :param body: the body bytes.
    :param headers: header name/value pairs (``Content-Length`` is added when sending).
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """Return the first header with this name.

        :param name: header name, case-insensitive.
        :returns: the value or ``None``.
        """
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(
    data: Any, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """Answer with a JSON document.

    :param data: the JSON-compatible data.
    :param status: the HTTP status.
    :param headers: extra headers.
    :returns: the response.
    """
    body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json; charset=utf-8"), *headers])


def error_json(
    error: str, detail: str, *, status: int = 400, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """Answer an itsme-style JSON error (D-AUTH: text field named ``detail``).

    :param error: the error code.
    :param detail: the explanation.
    :param status: the HTTP status.
    :param headers: extra headers.
    :returns: the response, never cached.
    """
    return json_response(
        {"error": error, "detail": detail},
        status=status,
        headers=[("Cache-Control", "no-store"), *headers],
    )


def html_response(page: str, *, status: int = 200) -> Response:
    """Answer with an HTML page.

    :param page: the complete document.
    :param status: the HTTP status.
    :returns: the response.
    """
    return Response(
        status,
        page.encode("utf-8"),
        [("Content-Type", "text/html; charset=utf-8"), *HTML_HEADERS],
    )


def text_response(text: str, content_type: str, *, status: int = 200) -> Response:
    """Answer with a text body of the given media type.

    :param text: the body.
    :param content_type: the ``Content-Type`` value.
    :param status: the HTTP status.
    :returns: the response, never cached.
    """
    return Response(
        status,
        text.encode("utf-8"),
        [("Content-Type", content_type), ("Cache-Control", "no-store")],
    )


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """Append parameters to a URL that may already carry a query string.

    :param url: the base URL (a registered redirect URI).
    :param params: parameters; ``None`` values are left out.
    :returns: the new URL.
    """
    parts = urlsplit(url)
    extra = urlencode({name: value for name, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect(url: str, params: Mapping[str, str | None]) -> Response:
    """Answer 302 to ``url`` with the parameters added (D-AREQ "Response").

    :param url: the redirect URI.
    :param params: parameters to add (``code``/``state`` or ``error``/...).
    :returns: the response.
    """
    return Response(
        302, b"", [("Location", with_query(url, params)), ("Cache-Control", "no-store")]
    )
