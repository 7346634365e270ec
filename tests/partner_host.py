"""A tiny loopback web server standing in for the partner's site in Django-free tests.

It serves what itsme fetches from a partner: the public JWK set at its ``jwks_uri`` and request
objects at ``request_uri`` URLs. The Django tests use the real ``itsme:jwks`` and
``itsme:request_object`` routes instead.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PartnerHost:
    """Serve fixed documents on 127.0.0.1 (GET, and POST for token-endpoint stand-ins);
    ``publish`` adds or replaces one."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes, int]] = {}
        self.hits: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.hits.append(self.path)
                host.headers.append(dict(self.headers))
                found = host.documents.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                content_type, body, status = found
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                host.bodies.append(self.rfile.read(length))
                self.do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def publish(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "application/json",
        status: int = 200,
    ) -> str:
        """Serve ``body`` at ``path`` with ``status``; returns the absolute URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = (content_type, data, status)
        return self.url + path

    def __enter__(self) -> PartnerHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
