"""Single claim values: ISO 8601 dates through ``datetime.fromisoformat`` and their fallbacks.

The parser's dates moved from a hand-written regular expression to the standard library. Every
form accepted before is still accepted (``tests/core/test_claims.py`` pins them through
``parse_identity_claims``); these tests pin where the standard library reads more than the old
expression did, and where we keep refusing what it would read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from django_itsme.core.claim_values import read_date, read_datetime, read_printed_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 3339 as itsme documents it (D-AREQ: .nnnZ) and shows it (D-AUTH: no fraction).
        ("2024-01-02T03:04:05.678Z", datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)),
        ("2024-01-02t03:04:05z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05,5Z", datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("2024-01-02T04:04:05+01", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1234567Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("  2024-01-02  ", datetime(2024, 1, 2, tzinfo=UTC)),
        # Read now that fromisoformat does the work (ISO 8601 reduced precision, basic time):
        ("2024-01-02T03", datetime(2024, 1, 2, 3, tzinfo=UTC)),
        ("2024-01-02T0304", datetime(2024, 1, 2, 3, 4, tzinfo=UTC)),
    ],
)
def test_iso_8601_date_times(value: str, expected: datetime) -> None:
    assert read_datetime(value) == expected


def test_an_offset_keeps_the_date_as_written() -> None:
    value = "2031-05-30T23:30:00-05:00"
    assert read_date(value) == date(2031, 5, 30)
    assert read_datetime(value) == datetime(2031, 5, 31, 4, 30, tzinfo=UTC)
    eastern = datetime(2031, 5, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert read_datetime(value) == eastern


@pytest.mark.parametrize(
    "value",
    [
        "20310530",  # ISO 8601 basic date: fromisoformat reads it, itsme never sends it
        "2031-W22-5",  # ISO week date: likewise
        "2031-W22",
        "2031-150",  # ordinal date
        "2031-05-30X10:00",  # fromisoformat takes any separator; RFC 3339 only T, t or space
        "2031-05-30T10:00:00+24:00",
        "2031-02-29",
        "+2031-05-30",
        "",
        None,
        20310530,
    ],
)
def test_refused(value: object) -> None:
    assert read_date(value) is None
    assert read_datetime(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01.11.1978", date(1978, 11, 1)),
        ("1/2/2003", date(2003, 2, 1)),
        ("01-11-1978", date(1978, 11, 1)),
        ("00.00.1950", None),  # a birth date known by its year only
        ("31.04.1978", None),
        ("1978-11-01", None),  # not the printed form
        (19781101, None),
    ],
)
def test_printed_day_first_dates(value: object, expected: date | None) -> None:
    assert read_printed_date(value) == expected
    if expected is not None:
        assert read_date(value) == expected
