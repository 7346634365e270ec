"""Reading gettext catalogues in tests: .po files and compiled .mo files, both with polib.

Used by the tests of the package's and the demo's translations; only files are read. polib (MIT,
pure Python, no dependencies) parses both formats, so the tests compare what a .po says with what
a .mo holds without a hand-kept parser.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest

__all__ = [
    "PLACEHOLDER",
    "Entry",
    "compile_with_msgfmt",
    "messages",
    "po_catalogue",
    "read_header",
    "read_mo",
]

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGco%]")
#: The header field newer msgfmt versions drop from a compiled catalogue.
_UNSTABLE_HEADER_FIELDS = frozenset({"POT-Creation-Date"})


@dataclass(frozen=True)
class Entry:
    """One (non-obsolete) message of a .po file."""

    msgid: str
    msgstr: tuple[str, ...]
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """The entry's key in a compiled catalogue."""
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    @classmethod
    def of(cls, entry: polib.POEntry | polib.MOEntry) -> Entry:
        """The entry polib read, its plural forms in order."""
        plurals = entry.msgstr_plural
        return cls(
            msgid=entry.msgid,
            msgstr=tuple(plurals[i] for i in sorted(plurals)) if plurals else (entry.msgstr,),
            msgctxt=entry.msgctxt,
            msgid_plural=entry.msgid_plural or None,
            flags=frozenset(entry.flags),
        )


def _catalogue(source: polib.POFile | polib.MOFile, entries: list[polib.POEntry]) -> dict[str, str]:
    """``{key: translation}`` (plural forms joined by NUL) plus the header fields under ``""``."""
    header = "".join(
        f"{name}: {value}\n"
        for name, value in source.metadata.items()
        if name not in _UNSTABLE_HEADER_FIELDS
    )
    return {"": header} | {e.key: "\0".join(e.msgstr) for e in map(Entry.of, entries)}


def po_catalogue(path: Path) -> dict[str, str]:
    """What msgfmt compiles from a .po: the translated entries that are not fuzzy."""
    po = polib.pofile(str(path))
    return _catalogue(po, po.translated_entries())


def read_mo(path: Path) -> dict[str, str]:
    """Every message of a compiled GNU .mo file, in the form of :func:`po_catalogue`."""
    mo = polib.mofile(str(path))
    return _catalogue(mo, list(mo))


def read_header(path: Path) -> dict[str, str]:
    """The header fields of a .po file; its header must not be fuzzy."""
    po = polib.pofile(str(path))
    assert not po.metadata_is_fuzzy, f"{path}: the header is marked fuzzy"
    return dict(po.metadata)


def messages(path: Path) -> list[Entry]:
    """The entries of a .po file, its header and obsolete (#~) entries left out."""
    return [Entry.of(entry) for entry in polib.pofile(str(path)) if not entry.obsolete]


def compile_with_msgfmt(po: Path, output: Path) -> Path:
    """Compile ``po`` with GNU msgfmt, as ``compilemessages`` does, checking formats and header.

    Skips the calling test when msgfmt is missing, except in CI (``CI=true``), where it fails.
    """
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt (GNU gettext) is required in CI")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(  # noqa: S603 - a fixed program on files of this repository
        [msgfmt, "--check-format", "--check-header", "-o", str(output), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr, result.stderr
    return output
