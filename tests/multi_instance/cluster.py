"""Several site instances behind one address, sharing PostgreSQL and Redis: the machinery of
``tests/multi_instance`` and ``scripts/loadtest.py``.

* :class:`Proxy`: a tiny TCP proxy on loopback, the one URL the simulator knows. Each accepted
  connection goes to the next instance in turn, or to the one a test steers it to.
* :class:`Cluster`: makes a database for the run, migrates it, starts one gunicorn per
  instance (``--workers`` processes each, threads in each) with
  ``tests.multi_instance.settings``, and takes it all down again.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
#: Seconds an instance may take to answer its first request.
START_TIMEOUT = 60.0
#: Bytes moved per read by the proxy.
CHUNK = 65536


def free_port() -> int:
    """Return a TCP port that was free on loopback a moment ago."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def services_or_skip() -> tuple[str, str] | None:
    """The PostgreSQL and Redis URLs ``scripts/services.sh`` exports, or None when missing.

    :raises RuntimeError: when missing with ``CI=true`` (CI must run these tests).
    """
    postgres = os.environ.get("ITSME_TEST_POSTGRES")
    redis = os.environ.get("ITSME_TEST_REDIS")
    if postgres and redis:
        return postgres, redis
    if os.environ.get("CI") == "true":
        msg = "ITSME_TEST_POSTGRES and ITSME_TEST_REDIS are required in CI (scripts/services.sh)"
        raise RuntimeError(msg)
    return None


# --------------------------------------------------------------------------- the proxy


