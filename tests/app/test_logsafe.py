"""Request-derived values in log lines: one line per record, control characters escaped, length
bounded, quoting unambiguous (issue 9: a newline in ``?service=`` forged a second log line)."""

from __future__ import annotations

import logging

import pytest

from django_itsme.logsafe import LOG_VALUE_LIMIT, quote_for_log
from tests.app.conftest import Browser

FORGED = "x\nWARNING django_itsme itsme flow failed: code=forged service=admin"


def itsme_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "django_itsme"]


@pytest.mark.attack
@pytest.mark.simulator
def test_a_newline_in_the_service_cannot_forge_a_log_line(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    response = browser.get("/itsme/login/", data={"service": FORGED})
    assert response.status_code == 404
    (line,) = itsme_lines(caplog)
    assert "\n" not in line
    assert "\r" not in line
    assert 'service="x\\nWARNING django_itsme' in line
    assert line.startswith("itsme flow failed: code=unknown_service service=")


@pytest.mark.attack
@pytest.mark.simulator
def test_a_quote_in_the_service_cannot_close_the_quoted_value(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    browser.get("/itsme/login/", data={"service": 'a" status=200 error="none'})
    (line,) = itsme_lines(caplog)
    assert 'service="a\\" status=200 error=\\"none"' in line


@pytest.mark.simulator
def test_a_huge_service_is_cut_in_the_log(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    browser.get("/itsme/login/", data={"service": "s" * 5000})
    (line,) = itsme_lines(caplog)
    assert len(line) < 800
    assert "s" * 5000 not in line


# ------------------------------------------------------------------ the function itself


@pytest.mark.parametrize("value", ["login", "share_data", "access_denied", "a-b.c:d/e", "42"])
def test_plain_tokens_stay_bare(value: str) -> None:
    assert quote_for_log(value) == value


def test_none_and_empty() -> None:
    assert quote_for_log(None) == "-"
    assert quote_for_log("") == '""'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("two words", '"two words"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("carriage\rreturn", '"carriage\\rreturn"'),
        ("tab\there", '"tab\\there"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("nul\x00byte", '"nul\\x00byte"'),
        ("del\x7f", '"del\\x7f"'),
        ("next\x85line", '"next\\x85line"'),
        ("line\u2028separator", '"line\\u2028separator"'),
        ("para\u2029graph", '"para\\u2029graph"'),
        ("bidi\u202eoverride", '"bidi\\u202eoverride"'),
        ("key=value", '"key=value"'),
        ("café", '"café"'),
    ],
)
def test_escapes(value: str, expected: str) -> None:
    assert quote_for_log(value) == expected


def test_every_control_character_is_escaped() -> None:
    for code in [*range(0x20), *range(0x7F, 0xA0)]:
        quoted = quote_for_log(f"a{chr(code)}b")
        assert chr(code) not in quoted
        assert quoted.isprintable()


def test_length_is_bounded_and_says_how_much_was_cut() -> None:
    quoted = quote_for_log("x" * (LOG_VALUE_LIMIT + 1000))
    assert quoted == '"' + "x" * LOG_VALUE_LIMIT + '"...(+1000 chars)'


def test_the_bound_counts_characters_before_escaping() -> None:
    quoted = quote_for_log("\n" * 10_000, limit=5)
    assert quoted == '"' + "\\n" * 5 + '"...(+9995 chars)'


def test_other_objects_are_logged_by_their_text() -> None:
    assert quote_for_log(403) == "403"
    assert quote_for_log(ValueError("bad\nthing")) == '"bad\\nthing"'
