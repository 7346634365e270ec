"""Test-suite wide setup. The Django-free suites (tests/core, tests/simulator) must run without
Django installed, so Django is configured here only when it can be imported."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    try:
        import django  # noqa: F401
    except ImportError:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    from django.conf import settings

    # Touch the settings so pytest-django (whose pytest_configure runs last) sets Django up.
    assert settings.INSTALLED_APPS
