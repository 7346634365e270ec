"""The translations of the demo site (example_project/demo/locale): complete and compiled.

* every .po of fr, nl and de translates every entry, none fuzzy, with the same placeholders;
* the three hold the same messages, and none of the package's (the package translates those);
* every committed .mo holds exactly what msgfmt compiles from its .po.

Only files are read (and the Django-free core): the demo's settings are not loaded. After
changing a string of the demo, run ``scripts/compile_translations.sh``, translate what it
reports, and run it again.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from django_itsme.core import FreeTextTemplate

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

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGco%]")


@dataclass(frozen=True)
class Entry:
    """One entry of a .po file (obsolete ``#~`` entries are left out)."""

    msgid: str
    msgstr: tuple[str, ...]
    msgctxt: str | None
    msgid_plural: str | None
    flags: frozenset[str]

    @property
    def key(self) -> str:
        """The entry's key in a compiled catalogue."""
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    assert re.fullmatch(r'".*"', text), f"{where}: not a quoted string: {text!r}"

    def unescape(match: re.Match[str]) -> str:
        assert match.group(1) in _ESCAPES, f"{where}: unexpected escape \\{match.group(1)}"
        return _ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", unescape, text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (``msgid ""``) included."""
    entries = []
    for number, block in enumerate(re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8"))):
        where = f"{path}, entry {number}"
        fields: dict[str, str] = {}
        flags: set[str] = set()
        keyword = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#") or not line.strip():
                continue  # locations, comments, previous msgids (#|) and obsolete entries (#~)
            elif line.startswith('"'):
                assert keyword is not None, f"{where}: a continuation line without a keyword"
                fields[keyword] += _unquote(line, where)
            else:
                keyword, _, rest = line.partition(" ")
                assert keyword not in fields, f"{where}: {keyword} twice"
                fields[keyword] = _unquote(rest, where)
        if not fields:
            continue
        assert "msgid" in fields, f"{where}: no msgid"
        if "msgstr" in fields:
            msgstr: tuple[str, ...] = (fields["msgstr"],)
        else:
            count = sum(1 for name in fields if name.startswith("msgstr["))
            msgstr = tuple(fields[f"msgstr[{index}]"] for index in range(count))
            assert msgstr, f"{where}: no msgstr"
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgstr=msgstr,
                msgctxt=fields.get("msgctxt"),
                msgid_plural=fields.get("msgid_plural"),
                flags=frozenset(flags),
            )
        )
    return entries


def po_path(locale: str) -> Path:
    return DEMO_LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def messages(path: Path) -> list[Entry]:
    """The entries of a .po, its header left out."""
    return [entry for entry in read_po(path) if entry.msgid or entry.msgctxt is not None]


def header(locale: str) -> dict[str, str]:
    (entry,) = (e for e in read_po(po_path(locale)) if e.msgid == "" and e.msgctxt is None)
    assert "fuzzy" not in entry.flags, f"{locale}: the header is marked fuzzy"
    fields = (line.partition(":") for line in entry.msgstr[0].splitlines() if line)
    return {name.strip(): value.strip() for name, _, value in fields}


def compiled_catalogue(path: Path) -> dict[str, str]:
    """What Python's gettext reads from a .mo, the header without its POT-Creation-Date (which
    some msgfmt versions drop)."""
    with path.open("rb") as mo:
        translations = gettext.GNUTranslations(mo)
    # The whole catalogue (not public API, but stable since Python 2). Plural entries are keyed
    # (msgid, n): make every key a string to compare.
    catalogue: dict[object, str] = vars(translations)["_catalog"]
    flat = {str(key): value for key, value in catalogue.items()}
    lines = flat.get("", "").splitlines(keepends=True)
    flat[""] = "".join(line for line in lines if not line.startswith("POT-Creation-Date:"))
    return flat


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
            expected = sorted(_PLACEHOLDER.findall(source))
            assert sorted(_PLACEHOLDER.findall(msgstr)) == expected, (locale, entry.msgid)
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
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt (GNU gettext) is required in CI")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    output = tmp_path / "django.mo"
    result = subprocess.run(  # noqa: S603 - a fixed program on files of this repository
        [msgfmt, "--check-format", "--check-header", "-o", str(output), str(po_path(locale))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr, result.stderr
    committed = compiled_catalogue(po_path(locale).with_suffix(".mo"))
    assert committed == compiled_catalogue(output)
    # And every message of the .po is in it (gettext keys a plural entry by its msgid and n).
    for entry in messages(po_path(locale)):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        assert (key if entry.msgid_plural is None else str((key, 0))) in committed, entry.msgid
