"""``manage.py itsme_verify_confirmation ID [ID ...] | --all``: re-verify Confirm evidence offline.

Exits with status 1 when any confirmation's evidence does not hold (tampered content, salt,
token or key), so it can guard an audit script.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_itsme.core.evidence import EvidenceError
from django_itsme.models import Confirmation


class Command(BaseCommand):
    help = "Re-verify, offline, the itsme evidence stored with Confirm approvals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", help="confirmation ids (UUIDs)")
        parser.add_argument(
            "--all", action="store_true", help="every approved confirmation instead of ids"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[str] = options["ids"]
        if bool(ids) == bool(options["all"]):
            raise CommandError("Give confirmation ids, or --all.")
        if options["all"]:
            confirmations = list(Confirmation.objects.filter(status=Confirmation.Status.APPROVED))
        else:
            try:
                found = {str(c.pk): c for c in Confirmation.objects.filter(pk__in=ids)}
            except ValidationError as exc:
                raise CommandError("Confirmation ids are UUIDs.") from exc
            missing = [i for i in ids if i not in found]
            if missing:
                raise CommandError(f"No confirmation {', '.join(missing)}.")
            confirmations = [found[i] for i in ids]
        failed = 0
        for confirmation in confirmations:
            try:
                claims = confirmation.verify()
            except EvidenceError as error:
                failed += 1
                self.stdout.write(f"MISMATCH {confirmation.pk}: {error}")
            else:
                self.stdout.write(
                    f"OK {confirmation.pk}: approved by sub {str(claims['sub'])[:8]}... "
                    f"for {confirmation.description!r}"
                )
        if failed:
            raise CommandError(f"{failed} of {len(confirmations)} confirmations do not verify.")
        self.stdout.write(f"{len(confirmations)} confirmations verified.")
