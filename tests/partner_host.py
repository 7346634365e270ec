"""A loopback web server standing in for the partner's site (and other plain web hosts) in tests.

It serves what itsme fetches from a partner: the public JWK set at its ``jwks_uri`` and request
objects at ``request_uri`` URLs; tests also use it as a token endpoint stand-in (POST), a forward
proxy (requests for absolute URLs) or a host answering with a redirect. The Django tests use the
real ``itsme:jwks`` and ``itsme:request_object`` routes instead.

The server is pytest-httpserver's (werkzeug's threaded server); one handler answers every request
from :attr:`PartnerHost.documents`, so that publishing a path again replaces its document.
"""

from __future__ import annotations

import re
from types import TracebackType

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

#: Every request, whatever its path and method, goes to the one handler.
_ANY_PATH = re.compile(".*")


class PartnerHost:
    """Serve fixed documents on 127.0.0.1; :meth:`publish` adds or replaces one.

    Use it as a context manager, or call :meth:`start` and :meth:`close`.
    """

    def __init__(self) -> None:
        #: request target (path and query, or an absolute URL through a proxy) ->
        #: (status, body, headers).
        self.documents: dict[str, tuple[int, bytes, list[tuple[str, str]]]] = {}
        self._server = HTTPServer(host="127.0.0.1", port=0)
        self._server.expect_request(_ANY_PATH).respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        target = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
        status, body, headers = self.documents.get(target, (404, b"not found", []))
        return Response(body, status=status, headers=headers)

    def start(self) -> PartnerHost:
        """Start serving from a daemon thread.

        :returns: ``self``.
        """
        self._server.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._server.is_running():
            self._server.stop()

    def __enter__(self) -> PartnerHost:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        return self._server.url_for("/").rstrip("/")

    def publish(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "application/json",
        status: int = 200,
        *,
        headers: list[tuple[str, str]] | None = None,
    ) -> str:
        """Serve ``body`` at ``path`` with ``status``, ``content_type`` and more ``headers``.

        :returns: the absolute URL.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = (status, data, [("Content-Type", content_type), *(headers or [])])
        return self.url + path

    def reset(self) -> None:
        """Serve nothing and forget the requests served so far."""
        self.documents.clear()
        self._server.clear_log()

    @property
    def hits(self) -> list[str]:
        """The request targets served so far, oldest first."""
        return [request.environ.get("RAW_URI", request.path) for request, _ in self._server.log]

    @property
    def headers(self) -> list[dict[str, str]]:
        """The request headers of each request served so far."""
        return [dict(request.headers) for request, _ in self._server.log]

    @property
    def bodies(self) -> list[bytes]:
        """The bodies of the POST requests served so far."""
        return [request.get_data() for request, _ in self._server.log if request.method == "POST"]
