"""``manage.py itsme_keys``: make a private JWK set, print its public half, rotate its keys.

::

    manage.py itsme_keys --out jwks_private.json     # new set, file mode 0600
    manage.py itsme_keys --bits 4096                 # new set on standard output
    manage.py itsme_keys --public                    # the public JWKS to register with itsme
    manage.py itsme_keys status                      # each key's state and what happens next
    manage.py itsme_keys rotate --sig                # new signing key, signs after the delay
    manage.py itsme_keys rotate --enc                # new encryption key, old one decrypts on
    manage.py itsme_keys prune                       # remove the retired keys from the file

A new set holds one RS256 ``sig`` and one RSA-OAEP-256 ``enc`` key (D-JOSE "Creating your JWK Set
URI"), made by :func:`django_itsme.core.keygen.generate_private_jwks`. ``--public`` exports only
the public members of the keys in ``ITSME['PRIVATE_JWKS']`` in force now, the same set the
``itsme:jwks`` route serves.

``rotate``, ``status`` and ``prune`` work on the ``PRIVATE_JWKS`` file (or ``--file``). ``rotate``
follows itsme's procedure (D-AUTH "Key rotation procedure", :mod:`django_itsme.core.key_rotation`)
by writing dates into the file: ``--delay`` seconds (default 25 hours: itsme's 24-hour worst case
plus a margin) before a new signing key signs, and as long an old encryption key keeps decrypting.
It writes the file atomically (a 0600 temporary file renamed over it); running processes re-read a
changed file at their next use of the keys, so nothing needs restarting.
"""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_itsme.conf import get_settings
from django_itsme.core.errors import ConfigurationError
from django_itsme.core.key_rotation import (
    DEFAULT_ROTATION_DELAY,
    ITSME_JWKS_CACHE_MIN,
    format_time,
    prune_retired_keys,
    rotate_encryption_key,
    rotate_signing_key,
)
from django_itsme.core.key_store import KeyStatus
from django_itsme.core.keygen import (
    add_generation_arguments,
    check_generation_options,
    generate_private_jwks,
    write_private_file,
)
from django_itsme.core.keys import PrivateKeys, inspect_private_jwks

#: What each action does; no action makes a new set (today's behaviour).
ACTIONS = ("rotate", "status", "prune")
#: What a client-secret partner without PRIVATE_JWKS or KEY_STORE is told.
_NO_KEYS = (
    "This site has no private keys: ITSME['TOKEN_AUTH_METHOD'] is 'client_secret_post', whose "
    "secret signs and decrypts, so it needs none and publishes no JWK set."
)


