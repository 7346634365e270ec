"""Management commands of django-itsme."""
