"""README.rst is the manual: valid reStructuredText, and it documents every setting, every
system check id and every failure code the code has."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from django_itsme.check_registry import CHECKS
from django_itsme.conf import DJANGO_SETTINGS
from django_itsme.core.config import CORE_SETTINGS
from django_itsme.failures import BY_CODE

README = (Path(__file__).resolve().parents[2] / "README.rst").read_text(encoding="utf-8")


def test_readme_is_valid_restructuredtext() -> None:
    docutils_core = pytest.importorskip("docutils.core")
    warnings = io.StringIO()
    docutils_core.publish_doctree(
        README,
        settings_overrides={"warning_stream": warnings, "report_level": 2, "halt_level": 5},
    )
    assert warnings.getvalue() == ""


@pytest.mark.parametrize("key", sorted({*CORE_SETTINGS, *DJANGO_SETTINGS}))
def test_every_setting_is_documented(key: str) -> None:
    assert f"\n``{key}``" in README


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_id_is_documented(check_id: str) -> None:
    assert f"django_itsme.{check_id}" in README


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_every_failure_code_is_documented(code: str) -> None:
    assert f"``{code}``" in README
