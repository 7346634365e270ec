"""Template tags of django-itsme: ``{% load itsme %}``."""