class Proxy:
    """A TCP proxy on 127.0.0.1: the single address in front of the instances.

    :param backends: instance name -> port.
    """

    def __init__(self, backends: Mapping[str, int], port: int = 0) -> None:
        self.backends = dict(backends)
        self._cycle = itertools.cycle(list(self.backends))
        self._lock = threading.Lock()
        #: When set, every new connection goes to this instance (a test steering one leg).
        self.target: str | None = None
        #: instance name -> connections sent there.
        self.connections: dict[str, int] = dict.fromkeys(self.backends, 0)
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._pipe(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 512

        self._server = Server((LOOPBACK, port), Handler)
        self.port: int = self._server.server_address[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @contextmanager
    def steer(self, name: str) -> Iterator[None]:
        """Send every connection opened inside the block to instance ``name``."""
        self.target = name
        try:
            yield
        finally:
            self.target = None

    def _choose(self) -> str:
        with self._lock:
            name = self.target or next(self._cycle)
            self.connections[name] += 1
            return name

    def _pipe(self, client: socket.socket) -> None:
        name = self._choose()
        try:
            upstream = socket.create_connection((LOOPBACK, self.backends[name]), timeout=30)
        except OSError:
            client.close()
            return
        client.settimeout(60)
        back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
        back.start()
        _copy(client, upstream)
        back.join(timeout=60)
        for end in (client, upstream):
            with suppress(OSError):
                end.close()


def _copy(source: socket.socket, sink: socket.socket) -> None:
    """Move bytes from ``source`` to ``sink`` until ``source`` closes, then half-close."""
    try:
        while chunk := source.recv(CHUNK):
            sink.sendall(chunk)
    except OSError:
        pass
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


# --------------------------------------------------------------------------- the instances


@dataclass
class Instance:
    """One gunicorn master and its workers."""

    name: str
    port: int
    access_log: Path
    error_log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def access_lines(self) -> list[str]:
        """The access log so far (gunicorn writes a line per request)."""
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(encoding="utf-8", errors="replace").splitlines()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


@dataclass
class Cluster:
    """Site instances sharing one PostgreSQL database and one Redis, for one run.

    :param postgres: the server URL (``ITSME_TEST_POSTGRES``); a database is made for the run.
    :param redis: the Redis URL (``ITSME_TEST_REDIS``); keys get a prefix of the run.
    :param issuer: the simulator's issuer.
    :param workdir: where the logs go.
    :param names: the instances.
    :param workers: gunicorn worker processes per instance.
    :param threads: threads per worker (``gthread``).
    """

    postgres: str
    redis: str
    issuer: str
    workdir: Path
    names: tuple[str, ...] = ("A", "B", "C")
    workers: int = 2
    threads: int = 4
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    instances: dict[str, Instance] = field(default_factory=dict)
    #: instance name -> its port, chosen now so a proxy can be set up before the start.
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.names:
            self.ports.setdefault(name, free_port())

    @property
    def database(self) -> str:
        return f"itsme_multi_{self.run_id}"

    @property
    def prefix(self) -> str:
        return f"itsme-multi-{self.run_id}"

    def environment(self, name: str = "") -> dict[str, str]:
        """The environment of an instance (and of ``manage.py`` commands for this run)."""
        path = os.environ.get("PYTHONPATH")
        return {
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.multi_instance.settings",
            "ITSME_MULTI_POSTGRES": _with_database(self.postgres, self.database),
            "ITSME_MULTI_REDIS": self.redis,
            "ITSME_MULTI_PREFIX": self.prefix,
            "ITSME_MULTI_ISSUER": self.issuer,
            "ITSME_MULTI_INSTANCE": name,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Cluster:
        """Make and migrate the database, then start every instance and wait for them."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._admin(f'CREATE DATABASE "{self.database}"')
        try:
            subprocess.run(
                [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
                env=self.environment(),
                cwd=ROOT,
                check=True,
                timeout=120,
            )
            for name in self.names:
                self.instances[name] = self._spawn(name)
            for instance in self.instances.values():
                self._wait(instance)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the instances (SIGTERM to each master, which stops its workers), drop the
        database and forget the run's cache keys."""
        for instance in self.instances.values():
            if instance.process is not None and instance.process.poll() is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in self.instances.values():
            if instance.process is not None:
                try:
                    instance.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    instance.process.kill()
                    instance.process.wait(timeout=5)
        with suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        with suppress(Exception):
            import redis

            store = redis.Redis.from_url(self.redis)
            for key in store.scan_iter(f"{self.prefix}:*", count=1000):
                store.delete(key)
            store.close()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.postgres, autocommit=True) as connection:
            connection.execute(statement.encode())

    def _spawn(self, name: str) -> Instance:
        instance = Instance(
            name=name,
            port=self.ports[name],
            access_log=self.workdir / f"{name}.access.log",
            error_log=self.workdir / f"{name}.error.log",
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.multi_instance.wsgi:application",
            "--bind",
            f"{LOOPBACK}:{instance.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--backlog",
            "512",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            str(instance.access_log),
            # the instance and the worker that answered, then the request and its status
            "--access-logformat",
            f'{name} %(p)s "%(r)s" %(s)s %(M)sms',
            "--error-logfile",
            str(instance.error_log),
        ]
        error_output: IO[bytes] = instance.error_log.with_suffix(".stderr").open("wb")
        instance.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            command,
            cwd=ROOT,
            env=self.environment(name),
            stdout=subprocess.DEVNULL,
            stderr=error_output,
        )
        error_output.close()
        return instance

    @staticmethod
    def _wait(instance: Instance) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert instance.process is not None
            if instance.process.poll() is not None:
                log = instance.error_log.read_text(errors="replace")[-3000:]
                msg = f"instance {instance.name} exited at start:\n{log}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(instance.url + "/itsme/jwks.json", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        msg = f"instance {instance.name} did not answer within {START_TIMEOUT} s"
        raise RuntimeError(msg)

    def manage(self, *args: str) -> str:
        """Run a ``manage.py`` command against this run's database and return its output."""
        done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "django", *args],
            env=self.environment(),
            cwd=ROOT,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Run one SQL query (``%s`` placeholders for ``params``) on this run's database."""
        import psycopg

        url = _with_database(self.postgres, self.database)
        with psycopg.connect(url) as connection:
            return list(connection.execute(sql.encode(), params or None).fetchall())
