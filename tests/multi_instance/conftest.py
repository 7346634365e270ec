"""Fixtures for the multi-instance tests: the simulator, three gunicorn instances of the test
site (two workers each) sharing PostgreSQL and Redis, and the proxy in front of them.

These tests run in the ``multi`` tox environment (``ITSME_TEST_MULTI=1``, the ``multi`` extra),
which ``scripts/test`` runs when PostgreSQL and Redis are available. Without the services they
are skipped locally, and fail with ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_itsme.simulator import RegisteredClient, Simulator
from tests.keyfiles import PROVIDER_PRIVATE, load

from .cluster import Cluster, Proxy, services_or_skip

if not os.environ.get("ITSME_TEST_MULTI"):
    # Not collected by the other environments, which lack gunicorn (see the module docstring).
    collect_ignore_glob = ["test_*.py"]

CLIENT_ID = "OIDC_TEST"
SERVICES = {"TEST_LOGIN": "login", "TEST_SHARE": "share", "TEST_CONFIRM": "confirm"}
#: Numbered identities the simulator knows in the flow tests.
PEOPLE = 20


@pytest.fixture(scope="session")
def services() -> tuple[str, str]:
    found = services_or_skip()
    if found is None:
        pytest.skip("ITSME_TEST_POSTGRES / ITSME_TEST_REDIS not set (scripts/services.sh)")
    return found


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    keys = load(PROVIDER_PRIVATE)
    with Simulator(auto_approve="alice", keys=keys, numbered_identities=PEOPLE) as sim:
        yield sim


@pytest.fixture(scope="module")
def deployment(
    services: tuple[str, str], simulator: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cluster, Proxy]]:
    postgres, redis = services
    workdir: Path = tmp_path_factory.mktemp("instances")
    cluster = Cluster(postgres=postgres, redis=redis, issuer=simulator.issuer, workdir=workdir)
    proxy = Proxy(cluster.ports).start()
    simulator.register(
        RegisteredClient(
            client_id=CLIENT_ID,
            jwks_uri=proxy.url + "/itsme/jwks.json",
            redirect_uris=[proxy.url + "/itsme/callback/"],
            services=dict(SERVICES),
        )
    )
    try:
        with cluster:
            yield cluster, proxy
    finally:
        proxy.stop()
