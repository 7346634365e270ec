"""Django admin for itsme identities: find them by user or sub; the sub cannot be edited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from .models import ItsmeIdentity

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
