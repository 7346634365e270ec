"""Measure what a login costs the site: crypto per step, HTTP calls per flow, whole flows.

Run from the repository root (any environment with the package installed)::

    python scripts/benchmark.py                      # a table: the core, then the Django site
    python scripts/benchmark.py --json               # machine-readable
    python scripts/benchmark.py --rounds 50          # more rounds, steadier numbers
    python scripts/benchmark.py --identities 1000000 # the site with a million linked identities
    python scripts/benchmark.py --only core          # the core alone (no Django needed)
    python scripts/benchmark.py --quick              # a few rounds: checks it runs (the tests)

Everything runs on loopback against the embedded simulator; times are medians of ``--rounds``
runs, in milliseconds, on whatever machine runs it. The simulator's own work (signing and
encrypting the tokens it issues) is inside the "whole flow" rows of the core, not in the
per-step rows.

The site part drives whole flows through Django (the test client, in this process: SQLite
file database, database sessions, locmem cache): ``/itsme/login/`` then the browser's visit to
the simulator then ``/itsme/callback/``. The site's cost is the CPU time of this thread
(``time.thread_time``) inside those two requests only: the simulator answers from its own
threads, so its work is not counted. Two references are measured the same way:

* the floor: the same JOSE work done directly with jwcrypto (sign and encrypt the request
  object, sign the client assertion, decrypt and verify the ID token);
* the Django baseline: two requests through the same middleware that only write a value to the
  session, then read it back, look the user up and call ``login()``.

``site / (floor + baseline)`` says what django-itsme adds on top of what cannot be avoided: the
ratio of the three medians, and the quartiles of the same ratio taken round by round (how much
one run can be trusted on a machine whose load moves).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
import types
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
from django_itsme.core.flow import AuthenticationRequest  # noqa: E402
from django_itsme.core.id_token import validate_id_token_claims  # noqa: E402
from django_itsme.core.keys import load_private_keys  # noqa: E402
from django_itsme.core.token import TokenResponse, exchange_code  # noqa: E402
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
        auth, tokens = redeem_raw(client, "login")
        id_token = tokens.id_token
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


def redeem_raw(client: ItsmeClient, service: str) -> tuple[AuthenticationRequest, TokenResponse]:
    """A flow's tokens as itsme sends them (still encrypted), redeemed by the core's own
    :func:`~django_itsme.core.token.exchange_code`."""
    auth = client.build_authentication_request(service)
    tokens = exchange_code(
        client.provider_metadata().token_endpoint,
        code=callback_code(client, auth.url, auth.state),
        redirect_uri=auth.redirect_uri,
        code_verifier=auth.code_verifier,
        client_id=client.config.client_id,
        signing_key=client.config.keys,
        http=client.http,
        now=time.time(),
    )
    return auth, tokens


# --------------------------------------------------------------------------- the Django site
SITE_HOST = "127.0.0.1:8000"
BASELINE_USER = "baseline-user"


def configure_django(issuer: str, database: Path) -> None:
    """Settings for an in-process site: the app's defaults, a SQLite file, database sessions."""
    import django  # noqa: PLC0415 - only the site part needs Django
    from django.conf import settings  # noqa: PLC0415

    urls = types.ModuleType("benchmark_urls")
    sys.modules["benchmark_urls"] = urls
    settings.configure(
        SECRET_KEY="benchmark-only-not-secret",  # noqa: S106
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1"],
        USE_TZ=True,
        ROOT_URLCONF="benchmark_urls",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django_itsme",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        AUTHENTICATION_BACKENDS=[
            "django_itsme.backends.ItsmeBackend",
            "django.contrib.auth.backends.ModelBackend",
        ],
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ITSME={
            "CLIENT_ID": "BENCH",
            "ENVIRONMENT": issuer,
            "PRIVATE_JWKS": KEYS,
            "SERVICES": SERVICES,
            "REDIRECT_URI": REDIRECT_URI,
        },
    )
    django.setup()
    from django.contrib.auth import get_user_model, login  # noqa: PLC0415
    from django.http import HttpRequest, HttpResponse, HttpResponseRedirect  # noqa: PLC0415
    from django.urls import include, path  # noqa: PLC0415

    def baseline_start(request: HttpRequest) -> HttpResponse:
        request.session["baseline"] = {"state": secrets.token_urlsafe(32), "next": "/"}
        return HttpResponseRedirect("/baseline/finish/")

    def baseline_finish(request: HttpRequest) -> HttpResponse:
        flow = request.session.pop("baseline")
        user = get_user_model()._default_manager.get(username=BASELINE_USER)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(flow["next"])

    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("itsme/", include("django_itsme.urls")),
        path("baseline/start/", baseline_start),
        path("baseline/finish/", baseline_finish),
    ]