class Command(BaseCommand):
    """Generate a private JWK set for itsme, or print the configured keys' public JWKS."""

    help = (
        "Generate a private JWK set (one 'sig' and one 'enc' RSA key) for ITSME['PRIVATE_JWKS'], "
        "or with --public print the public JWKS of the configured keys to register with itsme; "
        "'status' shows each key's state, 'rotate --sig|--enc' starts itsme's key rotation "
        "procedure, 'prune' removes retired keys."
    )
    # Making keys must work while ITSME is still incomplete: the checks would refuse to start.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the optional action and ``--out``, ``--force``, ``--bits``, ``--public``,
        ``--sig``, ``--enc``, ``--delay`` and ``--file``."""
        parser.add_argument(
            "action",
            nargs="?",
            choices=ACTIONS,
            help="status: each key's state; rotate: start a rotation (--sig, --enc); prune: "
            "remove retired keys. Without an action: generate a new set.",
        )
        parser.add_argument("--sig", action="store_true", help="rotate: the signing key")
        parser.add_argument("--enc", action="store_true", help="rotate: the encryption key")
        parser.add_argument(
            "--delay",
            type=int,
            default=None,
            help="rotate: seconds before a new signing key signs, and an old encryption key "
            f"keeps decrypting (at least {int(ITSME_JWKS_CACHE_MIN)}; default "
            f"{int(DEFAULT_ROTATION_DELAY)}: itsme's 24-hour cache plus a margin)",
        )
        parser.add_argument(
            "--file",
            metavar="PATH",
            help="rotate, status, prune: the private set to use instead of ITSME['PRIVATE_JWKS']",
        )
        add_generation_arguments(parser)
        parser.add_argument(
            "--public",
            action="store_true",
            help="print the public JWKS of the keys configured in ITSME['PRIVATE_JWKS'] instead",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the command.

        :raises CommandError: bad options, an existing file without ``--force``, a file that
            cannot be written, or (with ``--public``) an invalid ``ITSME`` setting.
        """
        if options["action"] is not None:
            self._lifecycle(options)
            return
        if options["sig"] or options["enc"] or options["delay"] is not None or options["file"]:
            raise CommandError("--sig, --enc, --delay and --file go with rotate, status or prune.")
        if options["public"]:
            if options["out"] or options["force"] or options["bits"] is not None:
                raise CommandError("--public prints to standard output; drop --out/--force/--bits.")
            self._print_public()
            return
        bits = self._bits(options)
        text = json.dumps(generate_private_jwks(bits=bits), indent=2) + "\n"
        if not options["out"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["out"])
        self._write_private(path, text, replace=options["force"])
        self.stderr.write(
            f"Wrote a private JWK set to {path} (mode 0600); keep it secret. Set "
            "ITSME['PRIVATE_JWKS'] to this path, then register the output of "
            "'manage.py itsme_keys --public' (or your itsme:jwks URL) with itsme."
        )

    def _lifecycle(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if options["out"] or options["force"] or options["public"]:
            raise CommandError(f"{action} takes no --out, --force or --public.")
        if action != "rotate" and (
            options["sig"] or options["enc"] or options["delay"] is not None
        ):
            raise CommandError("--sig, --enc and --delay go with rotate.")
        if action != "rotate" and options["bits"] is not None:
            raise CommandError("--bits goes with rotate or with making a new set.")
        path = self._private_path(options["file"])
        now = time.time()
        data = self._read_set(path)
        if action == "status":
            self._print_status(data, now)
            return
        if action == "prune":
            pruned = prune_retired_keys(data, now=now)
            removed = len(data["keys"]) - len(pruned["keys"])
            if removed:
                self._write_private(path, json.dumps(pruned, indent=2) + "\n", replace=True)
            self.stdout.write(f"Removed {removed} retired key(s) from {path}.")
            return
        if not (options["sig"] or options["enc"]):
            raise CommandError("rotate needs --sig, --enc or both.")
        bits = self._bits(options)
        delay = DEFAULT_ROTATION_DELAY if options["delay"] is None else float(options["delay"])
        try:
            rotated = prune_retired_keys(data, now=now)
            if options["sig"]:
                rotated = rotate_signing_key(rotated, now=now, delay=delay, bits=bits)
            if options["enc"]:
                rotated = rotate_encryption_key(rotated, now=now, delay=delay, bits=bits)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        self._write_private(path, json.dumps(rotated, indent=2) + "\n", replace=True)
        self.stderr.write(f"Rotated the keys in {path} (mode 0600); running sites follow it.")
        self._print_status(rotated, now)

    def _private_path(self, given: str | None) -> Path:
        if given:
            return Path(given)
        try:
            keys = get_settings().client.keys
        except ImproperlyConfigured as exc:
            raise CommandError(
                f"{exc} Run 'manage.py itsme_check' for details, or pass --file."
            ) from exc
        if keys is None:
            raise CommandError(f"{_NO_KEYS} Pass --file to work on a key file all the same.")
        if not isinstance(keys, PrivateKeys):
            raise CommandError(
                "ITSME['KEY_STORE'] holds the keys: create and rotate them in the store "
                "(README.rst, 'Keys in an HSM or a cloud KMS'), or pass --file."
            )
        if keys.path is None:
            raise CommandError(
                "ITSME['PRIVATE_JWKS'] is JSON text or a dict, not a file: rotation writes the "
                "file, so point PRIVATE_JWKS at one (or pass --file)."
            )
        return keys.path

    @staticmethod
    def _read_set(path: Path) -> dict[str, Any]:
        keys, problems = inspect_private_jwks(path)
        if keys is None:
            raise CommandError(problems[0].message if problems else f"{path} is unusable.")
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path} ({type(exc).__name__}).") from exc
        return data

    def _print_status(self, data: dict[str, Any], now: float) -> None:
        keys, problems = inspect_private_jwks(data, clock=lambda: now)
        if keys is None:
            raise CommandError(problems[0].message if problems else "PRIVATE_JWKS is unusable.")
        self.stdout.write(f"Keys at {format_time(now)}:")
        for status in keys.statuses(now):
            published = "published" if status.published else "not published"
            self.stdout.write(
                f"  {status.kid:<24} {status.use}  {status.state:<9} {published:<13} "
                f"{_next_step(status, now)}"
            )

    def _print_public(self) -> None:
        try:
            keys = get_settings().client.keys
        except ImproperlyConfigured as exc:
            raise CommandError(f"{exc} Run 'manage.py itsme_check' for details.") from exc
        if keys is None:
            raise CommandError(_NO_KEYS)
        self.stdout.write(json.dumps(keys.public_jwks(), indent=2))

    @staticmethod
    def _bits(options: dict[str, Any]) -> int:
        """The modulus size for new keys, by the rules all key-generation commands share."""
        try:
            return check_generation_options(
                bits=options["bits"], out=options["out"], force=options["force"]
            )
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _write_private(path: Path, text: str, *, replace: bool) -> None:
        """Write ``text`` to ``path`` with mode 0600 (see :func:`write_private_file`)."""
        try:
            write_private_file(path, text, replace=replace)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc


def _next_step(status: KeyStatus, now: float) -> str:
    """What happens next to a key, in words (``status``)."""
    if status.state == "retired":
        return "retired: neither used nor published; 'itsme_keys prune' removes it"
    if status.state == "next":
        return f"signs from {_when(status.not_before, now)}"
    if status.state == "retiring":
        return f"still decrypts; dropped at {_when(status.retire_at, now)}"
    steps = []
    if status.state == "active" and status.use == "sig":
        steps.append("signs")
    if status.state == "active" and status.use == "enc":
        steps.append("decrypts")
    if status.state == "published":
        steps.append("does not sign")
    if status.unpublish_at is not None and status.unpublish_at > now:
        steps.append(f"unpublished at {_when(status.unpublish_at, now)}")
    if status.retire_at is not None:
        steps.append(f"retired at {_when(status.retire_at, now)}")
    return "; ".join(steps)


def _when(moment: float | None, now: float) -> str:
    if moment is None:
        return "never"
    hours = (moment - now) / 3600
    stamp = datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{stamp} (in {hours:.1f} h)"
