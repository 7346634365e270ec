"""``manage.py itsme_simulator``: run the itsme simulator for this site, in the foreground.

The simulator listens on the port of ``ITSME["ENVIRONMENT"]`` (which must be a loopback issuer
such as ``http://127.0.0.1:8100/v2``) and registers this site as its client: the ``CLIENT_ID``,
the JWKS and callback routes under ``--site-url`` (or ``REDIRECT_URI``), and every configured
service. A service's type is ``--service-type NAME=login|share|confirm`` when given, else
``confirm`` for a name containing "confirm", ``share`` for one with SCOPES or CLAIMS, else
``login``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from django_itsme.conf import get_settings
from django_itsme.core.environments import is_loopback_url
from django_itsme.core.services import Service
from django_itsme.simulator import IDENTITIES
from django_itsme.simulator.__main__ import main as run_simulator

SERVICE_TYPES = ("login", "share", "confirm")


def guess_service_type(service: Service) -> str:
    """``confirm``, ``share`` or ``login`` for a configured service (see the module docstring)."""
    if "confirm" in service.name.lower():
        return "confirm"
    if service.scopes or service.claims:
        return "share"
    return "login"


class Command(BaseCommand):
    help = "Run the itsme simulator on ITSME['ENVIRONMENT'] with this site registered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000",
            help="where this site runs (default: http://127.0.0.1:8000)",
        )
        parser.add_argument(
            "--service-type",
            action="append",
            default=[],
            metavar="NAME=login|share|confirm",
            help="the type of a configured service (repeatable)",
        )
        parser.add_argument(
            "--auto-approve",
            choices=sorted(IDENTITIES),
            help="approve every request at once as this test identity",
        )
        parser.add_argument(
            "--numbered-identities",
            type=int,
            default=0,
            metavar="N",
            help="also know N numbered test people user1 ... userN (for load tests)",
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args: Any, **options: Any) -> None:
        run_simulator(self.simulator_arguments(**options))

    def simulator_arguments(self, **options: Any) -> list[str]:
        """The ``python -m django_itsme.simulator`` arguments that register this site."""
        config = get_settings().client
        issuer = urlsplit(config.issuer)
        if issuer.scheme != "http" or not is_loopback_url(config.issuer) or not issuer.port:
            raise CommandError(
                "ITSME['ENVIRONMENT'] must be the simulator's loopback issuer with a port, "
                "e.g. http://127.0.0.1:8100/v2."
            )
        if issuer.path.rstrip("/") != "/v2":
            raise CommandError("The simulator's issuer path is /v2, e.g. http://127.0.0.1:8100/v2.")
        types = self._types(options.get("service_type", []), config.services)
        site = options.get("site_url", "http://127.0.0.1:8000").rstrip("/")
        redirect_uri = config.redirect_uri or site + reverse("itsme:callback")
        argv = [
            "--host",
            issuer.hostname or "127.0.0.1",
            "--port",
            str(issuer.port),
            "--client-id",
            config.client_id,
            "--jwks-uri",
            site + reverse("itsme:jwks"),
            "--redirect-uri",
            redirect_uri,
        ]
        for name, service in config.services.items():
            argv += ["--service", f"{service.code}={types[name]}"]
        if options.get("auto_approve"):
            argv += ["--auto-approve", options["auto_approve"]]
        if options.get("numbered_identities"):
            argv += ["--numbered-identities", str(options["numbered_identities"])]
        if options.get("quiet"):
            argv.append("--quiet")
        return argv

    @staticmethod
    def _types(values: list[str], services: Any) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for value in values:
            name, _, kind = value.partition("=")
            if name not in services or kind not in SERVICE_TYPES:
                raise CommandError(
                    f"--service-type {value!r}: use NAME=login|share|confirm with a configured "
                    f"service name ({', '.join(services)})."
                )
            chosen[name] = kind
        return {name: chosen.get(name, guess_service_type(s)) for name, s in services.items()}
