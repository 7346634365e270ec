#!/usr/bin/env python3
"""Many simulated users against several site instances sharing PostgreSQL and Redis.

Starts, on loopback only: the itsme simulator (auto-approving, with one numbered test identity
per simulated user), N gunicorn instances of the test site (``tests/multi_instance``: W
workers each, REQUEST_BY = "reference") behind a round-robin TCP proxy, then runs --users
simulated people concurrently for --duration seconds. Each person logs in first from two
browsers at once (the duplicate-user race), then repeats login, share data and Confirm (a
payment), at least once and until the time is up. Every request opens a new connection, so
consecutive legs of one flow (start, request-object fetch by the simulator, callback) land on
different instances. It ends by checking the database: one user and one identity per person, every
``sub`` the person's, one approved confirmation per successful Confirm, and prints flows per
second, p50/p95 latency per flow type and the errors. Exit status 0 only with no failed flow
and no duplicate.

    ITSME_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres \\
    ITSME_TEST_REDIS=redis://127.0.0.1:6379/0 \\
    python scripts/loadtest.py --users 50 --duration 60      # --json, --instances, --workers

Needs the ``multi`` extra (gunicorn, httpx): ``pip install -e ".[multi]"``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from django_itsme.simulator import IDENTITY_HEADER, pairwise_sub  # noqa: E402
from tests.multi_instance.cluster import (  # noqa: E402
    LOOPBACK,
    Cluster,
    Proxy,
    free_port,
)

CLIENT_ID = "OIDC_TEST"  # tests.settings ITSME["CLIENT_ID"]
SERVICES = {"TEST_LOGIN": "login", "TEST_SHARE": "share", "TEST_CONFIRM": "confirm"}
MAX_USERS = 2000
MAX_DURATION = 600.0
#: Seconds one HTTP request may take before the flow counts as failed.
REQUEST_TIMEOUT = 30.0
PAYMENT = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Flow:
    kind: str
    person: int
    seconds: float
    error: str | None
    served_by: list[str] = field(default_factory=list)


class FlowFailed(Exception):
    """One leg answered something a working site does not."""


async def run_flow(
    client: httpx.AsyncClient, simulator: httpx.AsyncClient, kind: str, person: int
) -> Flow:
    """Start, approve at itsme as ``user<person>``, finish; time the three legs together."""
    began = time.perf_counter()
    served: list[str] = []
    try:
        if kind == "confirm":
            start = await client.get("/confirm/", params=PAYMENT)
        else:
            start = await client.get("/itsme/login/", params={"service": kind})
        served.append(start.headers.get("X-Served-By", "?"))
        if start.status_code != 302:
            raise FlowFailed(f"start {start.status_code}")
        at_itsme = await simulator.get(
            start.headers["Location"], headers={IDENTITY_HEADER: f"user{person}"}
        )
        if at_itsme.status_code != 302:
            raise FlowFailed(f"itsme {at_itsme.status_code}")
        back = urlsplit(at_itsme.headers["Location"])
        if "error" in parse_qs(back.query):
            raise FlowFailed("itsme " + parse_qs(back.query)["error"][0])
        finish = await client.get(f"{back.path}?{back.query}")
        served.append(finish.headers.get("X-Served-By", "?"))
        if finish.status_code != 302:
            raise FlowFailed(f"callback {finish.status_code}")
        error = None
    except FlowFailed as exc:
        error = str(exc)
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    return Flow(kind, person, time.perf_counter() - began, error, served)


def new_client(base_url: str) -> httpx.AsyncClient:
    """A browser: its own cookies, and a new connection per request (so the proxy spreads the
    legs of one flow over the instances)."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_keepalive_connections=0, max_connections=4),
        follow_redirects=False,
    )


async def person(number: int, site: str, deadline: float, flows: list[Flow]) -> None:
    """One simulated person until the deadline."""
    async with (
        new_client(site) as phone,
        new_client(site) as laptop,
        new_client(site) as simulator,
    ):
        first = await asyncio.gather(
            run_flow(phone, simulator, "login", number),
            run_flow(laptop, simulator, "login", number),
        )
        flows.extend(first)
        if any(flow.error for flow in first):
            return
        while True:  # at least one round each, then rounds until the deadline
            for kind in ("login", "share", "confirm"):
                flow = await run_flow(phone, simulator, kind, number)
                flows.append(flow)
                if flow.error:
                    return
            if time.monotonic() >= deadline:
                return


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def check_database(cluster: Cluster, users: int) -> dict[str, Any]:
    """Count users, identities and confirmations; compare every sub with its person's."""
    expected = {pairwise_sub(CLIENT_ID, f"user{n}") for n in range(1, users + 1)}
    subs = [row[0] for row in cluster.query("SELECT sub FROM django_itsme_itsmeidentity")]
    user_count = cluster.query("SELECT count(*) FROM auth_user")[0][0]
    per_user = cluster.query(
        "SELECT count(*) FROM (SELECT user_id FROM django_itsme_itsmeidentity"
        " GROUP BY user_id HAVING count(*) > 1) AS shared"
    )[0][0]
    approved = cluster.query(
        "SELECT count(*) FROM django_itsme_confirmation WHERE status = 'approved'"
    )[0][0]
    return {
        "users": user_count,
        "identities": len(subs),
        "distinct subs": len(set(subs)),
        "unknown subs": len(set(subs) - expected),
        "users with two identities": per_user,
        "approved confirmations": approved,
    }


