"""Every source key the project cites resolves in docs/sources.rst, and every entry there is usable.

The code cites its sources by short keys (``D-AREQ``, ``S-LOGIN §4.4``, ``TB``, ``RFC 7636``,
``OIDC Core``, ``protocol notes §11 #12``). The protocol notes do not ship, so docs/sources.rst
maps each key to a public URL and the date it was read, and summarises each notes section with
the keys of its sources. Standard library only: this runs in the core environment, Django absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES_PAGE = ROOT / "docs" / "sources.rst"
#: Where citations live. Directories missing from a source distribution are skipped.
SCANNED = ("django_itsme", "scripts", "example_project", "tests", "README.rst")
#: Text files worth reading; files without a suffix are the shell scripts in scripts/.
TEXT_SUFFIXES = frozenset({".py", ".rst", ".html", ".txt", ".sh", ".toml", ".cfg", ".ini", ".md"})
#: This file cites made-up keys to test the scanner; the page itself is the list, not a citation.
NOT_SCANNED = frozenset({Path(__file__).resolve(), SOURCES_PAGE.resolve()})
#: Fewer citations than this means the scan missed the code (wrong root, broken pattern).
MIN_CITATIONS = 100

# ----------------------------------------------------------------------------- citation patterns
#: itsme documents: D-<NAME> (current docs), S-<NAME> (v1 "slate" docs), TB (JWK Set toolbox),
#: COMM (community notes, listed as unverified).
ITSME_KEY = re.compile(r"(?<![\w-])(?:[DS]-[A-Z][A-Z0-9]*|TB|COMM)(?![\w-])")
RFC_KEY = re.compile(r"\bRFC[ -]?(\d{3,5})\b")
#: OpenID specifications cited by name, as "OIDC Core" or "OpenID Connect Core 1.0".
OIDC_KEY = re.compile(
    r"\b(?:OIDC|OpenID Connect) (Core|Discovery|Registration|Session Management|"
    r"Front-Channel Logout|Back-Channel Logout|RP-Initiated Logout|CIBA)\b"
)
#: Whitespace between words of a citation, including a line break followed by a comment marker
#: ("#: " or "# ") when a citation wraps inside a comment.
_GAP = r"(?:\s|#:?(?=[ \t]))+"
#: One reference in a run: "§8.1", "§11 #12", "#4" (after a "§11"), optionally a quoted name.
_NOTES_REF = r"(?:§\s*\d+(?:\.\d+)*|#\d+)(?:\s*\"[^\"\n]{1,60}\")?"
#: What separates two references: a comma, "and", "or", "/", "&", or only whitespace.
_NOTES_SEP = rf"(?:(?:{_GAP})?(?:,|and|or|/|&)(?:{_GAP})?|{_GAP})"
#: "protocol notes §1.5, §11 #1 and #4", 'protocol notes §10 "TLS"', "protocol notes §5 / §8.2".
NOTES_RUN = re.compile(rf"protocol{_GAP}notes,?(?:{_GAP})?((?:{_NOTES_REF}{_NOTES_SEP}?)+)")
NOTES_TOKEN = re.compile(r"§\s*(?P<section>\d+(?:\.\d+)*)|#(?P<item>\d+)")
#: "section 0 of the protocol notes".
NOTES_SECTION_WORDS = re.compile(
    rf"section{_GAP}(\d+(?:\.\d+)*){_GAP}of{_GAP}the{_GAP}protocol{_GAP}notes"
)

#: The shapes a listed key may take.
LISTED_SOURCE_KEY = re.compile(
    r"(?:[DS]-[A-Z][A-Z0-9]*|TB|RFC \d{3,5}|OIDC (?:Core|Discovery|Registration|"
    r"Session Management|Front-Channel Logout|Back-Channel Logout|RP-Initiated Logout|CIBA))"
)
#: The one key listed without a URL: community notes, marked unverified, never a rule's only source.
UNVERIFIED_KEY = "COMM"
LISTED_NOTES_KEY = re.compile(r"§\d+(?:\.\d+)*(?: #\d+)?")
#: A year, optionally with month and day: 2026, 2026-05, 2026-05-15.
DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?(?!\d)"
)


def citations_in(text: str) -> Iterator[tuple[str, int]]:
    """Every source key cited in ``text``, with its line number.

    :param text: a file's content.
    :returns: ``(key, line)`` pairs; keys normalised to their listed form (``RFC 7636``,
        ``OIDC Core``, ``§11 #12``).
    """

    def line_of(position: int) -> int:
        return text.count("\n", 0, position) + 1

    for match in ITSME_KEY.finditer(text):
        yield match.group(0), line_of(match.start())
    for match in RFC_KEY.finditer(text):
        yield f"RFC {match.group(1)}", line_of(match.start())
    for match in OIDC_KEY.finditer(text):
        yield f"OIDC {match.group(1)}", line_of(match.start())
    for match in NOTES_RUN.finditer(text):
        section = None
        for token in NOTES_TOKEN.finditer(match.group(1)):
            if token.group("section"):
                section = token.group("section")
                yield f"§{section}", line_of(match.start())
            elif section is not None:
                yield f"§{section} #{token.group('item')}", line_of(match.start())
    for match in NOTES_SECTION_WORDS.finditer(text):
        yield f"§{match.group(1)}", line_of(match.start())


def scanned_files() -> Iterator[Path]:
    """The project's text files that may cite sources.

    :returns: paths under :data:`SCANNED` that exist, skipping caches and :data:`NOT_SCANNED`.
    """
    for name in SCANNED:
        base = ROOT / name
        paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in paths:
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.resolve() in NOT_SCANNED:
                continue
            if path.suffix in TEXT_SUFFIXES or (
                path.suffix == "" and path.parent.name == "scripts"
            ):
                yield path


def project_citations() -> dict[str, list[str]]:
    """Cited key -> where it is cited (``path:line``), over :func:`scanned_files`."""
    found: dict[str, list[str]] = {}
    for path in scanned_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for key, line in citations_in(text):
            found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


# ----------------------------------------------------------------------------- the page
@dataclass
class Entry:
    """One entry of docs/sources.rst: a key, its title line and its fields."""

    key: str
    title: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


_ENTRY_START = re.compile(r"^``(?P<key>[^`]+)``(?P<title>.*)$")
_FIELD = re.compile(r"^\s+:(?P<name>[A-Za-z]+):\s*(?P<value>.*)$")


def parse_entries(page: str) -> list[Entry]:
    """The keyed entries of a sources page.

    An entry is a definition-list item whose term starts with the key in double backquotes, at
    the start of a line, followed by an indented definition; its fields (``:URL:``,
    ``:Read:``, ``:Sources:``, ``:Status:``) are the indented field-list items below it,
    continuation lines joined.

    :param page: the reStructuredText of the page.
    :returns: the entries in page order.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    last_field: str | None = None
    lines = page.splitlines()
    for number, line in enumerate(lines, start=1):
        start = _ENTRY_START.match(line)
        following = lines[number] if number < len(lines) else ""
        if start and following[:1].isspace() and following.strip():  # a term and its definition
            current = Entry(start.group("key"), start.group("title").strip(), number)
            entries.append(current)
            last_field = None
            continue
        if line and not line[0].isspace():
            current, last_field = None, None  # a heading or a paragraph ends the entry
            continue
        if current is None:
            continue
        field_match = _FIELD.match(line)
        if field_match:
            last_field = field_match.group("name")
            current.fields[last_field] = field_match.group("value").strip()
        elif last_field and line.startswith(" " * 10) and line.strip():
            current.fields[last_field] += " " + line.strip()
        else:
            last_field = None
    return entries


def entry_problems(entries: list[Entry]) -> list[str]:
    """What is wrong with the entries: malformed keys, URLs, dates, unknown source keys.

    :param entries: from :func:`parse_entries`.
    :returns: one sentence per problem, naming the key and its line; empty when all is well.
    """
    problems: list[str] = []
    seen: set[str] = set()
    source_keys = {e.key for e in entries if LISTED_SOURCE_KEY.fullmatch(e.key)}
    for entry in entries:
        where = f"{entry.key!r} (line {entry.line})"
        if entry.key in seen:
            problems.append(f"{where} is listed twice")
        seen.add(entry.key)
        if not entry.title:
            problems.append(f"{where} has no title after the key")
        if entry.key == UNVERIFIED_KEY:
            # Community notes have no URL to give; the entry must say so and still be dated.
            if not entry.fields.get("Status", "").startswith("unverified"):
                problems.append(f"{where} needs ':Status: unverified'")
            if "URL" in entry.fields:
                problems.append(f"{where} is unverified and must not pretend to have a URL")
            if not DATE.search(entry.fields.get("Read", "")):
                problems.append(f"{where} needs a date (YYYY[-MM[-DD]]) in its :Read: field")
        elif LISTED_SOURCE_KEY.fullmatch(entry.key):
            url = entry.fields.get("URL", "").split(" ")[0]
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.netloc or "." not in parts.netloc:
                problems.append(f"{where} needs an https URL in its :URL: field, not {url!r}")
            if not DATE.search(entry.fields.get("Read", "")):
                problems.append(f"{where} needs a date (YYYY[-MM[-DD]]) in its :Read: field")
        elif LISTED_NOTES_KEY.fullmatch(entry.key):
            cited = [k.strip() for k in entry.fields.get("Sources", "").split(",") if k.strip()]
            if not cited:
                problems.append(f"{where} needs a :Sources: field naming at least one key")
            unknown = [k for k in cited if k not in source_keys or k == UNVERIFIED_KEY]
            if unknown:
                problems.append(f"{where} names sources that are not listed: {unknown}")
        else:
            problems.append(
                f"{where} is not a key of a known form (D-..., S-..., TB, RFC N, OIDC ..., "
                f"§N, §11 #N)"
            )
    return problems


@pytest.fixture(scope="module")
def page() -> str:
    return SOURCES_PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries(page: str) -> list[Entry]:
    return parse_entries(page)


# ----------------------------------------------------------------------------- the project
def test_every_cited_key_is_listed(entries: list[Entry]) -> None:
    cited = project_citations()
    assert sum(len(where) for where in cited.values()) >= MIN_CITATIONS
    listed = {entry.key for entry in entries}
    missing = {key: where for key, where in cited.items() if key not in listed}
    report = "\n".join(
        f"  {key}: {', '.join(where[:3])}{' ...' if len(where) > 3 else ''}"
        for key, where in sorted(missing.items())
    )
    assert not missing, f"cited but not listed in docs/sources.rst:\n{report}"


def test_every_listed_entry_is_well_formed(entries: list[Entry]) -> None:
    assert len(entries) > 50  # the parser found the page's entries, not none
    assert entry_problems(entries) == []


def test_sources_page_is_valid_restructuredtext(page: str) -> None:
    docutils_core = pytest.importorskip("docutils.core")
    import io

    warnings = io.StringIO()
    docutils_core.publish_doctree(
        page, settings_overrides={"warning_stream": warnings, "report_level": 2, "halt_level": 5}
    )
    assert warnings.getvalue() == ""


def test_readme_points_at_the_sources_page() -> None:
    assert "docs/sources.rst" in (ROOT / "README.rst").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- the checker itself
def test_citations_are_found_in_every_form() -> None:
    text = (
        '"""Build it (D-AREQ; S-LOGIN §4.4, TB) per RFC7636 §4.1 and OIDC Core §3.1.3.7.\n'
        "    OpenID Connect Discovery 1.0 says so (protocol notes §1.5, §11 #1 and #4).\n"
        '"""\n'
        "#: Wrapped (protocol notes\n"
        '#: §10 "TLS" and §4.5); see section 0 of the protocol notes. Not keys: RFC, D-, TBD.\n'
    )
    found = list(citations_in(text))
    assert sorted({key for key, _ in found}) == sorted(
        {
            "D-AREQ",
            "S-LOGIN",
            "TB",
            "RFC 7636",
            "OIDC Core",
            "OIDC Discovery",
            "§1.5",
            "§11",
            "§11 #1",
            "§11 #4",
            "§10",
            "§4.5",
            "§0",
        }
    )
    assert ("§4.5", 4) in found  # the line where the wrapped citation starts
    assert ("OIDC Discovery", 2) in found


def test_malformed_entries_are_reported() -> None:
    page = (
        "``D-GOOD`` a good one\n"
        "    :URL: https://example.org/doc/\n"
        "    :Read: 2026-05-15\n"
        "\n"
        "``D-PLAIN`` served over http\n"
        "    :URL: http://example.org/doc/\n"
        "    :Read: 2026-05\n"
        "\n"
        "``D-UNDATED`` no date\n"
        "    :URL: https://example.org/doc/\n"
        "    :Read: recently\n"
        "\n"
        "``D-GOOD`` listed again\n"
        "    :URL: https://example.org/doc/\n"
        "    :Read: 2026\n"
        "\n"
        "``§3.2`` a notes section\n"
        "    :Sources: D-GOOD, D-NOWHERE\n"
        "\n"
        "``§4``\n"
        "    :Sources: D-GOOD\n"
        "\n"
        "``Some-Key`` odd\n"
        "    :URL: https://example.org/\n"
        "    :Read: 2026\n"
        "\n"
        "``COMM`` community notes\n"
        "    :Read: 2026\n"
    )
    problems = entry_problems(parse_entries(page))
    assert len(problems) == 7, problems
    assert any("'COMM'" in p and "unverified" in p for p in problems)
    assert any("'D-PLAIN'" in p and "https URL" in p for p in problems)
    assert any("'D-UNDATED'" in p and "date" in p for p in problems)
    assert any("'D-GOOD'" in p and "twice" in p for p in problems)
    assert any("'§3.2'" in p and "D-NOWHERE" in p for p in problems)
    assert any("'§4'" in p and "no title" in p for p in problems)
    assert any("'Some-Key'" in p and "known form" in p for p in problems)


def test_a_wrapped_url_field_keeps_its_first_url() -> None:
    page = (
        "``D-LONG`` a long one\n"
        "    :URL: https://example.org/a/ (also\n"
        "          ``b/``)\n"
        "    :Read: 2026 (copy at commit ``abc``; newer than\n"
        "           the checkout)\n"
    )
    [entry] = parse_entries(page)
    assert entry.fields["URL"].startswith("https://example.org/a/ (also")
    assert entry.fields["Read"].endswith("the checkout)")
    assert entry_problems([entry]) == []
