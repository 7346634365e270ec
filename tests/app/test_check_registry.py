"""The check registry is the one source of every check id's level, summary, message and hint:
README.rst's check table and its settings reference agree with it, and so do the core's problems."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import pytest

from django_itsme import checks
from django_itsme.check_registry import CHECKS, DJANGO_CHECKS
from django_itsme.core.config import PROBLEMS, parse_config
from django_itsme.core.environments import IssuerProblem
from django_itsme.core.keys import ProblemKind
from django_itsme.core.problem_registry import (
    CORE_CHECKS,
    ISSUER_PROBLEM_IDS,
    KEY_PROBLEM_IDS,
    CheckSpec,
    registry,
)

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.rst").read_text(encoding="utf-8")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_table", ROOT / "scripts" / "check_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_table = _load_script()


# ------------------------------------------------------------------ README's check table


def test_readme_check_table_is_the_registry() -> None:
    _head, table, _tail = check_table.split(README)
    assert table == check_table.render(CHECKS)


def test_a_summary_edited_in_the_registry_alone_is_caught() -> None:
    drifted = dict(CHECKS)
    drifted["E008"] = replace(CHECKS["E008"], summary="a key in ``PRIVATE_JWKS`` is too short")
    _head, table, _tail = check_table.split(README)
    assert table != check_table.render(drifted)


def test_a_table_edited_by_hand_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "README.rst"
    copy.write_text(README.replace("a number of seconds above 0", "a positive number"), "utf-8")
    assert check_table.main(["--check"], readme=copy) == 1
    assert check_table.main([], readme=copy) == 0
    assert copy.read_text("utf-8") == README
    assert check_table.main(["--check"], readme=copy) == 0


def test_the_table_lists_each_id_once_in_id_order() -> None:
    _head, table, _tail = check_table.split(README)
    listed = re.findall(r"^django_itsme\.([EW]\d{3}) ", table, flags=re.MULTILINE)
    assert sorted(listed) == sorted(CHECKS)
    errors = [i for i in listed if i.startswith("E")]
    assert listed == sorted(errors) + sorted(set(listed) - set(errors))


# ------------------------------------------------------------------ README's settings reference


def _ids(text: str) -> set[str]:
    """Check ids in ``text``, ranges such as ``E006-E009`` included."""
    found: set[str] = set()
    for first, last in re.findall(r"\b([EW]\d{3})(?:-([EW]\d{3}))?\b", text):
        if not last:
            found.add(first)
            continue
        prefix = first[0]
        found.update(f"{prefix}{n:03d}" for n in range(int(first[1:]), int(last[1:]) + 1))
    return found


def _settings_reference() -> dict[str, set[str]]:
    """key -> the ids README.rst's settings reference lists for it: the last column of the
    settings tables' rows, or the body of a key described in a definition list."""
    start = README.index("\nSettings\n========")
    lines = README[start : README.index("\nSystem checks\n")].splitlines()
    listed: dict[str, set[str]] = {}
    borders = 0  # a table has three border lines; its rows come after the second
    column = 0
    key: str | None = None
    for line in lines:
        if re.fullmatch(r"=+(  +=+)+", line):
            borders += 1
            column = line.rindex("  ") + 2
            key = None
            continue
        in_rows = borders % 3 == 2
        term = re.fullmatch(r"``([A-Z_]+)``(  .*)?", line)
        if term:
            key = term.group(1)
            listed[key] = _ids(line[column:]) if in_rows else set()
        elif key is not None and line.startswith(" "):
            listed[key] |= _ids(line[column:] if in_rows else line)
        elif line:
            key = None
    return listed


def test_the_settings_reference_lists_the_registry_ids_of_each_key() -> None:
    expected: dict[str, set[str]] = {}
    for spec in CHECKS.values():
        for key in spec.settings:
            expected.setdefault(key, set()).add(spec.id)
    reference = _settings_reference()
    assert {k: v for k, v in reference.items() if v} == expected


