"""Run the simulator in the foreground: ``python -m django_itsme.simulator --help``."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, cast

from .facade import Simulator
from .identities import IDENTITIES, MAX_NUMBERED_IDENTITIES
from .registry import RegisteredClient, ServiceType
from .transport import LOOPBACK_BIND_HOSTS


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line.

    :returns: the parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m django_itsme.simulator",
        description="Run a local itsme-compatible OpenID Provider (loopback only).",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument(
        "--host", default="127.0.0.1", choices=LOOPBACK_BIND_HOSTS, help="loopback host"
    )
    client = parser.add_argument_group("one client (besides those of --config)")
    client.add_argument("--client-id", help="register one client with this partner code")
    client.add_argument("--jwks-uri", help="public JWKS URL of --client-id")
    for flag, metavar, what in (
        ("--redirect-uri", None, "redirect URI"),
        ("--service", "CODE=login|share|confirm", "service"),
    ):
        client.add_argument(
            flag,
            action="append",
            default=[],
            metavar=metavar,
            help=f"{what} of --client-id (repeatable)",
        )
    client.add_argument(
        "--no-pkce", action="store_true", help="do not enforce PKCE for --client-id"
    )
    parser.add_argument(
        "--config",
        type=Path,
        help='JSON file: {"clients": [{"client_id", "jwks_uri", "redirect_uris", "services", '
        '"require_pkce"}]}',
    )
    parser.add_argument(
        "--auto-approve",
        choices=sorted(IDENTITIES),
        help="approve every request at once as this identity (default: show a page)",
    )
    parser.add_argument(
        "--numbered-identities",
        type=int,
        default=0,
        metavar="N",
        help=f"also know N numbered test people user1 ... userN (at most "
        f"{MAX_NUMBERED_IDENTITIES}); with --auto-approve, a request's X-Simulator-Identity "
        "header names the one that approves",
    )
    parser.add_argument(
        "--keys", type=Path, help="provider private JWKS file (default: fresh keys)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def _services(values: Sequence[str], parser: argparse.ArgumentParser) -> dict[str, ServiceType]:
    """Parse ``CODE=type`` pairs.

    :param values: the ``--service`` values.
    :param parser: for error reporting.
    :returns: service code -> type.
    """
    services: dict[str, ServiceType] = {}
    for value in values:
        code, _, kind = value.partition("=")
        if not code or kind not in ("login", "share", "confirm"):
            parser.error(f"--service {value!r}: use CODE=login, CODE=share or CODE=confirm")
        services[code] = cast("ServiceType", kind)
    return services


def _config_clients(path: Path, parser: argparse.ArgumentParser) -> list[RegisteredClient]:
    """Read clients from a JSON file.

    :param path: the file.
    :param parser: for error reporting.
    :returns: the clients.
    """
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        parser.error(f"--config {path}: {exc}")
    entries = data.get("clients") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        parser.error(f"--config {path}: expected a list of clients or {{'clients': [...]}}")
    try:
        return [RegisteredClient.from_dict(entry) for entry in entries]
    except (ValueError, AttributeError, TypeError) as exc:
        parser.error(f"--config {path}: {exc}")


def build_simulator(argv: Sequence[str] | None = None) -> Simulator:
    """Create (but do not start) a simulator from command-line arguments.

    :param argv: the arguments, without the program name; ``None`` reads ``sys.argv``.
    :returns: the configured simulator.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    clients = _config_clients(args.config, parser) if args.config else []
    if args.client_id:
        if not args.jwks_uri or not args.redirect_uri or not args.service:
            parser.error("--client-id needs --jwks-uri, --redirect-uri and --service")
        clients.append(
            RegisteredClient(
                client_id=args.client_id,
                jwks_uri=args.jwks_uri,
                redirect_uris=list(args.redirect_uri),
                services=_services(args.service, parser),
                require_pkce=not args.no_pkce,
            )
        )
    elif args.jwks_uri or args.redirect_uri or args.service:
        parser.error("--jwks-uri, --redirect-uri and --service need --client-id")
    keys = None
    if args.keys:
        try:
            keys = json.loads(args.keys.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            parser.error(f"--keys {args.keys}: {exc}")
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(message)s",
    )
    try:
        return Simulator(
            clients,
            auto_approve=args.auto_approve,
            keys=keys,
            port=args.port,
            host=args.host,
            numbered_identities=args.numbered_identities,
        )
    except ValueError as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until interrupted (Ctrl-C or SIGTERM).

    :param argv: the arguments, without the program name.
    :returns: the exit status.
    """
    simulator = build_simulator(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    with simulator:
        print(f"itsme simulator issuer: {simulator.issuer}", flush=True)
        print(f"discovery: {simulator.discovery_url}", flush=True)
        for client in simulator.clients:
            services = ", ".join(f"{code}={kind}" for code, kind in client.services.items())
            print(f"client {client.client_id}: {services}", flush=True)
        numbered = simulator.numbered_identities
        extra = f", user1 ... user{numbered}" if numbered else ""
        print(f"identities: {', '.join(IDENTITIES)}{extra}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
