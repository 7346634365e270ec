"""Django admin: identities (found by user or sub; the sub is read-only) and confirmations
(read-only records whose evidence is re-verified on display)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .core.evidence import EvidenceError
from .models import Confirmation, ItsmeIdentity

if TYPE_CHECKING:
    IdentityAdminBase = admin.ModelAdmin[ItsmeIdentity]
else:
    IdentityAdminBase = admin.ModelAdmin


@admin.register(ItsmeIdentity)
class ItsmeIdentityAdmin(IdentityAdminBase):
    """An identity is made by an itsme flow, never typed in: ``sub`` is read-only."""

    list_display = ("user", "sub", "last_acr", "last_login_at", "created_at")
    list_filter = ("last_acr",)
    search_fields = ("sub", f"user__{get_user_model().USERNAME_FIELD}")
    readonly_fields = ("sub", "last_acr", "created_at", "last_login_at")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


if TYPE_CHECKING:
    ConfirmationAdminBase = admin.ModelAdmin[Confirmation]
else:
    ConfirmationAdminBase = admin.ModelAdmin


@admin.register(Confirmation)
class ConfirmationAdmin(ConfirmationAdminBase):
    """Confirmations are records and evidence: viewable, never added, changed or deleted here."""

    list_display = ("created_at", "user", "service", "description", "status", "acr")
    list_filter = ("status", "service", "template_name")
    search_fields = ("id", "sub", "description", f"user__{get_user_model().USERNAME_FIELD}")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "user",
        "sub",
        "service",
        "service_code",
        "template_name",
        "description",
        "content",
        "status",
        "error_code",
        "created_at",
        "completed_at",
        "acr",
        "evidence_check",
        "salt",
        "nonce",
        "issuer",
        "client_id",
        "signing_key",
        "id_token",
    )
    fields = readonly_fields

    @admin.display(description=_("evidence"))
    def evidence_check(self, obj: Confirmation) -> str:
        """Re-verifies the evidence offline each time the page is shown."""
        if obj.status != Confirmation.Status.APPROVED:
            return str(_("none (not approved)"))
        try:
            obj.verify()
        except EvidenceError as error:
            return str(_("INVALID: %(reason)s") % {"reason": error})
        return str(_("valid: itsme signed this approval by this sub for exactly this content"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
