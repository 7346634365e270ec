"""``manage.py itsme_keys``: make a private JWK set, or print the public half of the configured one.

::

    manage.py itsme_keys --out jwks_private.json     # new set, file mode 0600
    manage.py itsme_keys --bits 4096                 # new set on standard output
    manage.py itsme_keys --public                    # the public JWKS to register with itsme

A new set holds one RS256 ``sig`` and one RSA-OAEP-256 ``enc`` key (D-JOSE "Creating your JWK Set
URI"), made by :func:`django_itsme.core.keygen.generate_private_jwks`. ``--public`` exports only
the public members of the keys in ``ITSME['PRIVATE_JWKS']``, the same set the ``itsme:jwks``
route serves.
"""

from __future__ import annotations

import json
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_itsme.conf import get_settings
from django_itsme.core.keygen import generate_private_jwks
from django_itsme.core.keys import MIN_RSA_BITS

#: The modulus size of new keys: NIST SP 800-57 Part 1 rates RSA-3072 as good beyond 2030, and
#: itsme's floor is 2048 (TB).
DEFAULT_BITS = 3072
#: Refused above this: generation time grows steeply and itsme gains nothing from it.
MAX_BITS = 8192
#: A private key file is readable by its owner only.
PRIVATE_FILE_MODE = 0o600


class Command(BaseCommand):
    """Generate a private JWK set for itsme, or print the configured keys' public JWKS."""

    help = (
        "Generate a private JWK set (one 'sig' and one 'enc' RSA key) for ITSME['PRIVATE_JWKS'], "
        "or with --public print the public JWKS of the configured keys to register with itsme."
    )
    # Making keys must work while ITSME is still incomplete: the checks would refuse to start.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare ``--out``, ``--force``, ``--bits`` and ``--public``."""
        parser.add_argument(
            "--out",
            metavar="PATH",
            help="write the private set to this new file (mode 0600) instead of standard output",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace the --out file if it already exists"
        )
        parser.add_argument(
            "--bits",
            type=int,
            default=None,
            help=f"RSA modulus size, {MIN_RSA_BITS} to {MAX_BITS} (default {DEFAULT_BITS})",
        )
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
        if options["public"]:
            if options["out"] or options["force"] or options["bits"] is not None:
                raise CommandError("--public prints to standard output; drop --out/--force/--bits.")
            self._print_public()
            return
        bits = DEFAULT_BITS if options["bits"] is None else options["bits"]
        if not MIN_RSA_BITS <= bits <= MAX_BITS:
            raise CommandError(f"--bits must be between {MIN_RSA_BITS} and {MAX_BITS}.")
        if options["force"] and not options["out"]:
            raise CommandError("--force only applies to --out.")
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

    def _print_public(self) -> None:
        try:
            keys = get_settings().client.keys
        except ImproperlyConfigured as exc:
            raise CommandError(f"{exc} Run 'manage.py itsme_check' for details.") from exc
        self.stdout.write(json.dumps(keys.public_jwks(), indent=2))

    @staticmethod
    def _write_private(path: Path, text: str, *, replace: bool) -> None:
        """Write ``text`` to ``path`` with mode 0600.

        Without ``replace`` the file is created exclusively (``O_EXCL`` also refuses a symlink);
        with it, a 0600 temporary file in the same directory is renamed over the old one, so the
        old keys stay intact until the new ones are complete.
        """
        try:
            if replace:
                # mkstemp creates the file with mode 0600.
                fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".itsme-keys-")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.write(text)
                    os.replace(temporary, path)
                except BaseException:
                    Path(temporary).unlink(missing_ok=True)
                    raise
            else:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
                fd = os.open(path, flags, PRIVATE_FILE_MODE)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
        except FileExistsError:
            raise CommandError(f"{path} already exists; pass --force to replace it.") from None
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
