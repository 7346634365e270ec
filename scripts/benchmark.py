"""Measure what a login costs the site: crypto per step, HTTP calls per flow, whole flows.

Run from the repository root (any environment with the package installed)::

    python scripts/benchmark.py              # a table
    python scripts/benchmark.py --json       # machine-readable
    python scripts/benchmark.py --rounds 50  # more rounds, steadier numbers

Everything runs on loopback against the embedded simulator; times are medians of ``--rounds``
runs, in milliseconds, on whatever machine runs it. The simulator's own work (signing and
encrypting the tokens it issues) is inside the "whole flow" rows, not in the per-step rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from django_itsme.core import (  # noqa: E402
    ItsmeClient,
    MemoryCache,
    jose,
)
from django_itsme.core.errors import TokenEndpointError  # noqa: E402
from django_itsme.core.id_token import validate_id_token_claims  # noqa: E402
from django_itsme.core.keys import load_private_keys  # noqa: E402
from django_itsme.simulator import RegisteredClient, Simulator  # noqa: E402

KEYS = ROOT / "tests" / "keys" / "rp_private.json"
REDIRECT_URI = "http://127.0.0.1:8000/itsme/callback/"
SERVICES = {
    "login": {"CODE": "BENCH_LOGIN"},
    "share": {
        "CODE": "BENCH_SHARE",
        "SCOPES": ["profile", "email", "address", "phone"],
        "CLAIMS": ["eid", "city_of_birth", "nationality", "device", "photo"],
        "ACR": "advanced",
    },
}


def median_ms(function: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def serve_jwks(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def callback_code(client: ItsmeClient, url: str, state: str) -> str:
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return client.parse_callback(params, expected_state=state)


def flow(client: ItsmeClient, service: str) -> Any:
    auth = client.build_authentication_request(service)
    code = callback_code(client, auth.url, auth.state)
    return client.get_user_details(
        code,
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service=service,
    )


def run(rounds: int) -> dict[str, Any]:
    keys = load_private_keys(KEYS)
    site = serve_jwks(json.dumps(keys.public_jwks()).encode())
    partner = RegisteredClient(
        client_id="BENCH",
        jwks_uri=f"http://127.0.0.1:{site.server_address[1]}/jwks.json",
        redirect_uris=[REDIRECT_URI],
        services={"BENCH_LOGIN": "login", "BENCH_SHARE": "share"},
    )
    results: dict[str, Any] = {}
    with Simulator(clients=[partner], auto_approve="alice") as itsme:
        client = ItsmeClient.configure(
            client_id="BENCH",
            private_jwks=KEYS,
            environment=itsme.issuer,
            services=SERVICES,
            redirect_uri=REDIRECT_URI,
            cache=MemoryCache(),
        )
        results["parse private keys (once per process)"] = median_ms(
            lambda: load_private_keys(KEYS), rounds
        )

        # HTTP calls to itsme: a cold first login, then warm ones.
        itsme.clear_log()
        flow(client, "login")
        cold = len([r for r in itsme.requests if "/authorization" not in r.path])
        itsme.clear_log()
        flow(client, "login")
        warm_login = len([r for r in itsme.requests if "/authorization" not in r.path])
        itsme.clear_log()
        flow(client, "share")
        warm_share = len([r for r in itsme.requests if "/authorization" not in r.path])
        results["server-side HTTP calls: first login of a process (cold cache)"] = cold
        results["server-side HTTP calls: login (warm)"] = warm_login
        results["server-side HTTP calls: share data (warm)"] = warm_share

        results["build authentication URL + request object"] = median_ms(
            lambda: client.build_authentication_request("share"), rounds
        )

        # Opening one real ID token: decrypt, verify, validate.
        auth = client.build_authentication_request("login")
        code = callback_code(client, auth.url, auth.state)
        token = client.http.post_form(
            client.provider_metadata().token_endpoint,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": auth.redirect_uri,
                "code_verifier": auth.code_verifier,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": _assertion(client),
            },
            error=TokenEndpointError,
        )
        id_token = json.loads(token.body)["id_token"]
        provider_keys = client.provider_keys()

        def open_id_token() -> None:
            decoded = jose.decrypt_and_verify(
                id_token,
                decryption_keys=client.config.keys.decryption_keys,
                key_for=provider_keys.signing_key,
            )
            validate_id_token_claims(
                decoded.claims,
                issuer=itsme.issuer,
                client_id="BENCH",
                nonce=auth.nonce,
                now=time.time(),
                leeway=60,
            )

        results["open an ID token (decrypt + verify + validate)"] = median_ms(open_id_token, rounds)
        results["whole login flow incl. simulator (warm)"] = median_ms(
            lambda: flow(client, "login"), rounds
        )
        results["whole share-data flow incl. simulator (warm)"] = median_ms(
            lambda: flow(client, "share"), rounds
        )
    site.shutdown()
    site.server_close()
    return results


def _assertion(client: ItsmeClient) -> str:
    from django_itsme.core.client_auth import build_client_assertion  # noqa: PLC0415

    return build_client_assertion(
        "BENCH",
        client.provider_metadata().token_endpoint,
        client.config.keys.signing_key,
        now=time.time(),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    results = run(args.rounds)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    width = max(len(name) for name in results)
    for name, value in results.items():
        unit = "" if isinstance(value, int) else " ms"
        print(f"{name:<{width}}  {value:>8}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
