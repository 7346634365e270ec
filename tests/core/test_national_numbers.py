"""Belgian national register numbers and the ``<CC>NationalNumber`` claims (no Django)."""

from __future__ import annotations

import pytest

from django_itsme.core.claim_names import CLAIM_BE_NATIONAL_NUMBER, CLAIM_PREFIX
from django_itsme.core.identity_claims import parse_identity_claims
from django_itsme.core.national_numbers import (
    NationalNumber,
    is_valid_belgian_national_number,
    national_number_country,
    normalize_belgian_national_number,
)


def national_number(body: str, *, born_after_1999: bool = False) -> str:
    """Complete nine digits (YYMMDDxxx) with their mod-97 check digits."""
    check = 97 - int(("2" if born_after_1999 else "") + body) % 97
    return f"{body}{check:02d}"


# Computed with the helper above and written out, so a bug in the helper cannot hide one in the
# code under test: born 1985-07-15 (sequence 123, male) and 2003-02-01 (sequence 456, female).
BORN_1985 = "85071512397"
BORN_2003 = "03020145608"


# ----------------------------------------------------------------------------- national number
@pytest.mark.parametrize("value", [BORN_1985, BORN_2003, "85.07.15-123.97", "03.02.01-456.08"])
def test_valid_national_numbers(value: str) -> None:
    assert is_valid_belgian_national_number(value)


def test_helper_agrees_with_written_out_numbers() -> None:
    assert national_number("850715123") == BORN_1985
    assert national_number("030201456", born_after_1999=True) == BORN_2003


@pytest.mark.parametrize(
    "value",
    [
        "85071512398",  # check off by one
        "85071512497",  # sequence changed
        "03020145678",  # neither the pre-2000 nor the post-2000 check of 030201456
        "8507151239",  # ten digits
        "850715123970",  # twelve digits
        "8507151239A",
        "",
    ],
)
def test_invalid_national_numbers(value: str) -> None:
    assert not is_valid_belgian_national_number(value)


def test_both_century_rules_are_accepted() -> None:
    # The number does not say the century: the same nine digits are valid with the check of a
    # 1903 birth and with the (different) check of a 2003 birth.
    born_1903 = national_number("030201456")
    assert born_1903 != BORN_2003
    assert is_valid_belgian_national_number(born_1903)
    assert is_valid_belgian_national_number(BORN_2003)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85071512397", "85071512397"),
        ("85.07.15-123.97", "85071512397"),
        ("85 07 15 123 97", "85071512397"),
        (3020145608, "03020145608"),
        ("85.07.15-123", None),
        (True, None),
        (None, None),
        (10**12, None),
    ],
)
def test_normalize_national_number(value: object, expected: str | None) -> None:
    assert normalize_belgian_national_number(value) == expected


# ----------------------------------------------------------------------------- national numbers
def test_national_numbers_of_every_country() -> None:

    parsed = parse_identity_claims(
        {
            CLAIM_PREFIX + "RONationalNumber": " 1850314123456 ",
            CLAIM_BE_NATIONAL_NUMBER: "85.07.15-123.97",
            CLAIM_PREFIX + "SVNationalNumber": "1503985500123",  # D-AREQ spelling of Slovenia
            CLAIM_PREFIX + "LTNationalNumber": 38503141234,  # a JSON number, kept as digits
        }
    )
    assert parsed.national_numbers == (
        NationalNumber("BE", BORN_1985),
        NationalNumber("LT", "38503141234"),
        NationalNumber("RO", "1850314123456"),
        NationalNumber("SI", "1503985500123"),
    )
    belgian, *others = parsed.national_numbers
    assert belgian.is_valid is True
    assert all(number.is_valid is None for number in others)  # formats not documented: kept
    assert parsed.eid is not None
    assert parsed.eid.national_number == BORN_1985


def test_belgian_national_number_keeps_its_check() -> None:
    parsed = parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: "85071512398"})
    (number,) = parsed.national_numbers
    assert number.is_valid is False
    assert parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: "12"}).national_numbers == ()


def test_sinationalnumber_and_svnationalnumber_are_one_country() -> None:
    parsed = parse_identity_claims(
        {
            CLAIM_PREFIX + "SINationalNumber": "111",
            CLAIM_PREFIX + "SVNationalNumber": "222",
        }
    )
    assert [n.country for n in parsed.national_numbers] == ["SI"]


@pytest.mark.parametrize(
    ("suffix", "country"),
    [
        ("BENationalNumber", "BE"),
        ("RONationalNumber", "RO"),
        ("SINationalNumber", "SI"),  # D-CLAIMS spelling
        ("SVNationalNumber", "SI"),  # D-AREQ spelling of the same (protocol notes §11 #15)
        ("BEeidSn", None),
        ("beNationalNumber", None),
        ("NationalNumber", None),
    ],
)
def test_national_number_country(suffix: str, country: str | None) -> None:
    assert national_number_country(suffix) == country
