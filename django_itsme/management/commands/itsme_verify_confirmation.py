"""``manage.py itsme_verify_confirmation ID [ID ...] | --all [--online]``: re-verify evidence.

Each confirmation gets one verdict, with the anchor that vouched for itsme's signing key:

``VALID``
    itsme signed an approval by this ``sub`` for exactly this content, with a key that
    ``KEY_ARCHIVE`` (or, with ``--online``, itsme's JWKS fetched now) knows.
``NOT ANCHORED``
    the signature verifies with the key stored in the row, but no anchor knows that key: nothing
    shows it is itsme's (a re-signed row looks exactly like this).
``MISMATCH``
    content, salt, id, ``sub``, token or key tampered, no evidence (not approved), or evidence
    recorded for another issuer or client id than the settings name.

Issuer and client id come from the settings, never from the rows. ``--online`` fetches itsme's
JWKS with a client of its own (over TLS, bypassing the shared cache) for keys the archive does not
know. The fields printed as "not covered" are the site's own records, outside the evidence.

Exit status: 0 every verdict is VALID; 1 a MISMATCH; 3 no mismatch but a key NOT ANCHORED;
2 bad arguments, invalid settings or an unreadable ``KEY_ARCHIVE``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError

from django_itsme.anchors import evidence_anchors, load_key_archive
from django_itsme.conf import get_settings
from django_itsme.core.errors import ItsmeError
from django_itsme.core.evidence import EvidenceError, KeyAnchor, UnanchoredKeyError
from django_itsme.core.key_archive import KeyArchiveError
from django_itsme.models import Confirmation

#: Every verdict is VALID.
EXIT_VALID = 0
#: At least one MISMATCH (tampered, not approved, or another environment).
EXIT_MISMATCH = 1
#: Bad arguments, invalid settings or an unreadable KEY_ARCHIVE.
EXIT_USAGE = 2
#: No mismatch, but at least one key that no anchor knows.
EXIT_UNANCHORED = 3


class Command(BaseCommand):
    help = (
        "Re-verify the itsme evidence stored with Confirm approvals against KEY_ARCHIVE "
        "(and, with --online, itsme's live JWKS). Exit 0 valid, 1 mismatch, 3 not anchored."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("ids", nargs="*", help="confirmation ids (UUIDs)")
        parser.add_argument(
            "--all", action="store_true", help="every approved confirmation instead of ids"
        )
        parser.add_argument(
            "--online",
            action="store_true",
            help="also accept keys itsme's JWKS publishes now (fetched over TLS for this run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Verify and print one verdict per confirmation.

        :raises CommandError: exit 1 (mismatch), 3 (not anchored) or 2 (usage, settings,
            archive); see the module docstring.
        """
        confirmations = self._select(options["ids"], all_approved=options["all"])
        anchors = self._anchors(online=options["online"])
        mismatched = unanchored = 0
        for confirmation in confirmations:
            try:
                result = confirmation.check_evidence(anchors=anchors)
            except UnanchoredKeyError as error:
                unanchored += 1
                self.stdout.write(f"NOT ANCHORED {confirmation.pk}: {error}")
                for note in error.notes:
                    self.stdout.write(f"    {note}")
            except EvidenceError as error:
                mismatched += 1
                self.stdout.write(f"MISMATCH {confirmation.pk}: {error}")
            else:
                sub = str(result.claims.get("sub", ""))[:8]
                self.stdout.write(
                    f"VALID {confirmation.pk}: itsme signed an approval by sub {sub}... of "
                    f"{_approved_content(confirmation)!r} (from the signed content; level "
                    f"{result.claims.get('acr', '-')}); key {result.kid} vouched for by "
                    f"{result.anchor}"
                )
            self.stdout.write(f"    not covered by the evidence: {_not_covered(confirmation)}")
        total = len(confirmations)
        if mismatched:
            raise CommandError(
                f"{mismatched} of {total} confirmations do not verify"
                + (f", {unanchored} not anchored." if unanchored else "."),
                returncode=EXIT_MISMATCH,
            )
        if unanchored:
            raise CommandError(
                f"{unanchored} of {total} confirmations are signed with a key no trust anchor "
                "knows: not proven. Keep KEY_ARCHIVE (manage.py itsme_archive_keys) or use "
                "--online.",
                returncode=EXIT_UNANCHORED,
            )
        self.stdout.write(f"{total} confirmations verified.")

    def _select(self, ids: list[str], *, all_approved: bool) -> list[Confirmation]:
        if bool(ids) == all_approved:
            raise CommandError("Give confirmation ids, or --all.", returncode=EXIT_USAGE)
        if all_approved:
            return list(Confirmation.objects.filter(status=Confirmation.Status.APPROVED))
        try:
            found = {str(c.pk): c for c in Confirmation.objects.filter(pk__in=ids)}
        except ValidationError as exc:
            raise CommandError("Confirmation ids are UUIDs.", returncode=EXIT_USAGE) from exc
        missing = [i for i in ids if i not in found]
        if missing:
            raise CommandError(f"No confirmation {', '.join(missing)}.", returncode=EXIT_USAGE)
        return [found[i] for i in ids]

    def _anchors(self, *, online: bool) -> list[KeyAnchor]:
        """The configured anchors; an unreadable archive stops the run (exit 2)."""
        try:
            settings = get_settings()
            if settings.key_archive is not None:
                load_key_archive(settings.key_archive)
            anchors = evidence_anchors(online=online, fresh=True)
        except KeyArchiveError as exc:
            raise CommandError(f"KEY_ARCHIVE: {exc.message}", returncode=EXIT_USAGE) from exc
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if not anchors:
            self.stdout.write(
                "No trust anchor: KEY_ARCHIVE is not set and --online was not given, so no key "
                "can be shown to be itsme's."
            )
        for anchor in anchors:
            self.stdout.write(f"Anchor: {anchor.label}")
        return anchors


def _approved_content(confirmation: Confirmation) -> str:
    """The approved content's description, read from the bound ``content``."""
    try:
        return confirmation.template.describe()
    except (ItsmeError, ValueError, RecursionError):
        return "(unreadable content)"


def _not_covered(confirmation: Confirmation) -> str:
    """The row's own records, which the evidence does not cover."""
    user = confirmation.user
    parts = {
        "user": str(user) if user is not None else "-",
        "service": confirmation.service,
        "service_code": confirmation.service_code,
        "status": confirmation.status,
        "created_at": confirmation.created_at.isoformat() if confirmation.created_at else "-",
        "completed_at": confirmation.completed_at.isoformat() if confirmation.completed_at else "-",
    }
    return " ".join(f"{name}={value}" for name, value in parts.items())
