"""App configuration: ``ready()`` registers the system checks and signal receivers, nothing else."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmeConfig(AppConfig):
    """django-itsme."""

    name = "django_itsme"
    verbose_name = _("itsme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: apps must be ready first.
        from django.contrib.auth.signals import user_logged_in, user_logged_out  # noqa: PLC0415

        from .checks import register_checks  # noqa: PLC0415
        from .flows import drop_flows_on_login, drop_flows_on_logout  # noqa: PLC0415

        register_checks()
        # Any login or logout, by any backend, drops the session's pending itsme flows.
        user_logged_in.connect(drop_flows_on_login, dispatch_uid="django_itsme.drop_flows_on_login")
        user_logged_out.connect(
            drop_flows_on_logout, dispatch_uid="django_itsme.drop_flows_on_logout"
        )