def test_every_check_about_a_setting_is_listed_with_a_setting() -> None:
    unlisted = {i for i, spec in CHECKS.items() if not spec.settings}
    # Not about one ITSME key: ITSME itself (E001, E002) and the settings outside it.
    assert unlisted == {"E001", "E002", "E021", "E022", "E023"}


# ------------------------------------------------------------------ the registry itself


def test_each_id_is_registered_once_core_first() -> None:
    assert list(CHECKS) == [*CORE_CHECKS, *DJANGO_CHECKS]
    assert not set(CORE_CHECKS) & set(DJANGO_CHECKS)
    with pytest.raises(ValueError, match="E001"):
        registry([CheckSpec("E001", "one"), CheckSpec("E001", "two")])


@pytest.mark.parametrize("spec", list(CHECKS.values()), ids=list(CHECKS))
def test_every_entry_is_well_formed(spec: CheckSpec) -> None:
    assert re.fullmatch(r"[EW]0\d\d", spec.id)
    assert spec.level == ("warning" if spec.id.startswith("W") else "error")
    assert spec.summary[:1] not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert not spec.summary.endswith(".")
    assert spec.text.endswith(".")
    assert "``" not in spec.text
    if spec.id in DJANGO_CHECKS:
        # The Django side's messages and hints all come from here.
        assert spec.message
        assert spec.hint


def test_the_core_problems_text_is_the_registry_summary() -> None:
    assert {i: CORE_CHECKS[i].text for i in CORE_CHECKS} == PROBLEMS


def test_the_core_reports_each_problem_at_its_registry_level() -> None:
    broken: dict[str, Any] = {
        "CLIENT_ID": "",
        "ENVIRONMENT": "http://idp.example.com/v2",
        "PRIVATE_JWKS": {"keys": [{"kty": "oct"}]},
        "SERVICES": {"bad name": {"CODE": "X"}},
        "REDIRECT_URI": "ftp://x",
        "REQUEST_BY": "post",
        "HTTP_TIMEOUT": 0,
        "LEEWAY": 1.5,
        "TYPO": 1,
    }
    _config, problems = parse_config(broken)
    assert len({p.id for p in problems}) >= 9
    for problem in problems:
        assert problem.level == CORE_CHECKS[problem.id].level, problem


def test_e004_and_e005_follow_the_problem_kind_not_its_wording() -> None:
    kinds = get_args(IssuerProblem.__annotations__["kind"])
    if not kinds:  # annotations are strings under ``from __future__ import annotations``
        kinds = ("invalid", "plain_http")
    assert set(ISSUER_PROBLEM_IDS) == set(kinds)
    assert ISSUER_PROBLEM_IDS == {"invalid": "E004", "plain_http": "E005"}
    assert set(KEY_PROBLEM_IDS) == set(get_args(ProblemKind))


def test_the_registry_imports_no_django() -> None:
    code = (
        "import sys, django_itsme.check_registry; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)  # noqa: S603 - our own


def test_a_message_takes_its_wording_level_and_hint_from_the_registry() -> None:
    message = checks._message("E019", "ITSME['CREATE_USERS']", type="str")
    assert message.msg == CHECKS["E019"].message.format(type="str")
    assert message.hint == CHECKS["E019"].hint
    assert message.id == "django_itsme.E019"
    warning = checks._message("W011", "ITSME['JWKS_MAX_AGE']", value=60)
    assert warning.level == 30
    assert "60 seconds" in warning.msg


def test_a_core_id_needs_the_message_of_its_problem() -> None:
    with pytest.raises(ValueError, match="E003"):
        checks._message("E003", "ITSME['CLIENT_ID']")


def _reads_itsme(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "ITSME":
        return isinstance(node.value, ast.Name) and node.value.id == "settings"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
        return any(isinstance(a, ast.Constant) and a.value == "ITSME" for a in node.args[1:2])
    return False


def test_conf_is_the_only_reader_of_settings_itsme() -> None:
    readers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "django_itsme").rglob("*.py")
        if any(_reads_itsme(node) for node in ast.walk(ast.parse(path.read_text("utf-8"))))
    }
    assert readers == {"django_itsme/conf.py"}
