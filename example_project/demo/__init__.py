"""The django-itsme demo site: log in, share data and confirm against the embedded simulator."""
