"""App configuration: ``ready()`` registers the system checks and nothing else."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmeConfig(AppConfig):
    """django-itsme."""

    name = "django_itsme"
    verbose_name = _("itsme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .checks import register_checks  # noqa: PLC0415 - apps must be ready first

        register_checks()
