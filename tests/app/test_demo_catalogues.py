"""The translations of the demo site (example_project/demo/locale): complete and compiled.

* every .po of fr, nl and de translates every entry, none fuzzy, with the same placeholders;
* the three hold the same messages, and none of the package's (the package translates those);
* every committed .mo holds exactly what msgfmt compiles from its .po.

Only files are read (and the Django-free core): the demo's settings are not loaded. After
changing a string of the demo, run ``scripts/compile_translations.sh``, translate what it
reports, and run it again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from django_itsme.core import FreeTextTemplate
from tests.po_files import (
    PLACEHOLDER,
    compile_with_msgfmt,
    messages,
    po_catalogue,
    read_header,
    read_mo,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO_LOCALE_DIR = ROOT / "example_project" / "demo" / "locale"
PACKAGE_PO = ROOT / "django_itsme" / "locale" / "en" / "LC_MESSAGES" / "django.po"
LOCALES = ("fr", "nl", "de")
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
}
#: The initial value of the demo's free-text form (demo/forms.py): its translations are sent to
#: itsme as they are, so they must keep to itsme's rules (Latin-9, allowed tags only).
FREE_TEXT_INITIAL = "I accept the <b>general terms</b> of the demo shop.<br>Version 2, May 2025."


def po_path(locale: str) -> Path:
    return DEMO_LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def header(locale: str) -> dict[str, str]:
    return read_header(po_path(locale))


# --------------------------------------------------------------------------- the .po files


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_files_exist(locale: str) -> None:
    assert po_path(locale).is_file(), "run scripts/compile_translations.sh"
    assert po_path(locale).with_suffix(".mo").is_file(), "run scripts/compile_translations.sh"


@pytest.mark.parametrize("locale", LOCALES)
def test_headers(locale: str) -> None:
    fields = header(locale)
    assert fields["Language"] == locale
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == PLURAL_FORMS[locale]
    assert "PACKAGE" not in fields["Project-Id-Version"]


@pytest.mark.parametrize("locale", LOCALES)
def test_everything_translated_nothing_fuzzy(locale: str) -> None:
    entries = messages(po_path(locale))
    assert entries, f"{locale}: no messages were extracted"
    untranslated = [e.msgid for e in entries if not all(e.msgstr)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{locale}: untranslated: {untranslated}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_and_brand_kept(locale: str) -> None:
    for entry in messages(po_path(locale)):
        for msgstr in entry.msgstr:
            source = entry.msgid if len(entry.msgstr) == 1 else (entry.msgid_plural or "")
            expected = sorted(PLACEHOLDER.findall(source))
            assert sorted(PLACEHOLDER.findall(msgstr)) == expected, (locale, entry.msgid)
            # The brand is written "itsme", lower case, even at the start of a sentence.
            assert re.findall("itsme", msgstr, re.IGNORECASE) == re.findall("itsme", msgstr)
            assert msgstr.count("itsme") >= entry.msgid.count("itsme"), (locale, entry.msgid)


def test_every_locale_has_the_same_messages() -> None:
    keys = {locale: sorted(entry.key for entry in messages(po_path(locale))) for locale in LOCALES}
    for locale in LOCALES[1:]:
        assert keys[locale] == keys[LOCALES[0]], f"{locale} and {LOCALES[0]} differ: re-run"


def test_no_package_string_in_the_demo_catalogue() -> None:
    """The package translates its own strings; the demo's catalogue holds only the demo's."""
    package = {entry.key for entry in messages(PACKAGE_PO)}
    for locale in LOCALES:
        duplicated = sorted(package & {entry.key for entry in messages(po_path(locale))})
        assert not duplicated, f"{locale}: also in the package's catalogue: {duplicated}"


@pytest.mark.parametrize("locale", LOCALES)
def test_free_text_initial_value_is_a_valid_itsme_text(locale: str) -> None:
    """The translated example statement is sent to itsme as it is: Latin-9, allowed tags."""
    (entry,) = (e for e in messages(po_path(locale)) if e.msgid == FREE_TEXT_INITIAL)
    FreeTextTemplate(entry.msgstr[0])


# --------------------------------------------------------------------------- the .mo files


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_matches_po(locale: str, tmp_path: Path) -> None:
    """The committed .mo is what GNU msgfmt compiles from the .po: re-run the script if not."""
    output = compile_with_msgfmt(po_path(locale), tmp_path / "django.mo")
    committed = read_mo(po_path(locale).with_suffix(".mo"))
    assert committed == read_mo(output)
    assert committed == po_catalogue(po_path(locale))
