"""The forgiving claim reader: ``parse_identity_claims`` and its typed result (no Django)."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from django_itsme.core.claim_names import (
    CLAIM_BE_EID_SN,
    CLAIM_BE_NATIONAL_NUMBER,
    CLAIM_BIRTHDATE_AS_STRING,
    CLAIM_CITIZENSHIP,
    CLAIM_CITIZENSHIP_AS_ISO,
    CLAIM_DEVICE,
    CLAIM_ID_DOCUMENT_SN,
    CLAIM_ID_DOCUMENT_TYPE,
    CLAIM_ID_ISSUING_COUNTRY,
    CLAIM_ISSUANCE_LOCALITY,
    CLAIM_OFFICIAL_GENDER,
    CLAIM_PHOTO,
    CLAIM_PLACE_OF_BIRTH,
    CLAIM_PREFIX,
    CLAIM_VALIDITY_FROM,
    CLAIM_VALIDITY_TO,
    CLAIM_VERIFICATION_DATE,
)
from django_itsme.core.identity_claims import (
    Account,
    Address,
    AppInstallation,
    Device,
    EidCard,
    FraudSignals,
    IdentityClaims,
    Nationality,
    Photo,
    PlaceOfBirth,
    parse_identity_claims,
)
from tests.core.test_national_numbers import BORN_1985, BORN_2003

# standard base64 and "-" / "_" in the URL-safe form.
PHOTO_BYTES = b"\xff\xd8\xff\xe0\xfb\xef\xbe\xff\x00JFIF"


# ----------------------------------------------------------------------------- parsing
def test_parse_empty_claims() -> None:
    parsed = parse_identity_claims({})
    assert parsed == IdentityClaims()
    assert parsed.age_over == {}
    assert parsed.raw == {}


def test_parse_full_example() -> None:
    raw: dict[str, Any] = {
        "sub": "6g2k9rgglem2dttw5d51ulkxpv24phwatiu6",
        "name": "Jan Peeters",
        "given_name": "Jan",
        "family_name": "Peeters",
        "birthdate": "1985-07-15",
        "gender": "male",
        "locale": "NL",
        "picture": "https://idp.e2e.itsme.services/v2/picture/1",
        "email": "jan@example.org",
        "email_verified": False,
        "phone_number": "+32 485694175",
        "phone_number_verified": True,
        "address": {
            "formatted": "Rue Haute 1\n1000 Bruxelles",
            "street_address": "Rue Haute 1",
            "postal_code": "1000",
            "locality": "Bruxelles",
        },
        "age_gte_18": True,
        "age_gte_21": "true",
        CLAIM_BIRTHDATE_AS_STRING: "15.07.1985",
        CLAIM_OFFICIAL_GENDER: "M",
        CLAIM_PLACE_OF_BIRTH: {"formatted": "Gent", "city": "Gent", "country": "BEL"},
        CLAIM_CITIZENSHIP: "belge",
        CLAIM_CITIZENSHIP_AS_ISO: "BEL",
        CLAIM_BE_NATIONAL_NUMBER: BORN_1985,
        CLAIM_BE_EID_SN: "591-1234567-89",
        CLAIM_ISSUANCE_LOCALITY: {"BEeidSn": "Gent"},
        CLAIM_VALIDITY_FROM: {"BEeidSn": "2021-05-30T00:00:00.000Z"},
        CLAIM_VALIDITY_TO: {"BEeidSn": "2031-05-30T00:00:00Z"},
        CLAIM_VERIFICATION_DATE: {"BEeidSn": "2024-01-02T03:04:05.678Z"},
    }
    parsed = parse_identity_claims(raw)
    assert parsed.sub == "6g2k9rgglem2dttw5d51ulkxpv24phwatiu6"
    assert (parsed.name, parsed.given_name, parsed.family_name) == ("Jan Peeters", "Jan", "Peeters")
    assert parsed.birthdate == date(1985, 7, 15)
    assert parsed.birthdate_as_string == "15.07.1985"
    assert (parsed.gender, parsed.official_gender, parsed.locale) == ("male", "M", "NL")
    assert parsed.picture == "https://idp.e2e.itsme.services/v2/picture/1"
    assert (parsed.email, parsed.email_verified) == ("jan@example.org", False)
    assert (parsed.phone_number, parsed.phone_number_verified) == ("+32 485694175", True)
    assert parsed.address == Address(
        formatted="Rue Haute 1\n1000 Bruxelles",
        street_address="Rue Haute 1",
        postal_code="1000",
        locality="Bruxelles",
    )
    assert parsed.place_of_birth == PlaceOfBirth(formatted="Gent", city="Gent", country="BEL")
    assert parsed.nationality == Nationality(as_on_document="belge", iso="BEL")
    assert parsed.eid == EidCard(
        national_number=BORN_1985,
        card_number="591-1234567-89",
        issuance_locality="Gent",
        valid_from=date(2021, 5, 30),
        valid_to=date(2031, 5, 30),
        verified_at=datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    )
    assert parsed.eid.national_number_is_valid
    assert parsed.age_over == {18: True, 21: True}
    assert parsed.id_document is None
    assert parsed.device is None
    assert parsed.photo is None
    assert parsed.raw == raw


def test_parse_result_is_frozen_and_raw_read_only() -> None:
    raw = {"sub": "abc"}
    parsed = parse_identity_claims(raw)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.sub = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        parsed.raw["sub"] = "other"  # type: ignore[index]
    raw["sub"] = "changed"
    assert parsed.raw["sub"] == "abc"


def test_repr_hides_personal_data() -> None:
    parsed = parse_identity_claims(
        {"sub": "abc", "family_name": "Peeters", CLAIM_BE_NATIONAL_NUMBER: BORN_1985}
    )
    text = repr(parsed)
    assert "abc" in text
    assert "family_name" in text
    assert "Peeters" not in text
    assert BORN_1985 not in text


@pytest.mark.parametrize(
    "card_number",
    ["591-1234567-89", "591123456789", "591 1234567 89", "B 1234567 89", "b1234567-89"],
)
def test_eid_card_number_kept_as_sent_and_normalised(card_number: str) -> None:
    eid = parse_identity_claims({CLAIM_BE_EID_SN: card_number}).eid
    assert eid is not None
    assert eid.card_number == card_number
    assert eid.normalized_card_number == "".join(ch for ch in card_number if ch.isalnum()).upper()


def test_eid_card_number_as_json_integer() -> None:
    eid = parse_identity_claims({CLAIM_BE_EID_SN: 431522485012}).eid
    assert eid is not None
    assert eid.card_number == "431522485012"


@pytest.mark.parametrize("value", [BORN_1985, "85.07.15-123.97", "85 07 15-123 97"])
def test_national_number_formats(value: str) -> None:
    eid = parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: value}).eid
    assert eid is not None
    assert eid.national_number == BORN_1985


def test_national_number_unreadable_becomes_none_raw_keeps_it() -> None:
    parsed = parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: "not a number"})
    assert parsed.eid is None
    assert parsed.raw[CLAIM_BE_NATIONAL_NUMBER] == "not a number"


def test_national_number_with_bad_check_is_kept_but_flagged() -> None:
    eid = parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: "85071512398"}).eid
    assert eid is not None
    assert eid.national_number == "85071512398"
    assert not eid.national_number_is_valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2031-05-30T00:00:00.000Z", date(2031, 5, 30)),
        ("2031-05-30T00:00:00Z", date(2031, 5, 30)),
        ("2031-05-30T00:00:00", date(2031, 5, 30)),
        ("2031-05-30T00:00:00.123456789+02:00", date(2031, 5, 30)),
        ("2031-05-30", date(2031, 5, 30)),
        ("30.05.2031", date(2031, 5, 30)),
        ("2031-02-30", None),
        ("30.13.2031", None),
        ("20310530", None),
        ("2031-W22", None),
        ("soon", None),
        (20310530, None),
    ],
)
def test_date_formats(value: object, expected: date | None) -> None:
    eid = parse_identity_claims({CLAIM_BE_EID_SN: "1", CLAIM_VALIDITY_TO: value}).eid
    assert eid is not None
    assert eid.valid_to == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05.678Z", datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T05:04:05+0200", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04", datetime(2024, 1, 2, 3, 4, tzinfo=UTC)),
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ("02.01.2024", datetime(2024, 1, 2, tzinfo=UTC)),
        ("2024-01-02T25:00:00Z", None),
        ("2024-01-02T03:04:05+24:00", None),
    ],
)
def test_verification_date_formats(value: str, expected: datetime | None) -> None:
    eid = parse_identity_claims({CLAIM_BE_EID_SN: "1", CLAIM_VERIFICATION_DATE: value}).eid
    assert eid is not None
    assert eid.verified_at == expected


def test_metadata_as_plain_string() -> None:
    eid = parse_identity_claims(
        {
            CLAIM_BE_EID_SN: "591123456789",
            CLAIM_ISSUANCE_LOCALITY: "Antwerpen",
            CLAIM_VALIDITY_FROM: "2021-05-30",
            CLAIM_VALIDITY_TO: "2031-05-30T00:00:00Z",
        }
    ).eid
    assert eid is not None
    assert eid.issuance_locality == "Antwerpen"
    assert eid.valid_from == date(2021, 5, 30)
    assert eid.valid_to == date(2031, 5, 30)


def test_metadata_prefers_the_entry_of_its_document() -> None:
    raw = {
        CLAIM_BE_EID_SN: "591123456789",
        CLAIM_ID_DOCUMENT_SN: "EL1234567",
        CLAIM_VALIDITY_TO: {
            "birthdate": "2020-01-01T00:00:00Z",
            "IDDocumentSN": "2029-12-31T00:00:00Z",
            "BEeidSn": "2031-05-30T00:00:00Z",
        },
        CLAIM_ID_ISSUING_COUNTRY: {"given_name": "NLD", CLAIM_ID_DOCUMENT_SN: "BEL"},
    }
    parsed = parse_identity_claims(raw)
    assert parsed.eid is not None
    assert parsed.eid.valid_to == date(2031, 5, 30)
    assert parsed.id_document is not None
    assert parsed.id_document.valid_to == date(2029, 12, 31)
    assert parsed.id_document.issuing_country == "BEL"  # keyed by the full claim URI


def test_metadata_falls_back_to_first_entry() -> None:
    eid = parse_identity_claims(
        {
            CLAIM_BE_NATIONAL_NUMBER: BORN_2003,
            CLAIM_VERIFICATION_DATE: {"birthdate": "2024-01-02T03:04:05Z", "name": None},
        }
    ).eid
    assert eid is not None
    assert eid.verified_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_metadata_alone_makes_no_card() -> None:
    parsed = parse_identity_claims({CLAIM_VALIDITY_TO: {"BEeidSn": "2031-05-30"}})
    assert parsed.eid is None
    assert parsed.id_document is None


def test_id_document() -> None:
    document = parse_identity_claims(
        {
            CLAIM_ID_DOCUMENT_SN: "NX1234567",
            CLAIM_ID_DOCUMENT_TYPE: "P",
            CLAIM_ID_ISSUING_COUNTRY: {"IDDocumentSN": "NLD"},
            CLAIM_VALIDITY_TO: {"IDDocumentSN": "2030-01-31T00:00:00Z"},
        }
    ).id_document
    assert document is not None
    assert (document.number, document.type, document.issuing_country) == ("NX1234567", "P", "NLD")
    assert document.valid_to == date(2030, 1, 31)


def test_issuing_country_as_plain_string() -> None:
    document = parse_identity_claims({CLAIM_ID_ISSUING_COUNTRY: "BEL"}).id_document
    assert document is not None
    assert document.issuing_country == "BEL"


@pytest.mark.parametrize("key", ["deviceID", "deviceId", "DEVICEID"])
def test_device_id_spellings(key: str) -> None:
    device = parse_identity_claims({CLAIM_DEVICE: {key: "abc-123"}}).device
    assert device is not None
    assert device.device_id == "abc-123"


def test_device_all_members_and_string_booleans() -> None:
    device = parse_identity_claims(
        {
            CLAIM_DEVICE: {
                "os": "ANDROID",
                "osRelease": "14",
                "appName": "itsme",
                "appRelease": "5.3.1",
                "deviceLabel": "Jan's phone",
                "deviceID": "abc-123",
                "manufacturer": "Google",
                "deviceModel": "Pixel 8",
                "deviceLockLevel": "pin",
                "debugEnabled": "false",
                "rooted": "TRUE",
                "msisdn": "+32 485694175",
            }
        }
    ).device
    assert device == Device(
        os="ANDROID",
        os_release="14",
        app_name="itsme",
        app_release="5.3.1",
        label="Jan's phone",
        device_id="abc-123",
        manufacturer="Google",
        model="Pixel 8",
        lock_level="pin",
        debug_enabled=False,
        rooted=True,
        msisdn="+32 485694175",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), ("maybe", None), (2, None)],
)
def test_boolean_variants(value: object, expected: bool | None) -> None:
    parsed = parse_identity_claims({"email_verified": value, CLAIM_DEVICE: {"rooted": value}})
    assert parsed.email_verified is expected
    assert (parsed.device.rooted if parsed.device else None) is expected


@pytest.mark.parametrize("value", ["not an object", ["list"], {}, 42])
def test_unreadable_device_is_none(value: object) -> None:
    parsed = parse_identity_claims({CLAIM_DEVICE: value})
    assert parsed.device is None
    assert parsed.raw[CLAIM_DEVICE] == value


def test_device_given_as_json_text() -> None:
    device = parse_identity_claims({CLAIM_DEVICE: '{"os": "IOS", "rooted": false}'}).device
    assert device == Device(os="IOS", rooted=False)


def test_place_of_birth_as_plain_string() -> None:
    place = parse_identity_claims({CLAIM_PLACE_OF_BIRTH: "Liège"}).place_of_birth
    assert place == PlaceOfBirth(formatted="Liège")


def test_place_of_birth_partial_object() -> None:
    place = parse_identity_claims({CLAIM_PLACE_OF_BIRTH: {"city": "Namur"}}).place_of_birth
    assert place == PlaceOfBirth(city="Namur")


@pytest.mark.parametrize("value", [{}, "", "   ", 12.5])
def test_empty_place_of_birth_is_none(value: object) -> None:
    assert parse_identity_claims({CLAIM_PLACE_OF_BIRTH: value}).place_of_birth is None


@pytest.mark.parametrize(
    ("printed", "iso", "expected"),
    [
        ("belge", None, Nationality(as_on_document="belge", iso="BEL")),
        ("BE", None, Nationality(as_on_document="BE", iso="BEL")),
        ("Belg", None, Nationality(as_on_document="Belg", iso="BEL")),
        ("NLD", None, Nationality(as_on_document="NLD", iso="NLD")),
        ("BE", "BEL", Nationality(as_on_document="BE", iso="BEL")),
        (None, "bel", Nationality(as_on_document=None, iso="BEL")),
        ("française", None, Nationality(as_on_document="française", iso=None)),
        (None, "Belgium", None),
    ],
)
def test_nationality_variants(
    printed: str | None, iso: str | None, expected: Nationality | None
) -> None:
    raw = {CLAIM_CITIZENSHIP: printed, CLAIM_CITIZENSHIP_AS_ISO: iso}
    assert parse_identity_claims(raw).nationality == expected


def _b64(data: bytes, *, urlsafe: bool, padded: bool) -> str:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.standard_b64encode)(data).decode()
    return encoded if padded else encoded.rstrip("=")


@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_photo_object_any_base64_flavour(urlsafe: bool, padded: bool) -> None:
    encoded = _b64(PHOTO_BYTES, urlsafe=urlsafe, padded=padded)
    assert len(PHOTO_BYTES) % 3, "the sample must need padding"
    photo = parse_identity_claims({CLAIM_PHOTO: {"format": "image/jpeg", "value": encoded}}).photo
    assert photo == Photo(content_type="image/jpeg", data=PHOTO_BYTES)


def test_photo_as_plain_string() -> None:
    encoded = _b64(PHOTO_BYTES, urlsafe=False, padded=True)
    photo = parse_identity_claims({CLAIM_PHOTO: encoded}).photo
    assert photo == Photo(content_type="image/jpeg", data=PHOTO_BYTES)


def test_photo_as_data_uri_and_back() -> None:
    png = b"\x89PNG\r\n\x1a\n0000"
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    photo = parse_identity_claims({CLAIM_PHOTO: uri}).photo
    assert photo == Photo(content_type="image/png", data=png)
    assert photo.to_data_uri() == uri


def test_photo_type_sniffed_or_from_short_format() -> None:
    png = b"\x89PNG\r\n\x1a\n0000"
    sniffed = parse_identity_claims({CLAIM_PHOTO: {"value": base64.b64encode(png).decode()}})
    assert sniffed.photo is not None
    assert sniffed.photo.content_type == "image/png"
    short = parse_identity_claims(
        {CLAIM_PHOTO: {"format": "JPG", "value": base64.b64encode(PHOTO_BYTES).decode()}}
    )
    assert short.photo is not None
    assert short.photo.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "value",
    ["***", "", {"format": "image/jpeg"}, {"value": 12}, "A", 7, {"format": "x", "value": "=="}],
)
def test_unreadable_photo_is_none(value: object) -> None:
    assert parse_identity_claims({CLAIM_PHOTO: value}).photo is None


def test_photo_repr_does_not_dump_bytes() -> None:
    photo = Photo(content_type="image/jpeg", data=b"\x00" * 5000)
    assert repr(photo) == "Photo(content_type='image/jpeg', data=<5000 bytes>)"


def test_address_as_plain_string() -> None:
    address = parse_identity_claims({"address": "Rue Haute 1, 1000 Bruxelles"}).address
    assert address == Address(formatted="Rue Haute 1, 1000 Bruxelles")


def test_address_with_country_and_numeric_postal_code() -> None:
    address = parse_identity_claims({"address": {"postal_code": 1000, "country": "BE"}}).address
    assert address == Address(postal_code="1000", country="BE")


def test_birthdate_taken_from_printed_form_when_missing() -> None:
    parsed = parse_identity_claims({CLAIM_BIRTHDATE_AS_STRING: "01.11.1978"})
    assert parsed.birthdate == date(1978, 11, 1)


def test_partial_printed_birthdate_gives_no_date() -> None:
    parsed = parse_identity_claims({CLAIM_BIRTHDATE_AS_STRING: "00.00.1950"})
    assert parsed.birthdate is None
    assert parsed.birthdate_as_string == "00.00.1950"


def test_birthdate_wins_over_printed_form() -> None:
    parsed = parse_identity_claims(
        {"birthdate": "1978-11-01", CLAIM_BIRTHDATE_AS_STRING: "02.11.1978"}
    )
    assert parsed.birthdate == date(1978, 11, 1)


def test_age_over_ignores_unreadable_values() -> None:
    parsed = parse_identity_claims(
        {"age_gte_30": "false", "age_gte_16": True, "age_gte_18": "perhaps", "age_gte_x": True}
    )
    assert parsed.age_over == {16: True, 30: False}
    assert list(parsed.age_over) == [16, 30]


def test_itsme_claims_found_under_other_spellings() -> None:
    parsed = parse_identity_claims(
        {
            "http://itsme.services/V2/claim/BEeidSn": "591123456789",
            "claim_citizenship": "BE",
        }
    )
    assert parsed.eid is not None
    assert parsed.eid.card_number == "591123456789"
    assert parsed.nationality == Nationality(as_on_document="BE", iso="BEL")


@pytest.mark.parametrize(
    "raw",
    [
        {"sub": 12, "name": ["x"], "birthdate": 19780101, "email": {"a": 1}},
        {"address": "{not json", CLAIM_DEVICE: '{"a":' + "[" * 100_000},
        {CLAIM_VALIDITY_TO: {"BEeidSn": {"nested": True}}, CLAIM_BE_EID_SN: "1"},
        {CLAIM_VERIFICATION_DATE: "2024-01-02T03:04:05+99:00", CLAIM_BE_EID_SN: "1"},
        {1: "non-string key", None: None},
    ],
)
def test_odd_provider_data_never_raises(raw: dict[Any, Any]) -> None:
    parsed = parse_identity_claims(raw)
    assert parsed.raw == raw


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("png", "image/png"),
        ("IMAGE/JPEG", "image/jpeg"),
        ("!!", "image/jpeg"),
        ("jpeg", "image/jpeg"),
    ],
)
def test_photo_declared_format_variants(declared: str, expected: str) -> None:
    encoded = base64.b64encode(PHOTO_BYTES).decode()
    photo = parse_identity_claims({CLAIM_PHOTO: {"format": declared, "value": encoded}}).photo
    assert photo is not None
    assert photo.content_type == expected


def test_card_without_card_number_has_no_normalised_number() -> None:
    eid = parse_identity_claims({CLAIM_BE_NATIONAL_NUMBER: BORN_2003}).eid
    assert eid == EidCard(national_number=BORN_2003)
    assert eid.normalized_card_number is None
    assert eid.national_number_is_valid
    assert not EidCard().national_number_is_valid


# ----------------------------------------------------------------------------- fraud signals
def test_fraud_signals_are_typed() -> None:
    from ipaddress import IPv6Address

    parsed = parse_identity_claims(
        {
            CLAIM_PREFIX + "app": {
                "appInstalledDate": "2024-01-09T18:02:11.000Z",
                "appName": "be.bmid.itsme",
                "appRelease": "4.9.3",
            },
            CLAIM_PREFIX + "account": {
                "activationDate": "2024-01-09T18:09:30Z",
                "activationMechanism": "ID_PROVIDER",
            },
            CLAIM_PREFIX + "identification_mode": "MSISDN",
            CLAIM_PREFIX + "transaction_ip": " 2001:DB8::7 ",
            CLAIM_PREFIX + "ongoing_call": "true",
        }
    )
    assert parsed.fraud_signals == FraudSignals(
        identification_mode="MSISDN",
        transaction_ip=IPv6Address("2001:db8::7"),
        ongoing_call=True,
        app=AppInstallation(
            installed_at=datetime(2024, 1, 9, 18, 2, 11, tzinfo=UTC),
            name="be.bmid.itsme",
            release="4.9.3",
        ),
        account=Account(
            activated_at=datetime(2024, 1, 9, 18, 9, 30, tzinfo=UTC),
            activation_mechanism="ID_PROVIDER",
        ),
    )
    assert "fraud_signals" in repr(parsed)


def test_fraud_signals_absent_or_unreadable() -> None:
    assert parse_identity_claims({"sub": "x"}).fraud_signals is None
    odd = parse_identity_claims(
        {
            CLAIM_PREFIX + "transaction_ip": "not an address",
            CLAIM_PREFIX + "app": "text",
            CLAIM_PREFIX + "account": {},
        }
    )
    assert odd.fraud_signals is None
    assert odd.raw[CLAIM_PREFIX + "transaction_ip"] == "not an address"
    only_call = parse_identity_claims({CLAIM_PREFIX + "ongoing_call": False}).fraud_signals
    assert only_call is not None
    assert only_call.ongoing_call is False
