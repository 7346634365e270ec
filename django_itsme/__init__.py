"""django-itsme: itsme® (OpenID Connect v2) login, data sharing and Confirm for Django."""

__version__ = "0.1.0.dev0"
