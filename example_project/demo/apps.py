"""The demo app: its templates, its style sheet and the receiver that keeps shared data."""

from django.apps import AppConfig

from django_itsme.signals import identity_verified

from .shared import remember_shared_data


class DemoConfig(AppConfig):
    """Connect the ``identity_verified`` receiver when Django starts."""

    name = "demo"
    verbose_name = "django-itsme demo"

    def ready(self) -> None:
        """Keep the data each itsme flow shares in the user's session (see :mod:`demo.shared`)."""
        identity_verified.connect(remember_shared_data, dispatch_uid="demo.remember_shared_data")
