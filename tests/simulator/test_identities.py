"""The test identities: formats and check digits (D-AREQ, D-CLAIMS)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import struct

import pytest

from django_itsme.simulator import CLAIM_PREFIX, IDENTITIES, PHOTO_JPEG, Identity, pairwise_sub
from django_itsme.simulator.identities import find_by_sub, release_claims

C = CLAIM_PREFIX
BELGIANS = ["alice", "bruno"]


def national_number_is_valid(number: str, birthdate: str) -> bool:
    assert re.fullmatch(r"\d{11}", number)
    body, check = int(number[:9]), int(number[9:])
    if birthdate >= "2000-01-01":
        body += 2_000_000_000
    return 97 - body % 97 == check


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the JPEG markers up to the frame header and return (width, height)."""
    assert data[:2] == b"\xff\xd8"
    assert data[-2:] == b"\xff\xd9"
    position = 2
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    raise AssertionError("no frame header")


def test_keys_and_types() -> None:
    assert {"alice", "bruno", "claire"} <= set(IDENTITIES)
    for key, identity in IDENTITIES.items():
        assert isinstance(identity, Identity)
        assert identity.key == key
        assert identity.label


def test_identities_are_immutable() -> None:
    alice = IDENTITIES["alice"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        alice.key = "eve"  # type: ignore[misc]
    with pytest.raises(TypeError):
        alice.claims["name"] = "Eve"  # type: ignore[index]


@pytest.mark.parametrize("key", BELGIANS)
def test_belgian_numbers(key: str) -> None:
    claims = IDENTITIES[key].claims
    assert national_number_is_valid(claims[C + "BENationalNumber"], claims["birthdate"])
    card = claims[C + "BEeidSn"].replace("-", "")
    assert re.fullmatch(r"\d{12}", card)
    assert int(card[:10]) % 97 == int(card[10:]) % 97 or int(card[10:]) == 97
    assert claims[C + "claim_citizenship_as_iso"] == "BEL"
    assert claims["address"]["postal_code"].isdigit()


def test_national_number_gender_digit() -> None:
    # odd sequence number = male, even = female (D-AREQ BENationalNumber)
    assert int(IDENTITIES["alice"].claims[C + "BENationalNumber"][6:9]) % 2 == 0
    assert int(IDENTITIES["bruno"].claims[C + "BENationalNumber"][6:9]) % 2 == 1


def test_format_variants() -> None:
    assert IDENTITIES["bruno"].claims[C + "BEeidSn"] == "592-7654321-35"
    assert "deviceId" in IDENTITIES["bruno"].claims[C + "claim_device"]
    assert "deviceID" in IDENTITIES["alice"].claims[C + "claim_device"]
    assert "email" not in IDENTITIES["bruno"].claims


def test_claire_is_dutch() -> None:
    claims = IDENTITIES["claire"].claims
    assert claims[C + "claim_citizenship"] == "NLD"
    assert claims[C + "IDDocumentType"] == "P"
    assert "address" not in claims
    assert C + "BENationalNumber" not in claims
    assert IDENTITIES["claire"].issuing_country == "NLD"


def test_device_members() -> None:
    members = {
        "os",
        "appName",
        "appRelease",
        "deviceLabel",
        "debugEnabled",
        "osRelease",
        "manufacturer",
        "deviceLockLevel",
        "rooted",
        "deviceModel",
    }
    for identity in IDENTITIES.values():
        device = identity.claims[C + "claim_device"]
        assert members <= set(device)
        assert {"deviceID", "deviceId"} & set(device)


def test_photo_is_a_real_jpeg() -> None:
    assert jpeg_size(PHOTO_JPEG) == (28, 40)
    for identity in IDENTITIES.values():
        photo = identity.claims[C + "physical_person_photo"]
        assert photo["format"] == "image/jpeg"
        assert base64.b64decode(photo["value"]) == PHOTO_JPEG


def test_pairwise_sub() -> None:
    sub = pairwise_sub("OIDC_TEST", "alice")
    assert re.fullmatch(r"[a-z2-7]{36}", sub)
    assert sub == IDENTITIES["alice"].sub_for("OIDC_TEST")
    assert sub != pairwise_sub("OIDC_OTHER", "alice")
    assert sub != pairwise_sub("OIDC_TEST", "bruno")
    assert find_by_sub("OIDC_TEST", sub) is IDENTITIES["alice"]
    assert find_by_sub("OIDC_OTHER", sub) is None


def test_release_claims_age_and_absence() -> None:
    names = ["age_gte_16", "age_gte_21", "age_gte_30", "email", "nonexistent"]
    bruno = release_claims(IDENTITIES["bruno"], names, requested=names, today=dt.date(2021, 7, 21))
    assert bruno == {"age_gte_16": True, "age_gte_21": False, "age_gte_30": False}
    on_birthday = release_claims(
        IDENTITIES["bruno"], ["age_gte_21"], requested=[], today=dt.date(2022, 7, 22)
    )
    assert on_birthday == {"age_gte_21": True}


def test_release_claims_copies_values() -> None:
    released = release_claims(
        IDENTITIES["alice"], ["address"], requested=["address"], today=dt.date(2025, 1, 1)
    )
    released["address"]["locality"] = "CHANGED"
    assert IDENTITIES["alice"].claims["address"]["locality"] == "GENT"
