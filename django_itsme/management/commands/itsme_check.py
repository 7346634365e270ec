"""``manage.py itsme_check``: run the django-itsme system checks, and optionally reach itsme.

::

    manage.py itsme_check            # the django_itsme.* checks, each with its id and hint
                                     # (SILENCED_SYSTEM_CHECKS are left out, as by manage.py check)
    manage.py itsme_check --online   # then fetch discovery and the provider's keys

Exit status: 0 when nothing is wrong (warnings allowed), 1 when a check reports an error, 2 when
``--online`` cannot fetch or use itsme's discovery document or keys (the message names the
error's ``code``, as listed in README.rst's troubleshooting table).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.checks import ERROR, CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_itsme.checks import run_checks
from django_itsme.conf import get_settings
from django_itsme.core.client import ItsmeClient
from django_itsme.core.discovery import discovery_url
from django_itsme.core.errors import ItsmeError

#: Exit status when a check reports an error.
EXIT_CHECK_ERROR = 1
#: Exit status when ``--online`` fails.
EXIT_ONLINE_ERROR = 2

_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


class Command(BaseCommand):
    """Report django-itsme configuration problems; with ``--online``, test the provider."""

    help = (
        "Run the django-itsme system checks and print each problem with its id and hint. "
        "With --online, also fetch itsme's discovery document and keys."
    )
    # This command runs the itsme checks itself and must report them, not stop on them.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare ``--online``."""
        parser.add_argument(
            "--online",
            action="store_true",
            help="also fetch the provider's discovery document and JWKS and report them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the command.

        :raises CommandError: exit 1 when a check reports an error; exit 2 when the online
            check fails.
        """
        messages = [message for message in run_checks() if not message.is_silenced()]
        for message in messages:
            self._report(message)
        errors = sum(1 for message in messages if message.level >= ERROR)
        warnings = len(messages) - errors
        if errors:
            raise CommandError(
                f"itsme configuration: {_count(errors, 'error')}, {_count(warnings, 'warning')}.",
                returncode=EXIT_CHECK_ERROR,
            )
        summary = "no problems" if not messages else _count(warnings, "warning")
        self.stdout.write(self.style.SUCCESS(f"itsme configuration: {summary}."))
        if options["online"]:
            self._check_online()

    def _report(self, message: CheckMessage) -> None:
        style = self.style.ERROR if message.level >= ERROR else self.style.WARNING
        where = f" {message.obj}:" if message.obj is not None else ""
        self.stdout.write(style(f"{message.id}{where} {message.msg}"))
        if message.hint:
            self.stdout.write(f"    hint: {message.hint}")

    def _check_online(self) -> None:
        """Fetch discovery and the provider's keys through the core and print what was found.

        :raises CommandError: (exit 2) naming the :class:`ItsmeError` code.
        """
        try:
            config = get_settings().client
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=EXIT_ONLINE_ERROR) from exc
        client = ItsmeClient(config)
        self.stdout.write(f"Discovery: {discovery_url(config.issuer)}")
        try:
            metadata = client.provider_metadata()
            self.stdout.write(f"  issuer: {metadata.issuer}")
            for name in _ENDPOINTS:
                self.stdout.write(f"  {name}: {getattr(metadata, name)}")
            encryption_kid = str(client.provider_keys().encryption_key().get("kid", ""))
            listed = _describe_keys(client.provider_keys().public_keys())
        except ItsmeError as exc:
            raise CommandError(
                f"itsme online check failed [{exc.code}]: {exc.message}",
                returncode=EXIT_ONLINE_ERROR,
            ) from exc
        self.stdout.write(f"Provider keys ({len(listed)}):")
        for line in listed:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Request objects are encrypted to kid {encryption_kid or '(none)'}.")
        self.stdout.write(self.style.SUCCESS("itsme online check: OK."))


def _describe_keys(keys: list[dict[str, Any]]) -> list[str]:
    """One line per key: kid, kty, use and alg."""
    return [
        " ".join(f"{name}={key.get(name, '-')}" for name in ("kid", "kty", "use", "alg"))
        for key in keys
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
