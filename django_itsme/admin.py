"""Django admin: identities (found by user or sub; who they belong to is read-only) and
confirmations (read-only records whose evidence is re-verified, and anchored, on display)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .core.errors import ItsmeError
from .core.evidence import EvidenceError, EvidenceResult, UnanchoredKeyError
from .models import Confirmation, ItsmeIdentity

if TYPE_CHECKING:
    IdentityAdminBase = admin.ModelAdmin[ItsmeIdentity]
    ConfirmationAdminBase = admin.ModelAdmin[Confirmation]
else:
    IdentityAdminBase = admin.ModelAdmin
    ConfirmationAdminBase = admin.ModelAdmin

logger = logging.getLogger("django_itsme")

#: Where the verdict of one confirmation is kept while its page renders (it is shown in several
#: fields, and verified once).
_VERDICT_ATTRIBUTE = "_itsme_evidence_verdict"


@admin.register(ItsmeIdentity)
class ItsmeIdentityAdmin(IdentityAdminBase):
    """An identity is made by an itsme flow, never typed in or handed over: ``user`` and ``sub``
    are read-only, so no one reassigns an itsme identity to another account here (linking goes
    through the ``itsme:link`` route only). Deleting an identity unlinks it."""

    list_display = ("user", "sub", "last_acr", "last_login_at", "created_at")
    list_filter = ("last_acr",)
    search_fields = ("sub", f"user__{get_user_model().USERNAME_FIELD}")
    readonly_fields = ("user", "sub", "last_acr", "created_at", "last_login_at")
    fields = readonly_fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


#: Shown under "Evidence": bound by the nonce or signed by itsme (or derived from those).
COVERED_FIELDS = (
    "evidence_check",
    "approved_content",
    "approved_template",
    "sub",
    "signed_level",
    "id",
    "content",
    "salt",
    "nonce",
    "id_token",
    "signing_key",
)
#: Shown under "Not covered by the evidence": the site's own records.
NOT_COVERED_FIELDS = (
    "user",
    "service",
    "service_code",
    "status",
    "error_code",
    "created_at",
    "completed_at",
    "description",
    "template_name",
    "acr",
    "issuer",
    "client_id",
)


@admin.register(Confirmation)
class ConfirmationAdmin(ConfirmationAdminBase):
    """Confirmations are records and evidence: viewable, never added, changed or deleted here.

    The page separates what the evidence proves (the content, read from the bound ``content``;
    the ``sub``; the level from the signed claims) from the site's own records, which the
    evidence does not cover.
    """

    list_display = ("created_at", "user", "service", "approved_content", "status", "acr")
    list_filter = ("status", "service", "template_name")
    search_fields = ("id", "sub", "description", f"user__{get_user_model().USERNAME_FIELD}")
    date_hierarchy = "created_at"
    fieldsets = (
        (
            _("Evidence"),
            {
                "description": _(
                    "What itsme's signature proves when the verdict is valid: this itsme user "
                    "(sub) approved exactly this content, at the signed level."
                ),
                "fields": COVERED_FIELDS,
            },
        ),
        (
            _("Not covered by the evidence"),
            {
                "description": _(
                    "The site's own records: anyone with write access to the database can change "
                    "them without breaking the evidence. Issuer and client id are compared with "
                    "the settings."
                ),
                "fields": NOT_COVERED_FIELDS,
            },
        ),
    )
    readonly_fields = COVERED_FIELDS + NOT_COVERED_FIELDS

    @admin.display(description=_("evidence"))
    def evidence_check(self, obj: Confirmation) -> str:
        """The verdict and the anchor that vouched for itsme's key, verified on each display
        (``KEY_ARCHIVE`` first; itsme's live JWKS, cached, only when the archive does not know
        the key)."""
        if obj.status != Confirmation.Status.APPROVED:
            return str(_("none (not approved)"))
        verdict = _verdict(obj)
        if isinstance(verdict, EvidenceResult):
            return str(
                _(
                    "valid: itsme signed this approval by this sub for exactly this content; "
                    "itsme's key vouched for by %(anchor)s"
                )
                % {"anchor": verdict.anchor}
            )
        if isinstance(verdict, UnanchoredKeyError):
            notes = "; ".join(verdict.notes)
            return str(
                _(
                    "NOT ANCHORED: the signature verifies with the key stored in this record, "
                    "but no trust anchor knows that key, so this proves nothing. %(notes)s"
                )
                % {"notes": notes}
            ).strip()
        if isinstance(verdict, EvidenceError):
            return str(_("INVALID: %(reason)s") % {"reason": verdict})
        return str(_("NOT VERIFIED: %(reason)s") % {"reason": verdict})

    @admin.display(description=_("approved content"))
    def approved_content(self, obj: Confirmation) -> str:
        """What was shown and approved, read from ``content`` (which the nonce binds)."""
        try:
            return obj.template.describe()
        except (ItsmeError, ValueError, RecursionError):
            return str(_("(unreadable content)"))

    @admin.display(description=_("template (from content)"))
    def approved_template(self, obj: Confirmation) -> str:
        """The template's name, read from ``content``."""
        try:
            return obj.template.name
        except (ItsmeError, ValueError, RecursionError):
            return str(_("(unreadable content)"))

    @admin.display(description=_("level (signed acr)"))
    def signed_level(self, obj: Confirmation) -> str:
        """The ``acr`` claim itsme signed, shown only when the evidence is valid."""
        if obj.status != Confirmation.Status.APPROVED:
            return "-"
        verdict = _verdict(obj)
        if not isinstance(verdict, EvidenceResult):
            return str(_("(not proved)"))
        acr = verdict.claims.get("acr")
        return str(acr) if isinstance(acr, str) else str(_("(not in the signed token)"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _verdict(obj: Confirmation) -> EvidenceResult | Exception:
    """Verify once per displayed object; any failure becomes a verdict, never a 500."""
    cache: dict[str, Any] = obj.__dict__
    if _VERDICT_ATTRIBUTE not in cache:
        verdict: EvidenceResult | Exception
        try:
            verdict = obj.check_evidence(online=True)
        except ItsmeError as error:
            verdict = error
        except Exception as error:  # the admin page must render whatever happens
            name = type(error).__name__
            logger.warning("itsme evidence check failed: confirmation=%s error=%s", obj.pk, name)
            verdict = error
        cache[_VERDICT_ATTRIBUTE] = verdict
    result: EvidenceResult | Exception = cache[_VERDICT_ATTRIBUTE]
    return result
