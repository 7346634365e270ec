"""``manage.py itsme_archive_keys [--archive PATH] [--list]``: keep the archive of itsme's keys.

::

    manage.py itsme_archive_keys          # fetch itsme's JWKS now and add its signing keys to
                                          # KEY_ARCHIVE (new keys added, last_seen moved forward)
    manage.py itsme_archive_keys --list   # print the archive, fetch nothing, change nothing

The JWKS is fetched through the core's discovery and key machinery with a client of its own (so
over TLS, from itsme, whatever the shared cache holds). Keys are never dropped: a key itsme has
rotated away stays in the archive, so evidence it signed keeps verifying offline. The file is
written atomically (a temporary file, then a rename). Run it daily from cron and commit the file
(see README.rst, "Confirm evidence").

Exit status: 0 done; 1 the archive cannot be read or written (an invalid file is never
overwritten); 2 itsme's keys cannot be fetched.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_itsme.conf import get_settings
from django_itsme.core.client import ItsmeClient
from django_itsme.core.errors import ItsmeError
from django_itsme.core.key_archive import (
    KeyArchiveError,
    merge_keys,
    read_archive,
    write_archive,
)

#: The archive cannot be read or written.
EXIT_ARCHIVE_ERROR = 1
#: itsme's keys cannot be fetched.
EXIT_ONLINE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Fetch itsme's JWKS and add its signing keys to the key archive (KEY_ARCHIVE) that "
        "Confirm evidence is verified against; --list prints the archive."
    )
    # Creating the archive must work while the checks still warn that it does not exist.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--archive", metavar="PATH", help="the archive file (default: ITSME['KEY_ARCHIVE'])"
        )
        parser.add_argument(
            "--list", action="store_true", help="print the archive; fetch and change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Update (or list) the archive.

        :raises CommandError: exit 1 (archive) or 2 (itsme unreachable), see the module docstring.
        """
        try:
            settings = get_settings()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=EXIT_ARCHIVE_ERROR) from exc
        path = Path(options["archive"]) if options["archive"] else settings.key_archive
        if path is None:
            raise CommandError(
                "No archive: set ITSME['KEY_ARCHIVE'] to a file path, or pass --archive PATH.",
                returncode=EXIT_ARCHIVE_ERROR,
            )
        try:
            archive = read_archive(path, missing_ok=not options["list"])
        except KeyArchiveError as exc:
            raise CommandError(exc.message, returncode=EXIT_ARCHIVE_ERROR) from exc
        if options["list"]:
            self.stdout.write(f"{path}: {len(archive.keys)} keys")
            for key in archive.keys:
                self.stdout.write(
                    f"  {key.issuer} kid={key.kid} thumbprint={key.thumbprint} "
                    f"first_seen={key.first_seen} last_seen={key.last_seen}"
                )
            return
        issuer = settings.client.issuer
        client = ItsmeClient(settings.client)
        try:
            published = client.provider_keys().public_keys()
        except ItsmeError as exc:
            raise CommandError(
                f"itsme's keys could not be fetched [{exc.code}]: {exc.message}",
                returncode=EXIT_ONLINE_ERROR,
            ) from exc
        try:
            updated, changes = merge_keys(archive, issuer=issuer, keys=published, now=time.time())
            write_archive(path, updated)
        except KeyArchiveError as exc:
            raise CommandError(exc.message, returncode=EXIT_ARCHIVE_ERROR) from exc
        for change in changes:
            key = change.key
            self.stdout.write(
                f"{change.action} {key.issuer} kid={key.kid} thumbprint={key.thumbprint} "
                f"first_seen={key.first_seen}"
            )
        added = sum(1 for change in changes if change.action == "added")
        self.stdout.write(
            f"{path}: {added} added, {len(changes) - added} already archived (last_seen "
            f"updated), {len(updated.keys)} keys in all."
        )