def access_log_figures(cluster: Cluster) -> dict[str, Any]:
    """Request-object fetches per instance, and the worker processes that answered."""
    fetches: dict[str, int] = {}
    workers: dict[str, set[str]] = {}
    for name, instance in cluster.instances.items():
        lines = instance.access_lines()
        fetches[name] = sum(1 for line in lines if '"GET /itsme/request/' in line)
        workers[name] = {line.split()[1] for line in lines if len(line.split()) > 1}
    return {
        "request-object fetches per instance": fetches,
        "worker processes that answered per instance": {k: len(v) for k, v in workers.items()},
    }


def start_simulator(port: int, site: str, users: int, workdir: Path) -> subprocess.Popen[bytes]:
    config = workdir / "simulator.json"
    config.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "jwks_uri": site + "/itsme/jwks.json",
                        "redirect_uris": [site + "/itsme/callback/"],
                        "services": SERVICES,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "django_itsme.simulator",
            "--port",
            str(port),
            "--config",
            str(config),
            "--auto-approve",
            "alice",
            "--numbered-identities",
            str(users),
            "--keys",
            str(ROOT / "tests" / "keys" / "provider_private.json"),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "simulator.log").open("wb"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            url = f"http://{LOOPBACK}:{port}/v2/.well-known/openid-configuration"
            with urllib.request.urlopen(url, timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    msg = "the simulator did not start: " + (workdir / "simulator.log").read_text()[-2000:]
    raise RuntimeError(msg)


def require_loopback(url: str, what: str) -> str:
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        sys.exit(f"{what} must be on loopback ({', '.join(LOOPBACK_HOSTS)}), not {host!r}")
    return url


async def drive(site: str, users: int, duration: float) -> tuple[list[Flow], float]:
    flows: list[Flow] = []
    began = time.monotonic()
    deadline = began + duration
    tasks = [person(n, site, deadline, flows) for n in range(1, users + 1)]
    # A hard stop: the last flows get their request timeout, then the run ends regardless.
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + 3 * REQUEST_TIMEOUT + 30)
    return flows, time.monotonic() - began


def summarise(flows: list[Flow], elapsed: float) -> dict[str, Any]:
    report: dict[str, Any] = {
        "flows": len(flows),
        "failed flows": sum(1 for flow in flows if flow.error),
        "seconds": round(elapsed, 1),
        "flows per second": round(len(flows) / elapsed, 1) if elapsed else 0.0,
    }
    for kind in ("login", "share", "confirm"):
        times = [flow.seconds * 1000 for flow in flows if flow.kind == kind and not flow.error]
        report[kind] = {
            "flows": len(times),
            "p50 ms": round(statistics.median(times), 1) if times else None,
            "p95 ms": round(percentile(times, 0.95), 1) if times else None,
        }
    errors = collections.Counter(flow.error for flow in flows if flow.error)
    report["errors"] = dict(errors)
    legs = [flow for flow in flows if len(flow.served_by) == 2]
    report["flows finished on another instance than they started"] = sum(
        1 for flow in legs if flow.served_by[0].split("/")[0] != flow.served_by[1].split("/")[0]
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help=f"people, 1-{MAX_USERS}")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--instances", type=int, default=3, help="site instances, 2-6")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--postgres", default=os.environ.get("ITSME_TEST_POSTGRES"))
    parser.add_argument("--redis", default=os.environ.get("ITSME_TEST_REDIS"))
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users is 1 to {MAX_USERS}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration is 1 to {MAX_DURATION:g} seconds")
    if not 2 <= args.instances <= 6 or not 1 <= args.workers <= 8 or not 1 <= args.threads <= 16:
        parser.error("--instances 2-6, --workers 1-8, --threads 1-16")
    if not args.postgres or not args.redis:
        parser.error("set ITSME_TEST_POSTGRES and ITSME_TEST_REDIS (or --postgres, --redis)")
    require_loopback(args.postgres, "PostgreSQL")
    require_loopback(args.redis, "Redis")

    with tempfile.TemporaryDirectory(prefix="itsme-load-") as tmp:
        workdir = Path(tmp)
        simulator_port = free_port()
        cluster = Cluster(
            postgres=args.postgres,
            redis=args.redis,
            issuer=f"http://{LOOPBACK}:{simulator_port}/v2",
            workdir=workdir,
            names=tuple("ABCDEF"[: args.instances]),
            workers=args.workers,
            threads=args.threads,
        )
        proxy = Proxy(cluster.ports).start()
        simulator = start_simulator(simulator_port, proxy.url, args.users, workdir)
        try:
            with cluster:
                flows, elapsed = asyncio.run(drive(proxy.url, args.users, args.duration))
                report = summarise(flows, elapsed)
                report["database"] = check_database(cluster, args.users)
                report.update(access_log_figures(cluster))
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
            proxy.stop()
    report["setup"] = (
        f"{args.users} users, {args.instances} instances x {args.workers} gunicorn workers x "
        f"{args.threads} threads, PostgreSQL + Redis, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    database = report["database"]
    ok = (
        report["failed flows"] == 0
        and database["users"] == args.users
        and database["identities"] == args.users
        and database["distinct subs"] == args.users
        and database["unknown subs"] == 0
        and database["users with two identities"] == 0
        and database["approved confirmations"] == report["confirm"]["flows"]
    )
    report["ok"] = ok
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
