"""README.rst's core example is example_project/core_workflow.py, word for word, and it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_project" / "core_workflow.py"


def test_readme_shows_the_example_verbatim() -> None:
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    indented = textwrap.indent(EXAMPLE.read_text(encoding="utf-8"), "    ")
    # Blank lines carry no indentation in the README.
    indented = "\n".join(line.rstrip() for line in indented.splitlines())
    assert indented in readme


def test_the_example_runs_against_the_simulator() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and file
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sub: ")
    assert len(lines[0]) == len("sub: ") + 36
    assert lines[1].startswith("name: ")
    assert "None" not in lines[1]
    assert lines[-2] == "level: advanced"
    assert lines[-1] == "approved by the same user: True"
    assert "born in: None" not in result.stdout
    assert "nationality: BEL" in result.stdout
