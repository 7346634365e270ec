"""Reading gettext catalogues in tests: .po files (a small parser) and compiled .mo files.

Used by the tests of the package's and the demo's translations; only files are read.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "PLACEHOLDER",
    "Entry",
    "compile_with_msgfmt",
    "messages",
    "po_catalogue",
    "read_header",
    "read_mo",
    "read_po",
    "without_creation_date",
]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_ESCAPES |= {"f": "\f", "v": "\v"}
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGco%]")


@dataclass(frozen=True)
class Entry:
    """One (non-obsolete) entry of a .po file."""

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


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    assert re.fullmatch(r'".*"', text), f"{where}: not a string: {text!r}"

    def unescape(match: re.Match[str]) -> str:
        assert match.group(1) in _ESCAPES, f"{where}: unknown escape \\{match.group(1)}"
        return _ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", unescape, text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header (msgid "") included, obsolete (#~) entries left out."""
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
                continue
            elif line.startswith('"'):
                assert keyword is not None, f"{where}: continuation without a keyword"
                fields[keyword] += _unquote(line, where)
            else:
                keyword, _, rest = line.partition(" ")
                assert keyword not in fields, f"{where}: {keyword} twice"
                fields[keyword] = _unquote(rest, where)
        if not fields:
            continue  # comments only: the file's head or an obsolete entry
        assert "msgid" in fields, f"{where}: no msgid in {fields}"
        if "msgstr" in fields:
            msgstr: tuple[str, ...] = (fields["msgstr"],)
        else:
            plurals = sorted(k for k in fields if k.startswith("msgstr["))
            msgstr = tuple(fields[f"msgstr[{i}]"] for i in range(len(plurals)))
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


def without_creation_date(catalogue: dict[str, str]) -> dict[str, str]:
    """The catalogue, its header without POT-Creation-Date (newer msgfmt drops it)."""
    lines = catalogue.get("", "").splitlines(keepends=True)
    header = "".join(line for line in lines if not line.startswith("POT-Creation-Date:"))
    return catalogue | {"": header}


def po_catalogue(path: Path) -> dict[str, str]:
    """What msgfmt compiles from a .po: the translated entries that are not fuzzy."""
    catalogue = {
        entry.key: "\0".join(entry.msgstr)
        for entry in read_po(path)
        if "fuzzy" not in entry.flags and all(entry.msgstr)
    }
    return without_creation_date(catalogue)


def read_mo(path: Path) -> dict[str, str]:
    """Every message of a compiled GNU .mo file, as ``{key: translation}`` (see above)."""
    data = path.read_bytes()
    (magic,) = struct.unpack("<I", data[:4])
    order = {0x950412DE: "<", 0xDE120495: ">"}.get(magic)
    assert order is not None, f"{path} is not a .mo file"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])

    def string(table: int, index: int) -> str:
        length, offset = struct.unpack(
            order + "2I", data[table + 8 * index : table + 8 * index + 8]
        )
        return data[offset : offset + length].decode("utf-8")

    catalogue = {string(originals, i): string(translations, i) for i in range(count)}
    return without_creation_date(catalogue)


def read_header(path: Path) -> dict[str, str]:
    """The header fields of a .po file; its header must not be fuzzy."""
    (entry,) = (e for e in read_po(path) if e.msgid == "" and e.msgctxt is None)
    assert "fuzzy" not in entry.flags, f"{path}: the header is marked fuzzy"
    fields = (line.partition(":") for line in entry.msgstr[0].splitlines() if line)
    return {name.strip(): value.strip() for name, _, value in fields}


def messages(path: Path) -> list[Entry]:
    """The entries of a .po file, its header left out."""
    return [e for e in read_po(path) if e.msgid or e.msgctxt is not None]


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