class QueryLog:
    """Every SQL statement this thread runs while installed, and the write transactions."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0
        self._open_with_writes: bool | None = None  # None: not in a transaction

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        from django.db import connection  # noqa: PLC0415

        self.statements.append(sql)
        verb = sql.lstrip().split(None, 1)[0].upper()
        writes = verb in ("INSERT", "UPDATE", "DELETE", "REPLACE")
        if verb == "BEGIN":
            self._close()
            self._open_with_writes = False
        elif connection.in_atomic_block:
            if writes and self._open_with_writes is not None:
                self._open_with_writes = True
        else:
            self._close()
            self.commits += writes  # autocommit: the statement is its own transaction
        return execute(sql, params, many, context)

    def _close(self) -> None:
        if self._open_with_writes:
            self.commits += 1
        self._open_with_writes = None

    def finish(self) -> None:
        """Count a still open transaction (it was committed after its last statement)."""
        self._close()


def site_request(client: Any, url: str, log: QueryLog | None = None) -> tuple[Any, float]:
    """GET ``url`` on the site; the response and this thread's CPU seconds for it."""
    from django.db import connection  # noqa: PLC0415

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    with connection.execute_wrapper(log) if log is not None else _nothing():
        start = time.thread_time()
        if PROFILER is not None:
            PROFILER.enable()
        response = client.get(target, HTTP_HOST=SITE_HOST)
        if PROFILER is not None:
            PROFILER.disable()
        spent = time.thread_time() - start
    return response, spent


#: ``--profile``: the site's requests only, in CPU time of this thread.
PROFILER: cProfile.Profile | None = None


@contextlib.contextmanager
def _nothing() -> Any:
    yield


def visitor_address() -> str:
    """A new visitor's address: each flow comes from its own (``FLOW_START_LIMIT`` counts by
    address), as on a site with many users."""
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


def site_flow(service: str, log: QueryLog | None = None) -> float:
    """One whole flow through the site; the site's CPU seconds (the simulator's excluded)."""
    from django.test import Client  # noqa: PLC0415

    browser = Client(REMOTE_ADDR=visitor_address())
    started, first = site_request(browser, f"/itsme/login/?service={service}", log)
    assert started.status_code == 302, started.content[:300]
    answer = requests.get(started["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    finished, second = site_request(browser, answer.headers["Location"], log)
    assert finished.status_code == 302, finished.content[:300]
    assert "_auth_user_id" in browser.session
    if log is not None:
        log.finish()
    return first + second


def baseline_flow(log: QueryLog | None = None) -> float:
    """The Django baseline: a session write, then a session read, a user lookup and login()."""
    from django.test import Client  # noqa: PLC0415

    browser = Client(REMOTE_ADDR=visitor_address())
    started, first = site_request(browser, "/baseline/start/", log)
    finished, second = site_request(browser, started["Location"], log)
    assert finished.status_code == 302
    if log is not None:
        log.finish()
    return first + second


def thread_cpu(function: Callable[[], Any]) -> float:
    """This thread's CPU seconds for one call of ``function``."""
    start = time.thread_time()
    function()
    return time.thread_time() - start


def add_identities(count: int) -> float:
    """Link ``count`` more users to itsme identities (bulk inserts); the seconds it took."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from django_itsme.models import ItsmeIdentity  # noqa: PLC0415

    user_model = get_user_model()
    start = time.perf_counter()
    batch = 20_000
    offset = ItsmeIdentity.objects.count()
    for first in range(offset, offset + count, batch):
        numbers = range(first, min(first + batch, offset + count))
        users = user_model._default_manager.bulk_create(
            [user_model(username=f"bulk-{n}", password="!") for n in numbers]  # noqa: S106
        )
        ItsmeIdentity.objects.bulk_create(
            [
                ItsmeIdentity(user_id=user.pk, sub=f"bulk-sub-{n:09d}", last_acr="basic")
                for n, user in zip(numbers, users, strict=True)
            ]
        )
    return time.perf_counter() - start


def lookup_plan(statements: list[str]) -> str:
    """SQLite's plan for the login's identity lookup by ``sub`` (the statement as it ran)."""
    from django.db import connection  # noqa: PLC0415

    lookups = [s for s in statements if "django_itsme_itsmeidentity" in s and '"sub" =' in s]
    if not lookups:
        return "no lookup by sub"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + lookups[0].replace("%s", "'x'"))
        return "; ".join(str(row[-1]) for row in cursor.fetchall())


def floor_work(
    client: ItsmeClient, id_token: str, userinfo: str | None, claims_request: Any
) -> Callable[[], None]:
    """The JOSE work a flow cannot avoid, done directly with jwcrypto."""
    from jwcrypto import jwe, jws, jwt  # noqa: PLC0415

    keys = client.config.keys
    signing = keys.signing_key
    provider = client.provider_keys()
    encrypt_to = provider.encryption_key()
    alg, enc = client.encryption_choice()
    token_endpoint = client.provider_metadata().token_endpoint
    decryption = next(iter(keys.decryption_keys.values()))
    verify_with = provider.signing_key(str(jws_kid(id_token, decryption)))

    def open_nested(token: str) -> dict[str, Any]:
        outer = jwe.JWE()
        outer.deserialize(token, key=decryption)
        inner = jws.JWS()
        inner.deserialize(bytes(outer.payload).decode("ascii"))
        inner.verify(verify_with)
        return dict(json.loads(inner.payload))

    def work() -> None:
        now = int(time.time())
        request_claims = {
            "iss": "BENCH",
            "aud": client.config.issuer,
            "iat": now,
            "exp": now + 600,
            "jti": secrets.token_urlsafe(16),
            "client_id": "BENCH",
            "response_type": "code",
            "scope": "openid service:BENCH_LOGIN",
            "redirect_uri": REDIRECT_URI,
            "state": secrets.token_urlsafe(32),
            "nonce": secrets.token_urlsafe(32),
            "code_challenge": secrets.token_urlsafe(32),
            "code_challenge_method": "S256",
            "claims": claims_request,
        }
        signed = jwt.JWT(header={"alg": "RS256", "kid": signing.kid}, claims=request_claims)
        signed.make_signed_token(signing)
        sealed = jwt.JWT(
            header={"alg": alg, "enc": enc, "kid": encrypt_to.kid, "cty": "JWT"},
            claims=signed.serialize(),
        )
        sealed.make_encrypted_token(encrypt_to)
        sealed.serialize()
        assertion = jwt.JWT(
            header={"alg": "RS256", "kid": signing.kid},
            claims={
                "iss": "BENCH",
                "sub": "BENCH",
                "aud": token_endpoint,
                "jti": secrets.token_urlsafe(32),
                "iat": now,
                "exp": now + 300,
            },
        )
        assertion.make_signed_token(signing)
        assertion.serialize()
        open_nested(id_token)
        if userinfo is not None:
            open_nested(userinfo)

    return work


def jws_kid(token: str, decryption: Any) -> str:
    from jwcrypto import jwe  # noqa: PLC0415

    outer = jwe.JWE()
    outer.deserialize(token, key=decryption)
    inner = bytes(outer.payload).decode("ascii")
    return str(jose.read_header(inner)["kid"])


def issued_tokens(client: ItsmeClient, service: str) -> tuple[str, str | None]:
    """A real ID token (and userinfo answer, when the service reads it) from the simulator."""
    _, tokens = redeem_raw(client, service)
    userinfo = None
    if client.config.service(service).claims_in == "userinfo":
        userinfo = client.http.get(
            client.provider_metadata().userinfo_endpoint,
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            error=TokenEndpointError,
        ).text
    return tokens.id_token, userinfo


def run_site(rounds: int, identities: int) -> dict[str, Any]:
    """The Django part: site CPU per flow, the floor, the baseline, counts and the ratio."""
    keys = load_private_keys(KEYS)
    jwks_server = serve_jwks(json.dumps(keys.public_jwks()).encode())
    partner = RegisteredClient(
        client_id="BENCH",
        jwks_uri=f"http://127.0.0.1:{jwks_server.server_address[1]}/jwks.json",
        redirect_uris=[REDIRECT_URI],
        services={"BENCH_LOGIN": "login", "BENCH_SHARE": "share"},
    )
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        Simulator(clients=[partner], auto_approve="alice") as itsme,
    ):
        configure_django(itsme.issuer, Path(folder) / "site.sqlite3")
        from django.contrib.auth import get_user_model  # noqa: PLC0415
        from django.core.management import call_command  # noqa: PLC0415

        from django_itsme.core.claim_names import build_claims_request  # noqa: PLC0415
        from django_itsme.itsme_client import get_client  # noqa: PLC0415

        call_command("migrate", verbosity=0)
        get_user_model()._default_manager.create_user(username=BASELINE_USER)
        if identities:
            results["identities added before measuring"] = identities
            results["seconds to bulk-insert them"] = round(add_identities(identities), 1)

        # The first login of the process (cold caches, a new user), then steady state.
        itsme.clear_log()
        site_flow("login")
        results["site: HTTP calls to itsme, first login (cold)"] = _calls(itsme)
        for service in ("login", "share"):
            site_flow(service)  # warm up this path
            itsme.clear_log()
            log = QueryLog()
            site_flow(service, log)
            results[f"site: HTTP calls to itsme per {service} (warm)"] = _calls(itsme)
            results[f"site: SQL statements per {service}"] = len(log.statements)
            results[f"site: database commits per {service}"] = log.commits
            if service == "login":
                results["site: plan of the identity lookup"] = lookup_plan(log.statements)
        log = QueryLog()
        baseline_flow(log)
        results["baseline: SQL statements"] = len(log.statements)
        results["baseline: database commits"] = log.commits

        client = get_client()
        for service in ("login", "share"):
            chosen = client.config.service(service)
            claims_request = build_claims_request(
                scopes=chosen.scopes, claims=chosen.claims, member=chosen.claims_in
            )
            id_token, userinfo = issued_tokens(client, service)
            floor_once = floor_work(client, id_token, userinfo, claims_request)
            # Interleaved, so that a busy moment of the machine weighs on all three alike.
            samples: dict[str, list[float]] = {"site": [], "floor": [], "baseline": []}
            for _ in range(rounds):
                samples["site"].append(site_flow(service))
                samples["floor"].append(thread_cpu(floor_once))
                samples["baseline"].append(baseline_flow())
            label = "login" if service == "login" else "share-data flow"
            results.update(figures(samples, label))
    jwks_server.shutdown()
    jwks_server.server_close()
    return results


def figures(samples: dict[str, list[float]], label: str) -> dict[str, Any]:
    """The medians of interleaved ``site``, ``floor`` and ``baseline`` samples (seconds), in
    milliseconds, their ratio, and the quartiles of the same ratio taken round by round (each
    round's three samples are taken together, so a busy moment weighs on all three): they show
    how far one run can be trusted on a machine whose load moves."""
    site, floor, baseline = (
        round(statistics.median(samples[name]) * 1000, 3) for name in ("site", "floor", "baseline")
    )
    per_round = [
        s / (f + b)
        for s, f, b in zip(samples["site"], samples["floor"], samples["baseline"], strict=True)
    ]
    quartiles = statistics.quantiles(per_round, n=4) if len(per_round) > 1 else per_round * 3
    return {
        f"site CPU per {label}": site,
        f"floor: jwcrypto only, {label}": floor,
        f"baseline: session write + login(), {label} round": baseline,
        f"ratio site / (floor + baseline), {label}": round(site / (floor + baseline), 2),
        f"ratio per round, {label}: p25 / median / p75": " / ".join(
            f"{value:.2f}" for value in quartiles
        ),
    }


def _calls(itsme: Simulator) -> int:
    return len([r for r in itsme.requests if "/authorization" not in r.path])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--only", choices=("core", "site"), help="run one part (core: no Django needed)"
    )
    parser.add_argument(
        "--identities", type=int, default=0, help="identities to add before the site part"
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds: checks that it runs")
    parser.add_argument(
        "--profile", metavar="FILE", help="profile the site's requests (pstats file)"
    )
    args = parser.parse_args()
    global PROFILER  # noqa: PLW0603 - a switch for the whole run
    if args.profile:
        PROFILER = cProfile.Profile(time.thread_time)
    rounds = 3 if args.quick else args.rounds
    results: dict[str, Any] = {}
    if args.only != "site":
        results.update(run(rounds))
    if args.only != "core":
        results.update(run_site(rounds, args.identities))
    if PROFILER is not None:
        PROFILER.dump_stats(args.profile)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    width = max(len(name) for name in results)
    for name, value in results.items():
        plain = isinstance(value, int | str) or "ratio" in name or "seconds" in name
        unit = "" if plain else " ms"
        print(f"{name:<{width}}  {value:>8}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
