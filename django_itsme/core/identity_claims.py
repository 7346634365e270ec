"""The claims itsme returned, read leniently into frozen, typed values.

:func:`parse_identity_claims` reads the merged ID token / userinfo claims into an
:class:`IdentityClaims`. The sources disagree on many formats (protocol notes §11 #15), so the
reader accepts every documented variant (the single-value readers are in
:mod:`django_itsme.core.claim_values`), never raises on provider data, and turns a value it cannot
read into ``None`` while :attr:`IdentityClaims.raw` keeps what was sent. itsme omits absent data
instead of sending ``null`` (D-IG2020), so every field is optional.

Formats come from the itsme v2 documentation: D-AREQ (claims table), D-CLAIMS (availability),
D-UD (metadata claims), D-IAM (platform guide variants), D-AUTH (examples); the keys are listed
in section 0 of the protocol notes.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Final, TypeAlias, TypeVar

from django_itsme.core.claim_names import CLAIM_PREFIX
from django_itsme.core.claim_values import (
    read_base64,
    read_boolean,
    read_date,
    read_datetime,
    read_ip_address,
    read_member,
    read_metadata,
    read_object,
    read_printed_date,
    read_text,
)
from django_itsme.core.national_numbers import (
    NationalNumber,
    is_valid_belgian_national_number,
    national_number_country,
    normalize_belgian_national_number,
)

__all__ = [
    "Account",
    "Address",
    "AppInstallation",
    "Device",
    "EidCard",
    "FraudSignals",
    "IdDocument",
    "IdentityClaims",
    "Nationality",
    "Photo",
    "PlaceOfBirth",
    "parse_identity_claims",
]


@dataclass(frozen=True, slots=True)
class Address:
    """The ``address`` claim (D-AREQ; ``country`` in v1/2020 only, D-IG2020).

    A plain-string address (not documented, seen from some platforms) lands in ``formatted``.
    """

    formatted: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceOfBirth:
    """The ``place_of_birth`` claim (D-AREQ): an object with some of these members.

    D-IAM lists the claim as a plain string; such a value lands in ``formatted``.
    """

    formatted: str | None = None
    city: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Nationality:
    """``claim_citizenship`` and ``claim_citizenship_as_iso`` (D-AREQ, D-CLAIMS).

    :ivar as_on_document: as printed on the document, e.g. ``belge`` (D-CLAIMS) or ``BE``
        (D-AUTH example) for Belgian documents, ISO 3166-1 alpha-3 for others.
    :ivar iso: ISO 3166-1 alpha-3 (``BEL``): ``claim_citizenship_as_iso`` when sent, else derived
        from ``as_on_document`` when that is an alpha-3 code or a known Belgian spelling.
    """

    as_on_document: str | None = None
    iso: str | None = None


@dataclass(frozen=True, slots=True)
class EidCard:
    """The Belgian eID card (``eid`` friendly name; D-AREQ, D-UD).

    :ivar national_number: the national register number, normalised to 11 digits; the check
        digits are not verified (see :attr:`national_number_is_valid`).
    :ivar card_number: ``BEeidSn`` as sent (``xxx-xxxxxxx-yy``, ``431522485012`` or
        ``B xxxxxxx xx``; protocol notes §11 #15); see :attr:`normalized_card_number`.
    :ivar issuance_locality: the issuing municipality (metadata claim).
    :ivar valid_from: first day of validity (metadata; the date as written, time zone ignored).
    :ivar valid_to: last day of validity (metadata; the date as written, time zone ignored).
    :ivar verified_at: when itsme last read the card (metadata ``verificationDate``), in UTC.
    """

    national_number: str | None = None
    card_number: str | None = None
    issuance_locality: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    verified_at: datetime | None = None

    @property
    def normalized_card_number(self) -> str | None:
        """The card number with separators removed and letters upper-cased (``B1234567 89``
        -> ``B123456789``), for comparing numbers sent in different formats."""
        return _compact_document_number(self.card_number)

    @property
    def national_number_is_valid(self) -> bool:
        """Whether :attr:`national_number` passes the mod-97 check."""
        return self.national_number is not None and is_valid_belgian_national_number(
            self.national_number
        )


@dataclass(frozen=True, slots=True)
class IdDocument:
    """The identity document of any country (``id_document`` friendly name / ``idDocument`` scope).

    :ivar number: ``IDDocumentSN`` as sent.
    :ivar type: ``IDDocumentType``, an ICAO 1-2 letter code (``I...`` card, ``P...`` passport).
    :ivar issuing_country: ``IDIssuingCountry`` (metadata), ISO 3166-1 alpha-3.
    :ivar valid_to: ``validityTo`` (metadata), the date as written.
    """

    number: str | None = None
    type: str | None = None
    issuing_country: str | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """The ``claim_device`` object (D-AREQ, D-AUTH example). Member names are matched without
    regard to case, so both ``deviceID`` (table) and ``deviceId`` (example) are read."""

    os: str | None = None
    os_release: str | None = None
    app_name: str | None = None
    app_release: str | None = None
    label: str | None = None
    device_id: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    lock_level: str | None = None
    debug_enabled: bool | None = None
    rooted: bool | None = None
    msisdn: str | None = None


@dataclass(frozen=True, slots=True)
class AppInstallation:
    """The ``app`` fraud-signal claim (D-AREQ): the itsme app on the approving phone.

    :ivar installed_at: ``appInstalledDate``, in UTC.
    :ivar name: ``appName``.
    :ivar release: ``appRelease``.
    """

    installed_at: datetime | None = None
    name: str | None = None
    release: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """The ``account`` fraud-signal claim (D-AREQ): how and when the itsme account was opened.

    :ivar activated_at: ``activationDate``, in UTC.
    :ivar activation_mechanism: ``activationMechanism`` as sent: ``CARD_READER``,
        ``CONTACT_LESS`` or ``ID_PROVIDER`` (D-AREQ; more may come).
    """

    activated_at: datetime | None = None
    activation_mechanism: str | None = None


@dataclass(frozen=True, slots=True)
class FraudSignals:
    """itsme's fraud signals about this approval (D-AREQ; protocol notes §4.4). The device is
    :attr:`IdentityClaims.device`.

    :ivar identification_mode: how the flow was started: ``QR``, ``MSISDN``, ``a2a`` (D-AREQ: more
        may come), as sent.
    :ivar transaction_ip: the approving phone's IP address (``transaction_ip``); None when it is
        not an IP address (the raw value stays in :attr:`IdentityClaims.raw`).
    :ivar ongoing_call: whether a phone call was running during the approval (``ongoing_call``).
    :ivar app: the ``app`` claim.
    :ivar account: the ``account`` claim.
    """

    identification_mode: str | None = None
    transaction_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    ongoing_call: bool | None = None
    app: AppInstallation | None = None
    account: Account | None = None


@dataclass(frozen=True, slots=True, repr=False)
class Photo:
    """The ID photo from ``physical_person_photo`` (D-AREQ: JPEG, 200x140 px), decoded."""

    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"Photo(content_type={self.content_type!r}, data=<{len(self.data)} bytes>)"

    def to_data_uri(self) -> str:
        """Render the photo as an RFC 2397 ``data:`` URI, e.g. for an ``<img src>``.

        :returns: ``data:<content_type>;base64,<data>``.
        """
        encoded = base64.b64encode(self.data).decode("ascii")
        return f"data:{self.content_type};base64,{encoded}"


def _compact_document_number(value: str | None) -> str | None:
    """Letters and digits only, upper-cased: ``591-1234567-89`` -> ``591123456789``."""
    if value is None:
        return None
    compact = "".join(ch for ch in value if ch.isascii() and ch.isalnum()).upper()
    return compact or None


def _empty_age_map() -> Mapping[int, bool]:
    return MappingProxyType({})


def _empty_raw() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, repr=False)
class IdentityClaims:
    """What itsme said about the user, read leniently; every field is optional (D-IG2020).

    :ivar birthdate: ``birthdate`` (``YYYY-MM-DD``); when itsme sends only
        ``birthdate_as_string`` and that is a complete ``DD.MM.YYYY`` date, taken from it.
    :ivar fraud_signals: ``app``, ``account``, ``identification_mode``, ``transaction_ip`` and
        ``ongoing_call`` (D-AREQ), or None when none came.
    :ivar national_numbers: every ``<CC>NationalNumber`` claim (D-AREQ, D-CLAIMS), Belgian first;
        the Belgian one also fills :attr:`EidCard.national_number`.
    :ivar age_over: ``{16: True, 18: True, ...}`` from the ``age_gte_*`` claims (D-AREQ).
    :ivar raw: the claims exactly as received (read-only view of a shallow copy).

    The ``repr`` shows ``sub`` and the names of the fields present, never personal data.
    """

    sub: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    birthdate: date | None = None
    birthdate_as_string: str | None = None
    gender: str | None = None
    official_gender: str | None = None
    locale: str | None = None
    picture: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None
    address: Address | None = None
    place_of_birth: PlaceOfBirth | None = None
    nationality: Nationality | None = None
    eid: EidCard | None = None
    id_document: IdDocument | None = None
    device: Device | None = None
    photo: Photo | None = None
    fraud_signals: FraudSignals | None = None
    national_numbers: tuple[NationalNumber, ...] = ()
    age_over: Mapping[int, bool] = field(default_factory=_empty_age_map)
    raw: Mapping[str, Any] = field(default_factory=_empty_raw)

    def __repr__(self) -> str:
        present = [
            f.name
            for f in fields(self)
            if f.name not in {"sub", "raw"} and getattr(self, f.name) not in (None, {}, ())
        ]
        return f"IdentityClaims(sub={self.sub!r}, present={present!r})"


# ----------------------------------------------------------------------------- readers
#: Spellings of Belgian nationality on Belgian documents (FR, NL, DE, EN) and in the D-AUTH
#: example (``BE``), mapped to ISO 3166-1 alpha-3 (D-CLAIMS: BE documents print a word).
_BELGIAN_NATIONALITY_WORDS: Final = frozenset(
    {"be", "belge", "belg", "belgisch", "belgische", "belgier", "belgierin", "belgian"}
)
_ALPHA_3: Final = re.compile(r"[A-Za-z]{3}")

#: The default media type of the ID photo: D-AREQ documents it as JPEG.
_DEFAULT_PHOTO_TYPE: Final = "image/jpeg"
_MEDIA_TYPE: Final = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")
_DATA_URI: Final = re.compile(r"data:([^;,]*)(?:;[^,]*)?,(.*)", re.DOTALL)
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"

# Which document a metadata object entry is about, in order of preference (D-UD example keys).
_EID_KEYS: Final = ("BEeidSn", "BENationalNumber", "IDDocumentSN")
_ID_DOCUMENT_KEYS: Final = ("IDDocumentSN", "BEeidSn")
_AGE_CLAIM: Final = re.compile(r"age_gte_([0-9]{1,3})")

_T = TypeVar("_T")
#: An object claim's fields: field name -> (value reader, member spellings, preferred first).
_Members: TypeAlias = Mapping[str, tuple[Callable[[object], Any], tuple[str, ...]]]

#: ``address`` members (D-AREQ; ``country`` in v1/2020 only, D-IG2020).
_ADDRESS_MEMBERS: Final[_Members] = MappingProxyType(
    {
        name: (read_text, (name,))
        for name in ("formatted", "street_address", "postal_code", "locality", "country")
    }
)
#: ``place_of_birth`` members (D-AREQ).
_PLACE_OF_BIRTH_MEMBERS: Final[_Members] = MappingProxyType(
    {name: (read_text, (name,)) for name in ("formatted", "city", "country")}
)
#: ``claim_device`` members as D-AREQ's table spells them (the example writes ``deviceId``, found
#: by :func:`read_member` ignoring case), then in snake case (platform mappings).
_DEVICE_MEMBERS: Final[_Members] = MappingProxyType(
    {
        "os": (read_text, ("os",)),
        "os_release": (read_text, ("osRelease", "os_release")),
        "app_name": (read_text, ("appName", "app_name")),
        "app_release": (read_text, ("appRelease", "app_release")),
        "label": (read_text, ("deviceLabel", "device_label")),
        "device_id": (read_text, ("deviceID", "device_id")),
        "manufacturer": (read_text, ("manufacturer",)),
        "model": (read_text, ("deviceModel", "device_model")),
        "lock_level": (read_text, ("deviceLockLevel", "device_lock_level")),
        "debug_enabled": (read_boolean, ("debugEnabled", "debug_enabled")),
        "rooted": (read_boolean, ("rooted",)),
        "msisdn": (read_text, ("msisdn",)),
    }
)
#: ``app`` fraud-signal members (D-AREQ).
_APP_MEMBERS: Final[_Members] = MappingProxyType(
    {
        "installed_at": (read_datetime, ("appInstalledDate", "app_installed_date")),
        "name": (read_text, ("appName", "app_name")),
        "release": (read_text, ("appRelease", "app_release")),
    }
)
#: ``account`` fraud-signal members (D-AREQ).
_ACCOUNT_MEMBERS: Final[_Members] = MappingProxyType(
    {
        "activated_at": (read_datetime, ("activationDate", "activation_date")),
        "activation_mechanism": (read_text, ("activationMechanism", "activation_mechanism")),
    }
)


class _Source:
    """Look-ups in the raw claims that forgive how the itsme claim names get spelled.

    An itsme claim is found under its exact URI, then under the URI with another case (the
    returned ``acr`` shows ``V2``: protocol notes §5), then under its bare suffix (platform
    mappings, D-IAM).
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw
        self._by_suffix: dict[str, Any] = {}
        prefix = CLAIM_PREFIX.lower()
        for key, value in raw.items():
            if isinstance(key, str) and key.lower().startswith(prefix) and value is not None:
                self._by_suffix.setdefault(key[len(CLAIM_PREFIX) :], value)

    def standard(self, name: str) -> Any:
        return self._raw.get(name)

    def itsme(self, suffix: str) -> Any:
        for candidate in (
            self._raw.get(CLAIM_PREFIX + suffix),
            self._by_suffix.get(suffix),
            self._raw.get(suffix),
        ):
            if candidate is not None:
                return candidate
        return None


def _read_members(value: object, build: Callable[..., _T], members: _Members) -> _T | None:
    """Build ``build(**fields)`` from a JSON object, each field read by its reader from the
    first of its member spellings present; ``None`` when no field could be read."""
    obj = read_object(value)
    if obj is None:
        return None
    found = {
        name: read(read_member(obj, *spellings)) for name, (read, spellings) in members.items()
    }
    if all(field_value is None for field_value in found.values()):
        return None
    return build(**found)


def _read_address(value: object) -> Address | None:
    if read_object(value) is None:
        text = read_text(value)  # seen from some platforms: a plain string
        return None if text is None else Address(formatted=text)
    return _read_members(value, Address, _ADDRESS_MEMBERS)


def _read_place_of_birth(value: object) -> PlaceOfBirth | None:
    if read_object(value) is None:
        text = read_text(value)  # D-IAM: a plain string
        return None if text is None else PlaceOfBirth(formatted=text)
    return _read_members(value, PlaceOfBirth, _PLACE_OF_BIRTH_MEMBERS)


def _read_nationality(as_on_document: object, as_iso: object) -> Nationality | None:
    printed = read_text(as_on_document)
    iso_text = read_text(as_iso)
    iso = iso_text.upper() if iso_text and _ALPHA_3.fullmatch(iso_text) else None
    if iso is None and printed is not None:
        if printed.lower() in _BELGIAN_NATIONALITY_WORDS:
            iso = "BEL"
        elif _ALPHA_3.fullmatch(printed):
            iso = printed.upper()  # D-CLAIMS: alpha-3 for non-Belgian documents
    if printed is None and iso is None:
        return None
    return Nationality(as_on_document=printed, iso=iso)


def _photo_type(declared: str | None, data: bytes) -> str:
    """The photo's media type: the declared one if well-formed, else sniffed, else JPEG."""
    if declared is not None:
        if _MEDIA_TYPE.fullmatch(declared):
            return declared.lower()
        word = declared.lower()
        if word in {"jpg", "jpeg"}:
            return "image/jpeg"
        if word.isascii() and word.isalnum():
            return f"image/{word}"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    return _DEFAULT_PHOTO_TYPE


def _read_photo(value: object) -> Photo | None:
    obj = read_object(value)
    declared: str | None = None
    if obj is not None:  # D-AREQ: {"format": MIME, "value": base64}
        encoded = read_member(obj, "value", "data")
        declared = read_text(read_member(obj, "format", "content_type"))
    else:  # D-IAM: a plain base64 string (or a data: URI)
        encoded = value
    if not isinstance(encoded, str):
        return None
    encoded = encoded.strip()
    data_uri = _DATA_URI.fullmatch(encoded)
    if data_uri is not None:
        declared = declared or read_text(data_uri.group(1))
        encoded = data_uri.group(2)
    data = read_base64(encoded)
    if not data:
        return None
    return Photo(content_type=_photo_type(declared, data), data=data)


def _read_fraud_signals(source: _Source) -> FraudSignals | None:
    signals = FraudSignals(
        identification_mode=read_text(source.itsme("identification_mode")),
        transaction_ip=read_ip_address(source.itsme("transaction_ip")),
        ongoing_call=read_boolean(source.itsme("ongoing_call")),
        app=_read_members(source.itsme("app"), AppInstallation, _APP_MEMBERS),
        account=_read_members(source.itsme("account"), Account, _ACCOUNT_MEMBERS),
    )
    return None if signals == FraudSignals() else signals


def _read_national_numbers(raw: Mapping[str, Any]) -> tuple[NationalNumber, ...]:
    found: dict[str, NationalNumber] = {}
    for key, value in raw.items():
        text = str(key)
        suffix = text[len(CLAIM_PREFIX) :] if text.lower().startswith(CLAIM_PREFIX) else text
        country = national_number_country(suffix)
        if country is None:
            continue
        number = normalize_belgian_national_number(value) if country == "BE" else read_text(value)
        if number is not None and country not in found:
            found[country] = NationalNumber(country=country, number=number)
    ordered = sorted(found.values(), key=lambda n: (n.country != "BE", n.country))
    return tuple(ordered)


def _read_eid(source: _Source) -> EidCard | None:
    national_number = normalize_belgian_national_number(source.itsme("BENationalNumber"))
    card_number = read_text(source.itsme("BEeidSn"))
    if national_number is None and card_number is None:
        return None
    return EidCard(
        national_number=national_number,
        card_number=card_number,
        issuance_locality=read_text(read_metadata(source.itsme("issuance_locality"), _EID_KEYS)),
        valid_from=read_date(read_metadata(source.itsme("validityFrom"), _EID_KEYS)),
        valid_to=read_date(read_metadata(source.itsme("validityTo"), _EID_KEYS)),
        verified_at=read_datetime(read_metadata(source.itsme("verificationDate"), _EID_KEYS)),
    )


def _read_id_document(source: _Source) -> IdDocument | None:
    number = read_text(source.itsme("IDDocumentSN"))
    document_type = read_text(source.itsme("IDDocumentType"))
    country = read_text(read_metadata(source.itsme("IDIssuingCountry"), _ID_DOCUMENT_KEYS))
    if number is None and document_type is None and country is None:
        return None
    return IdDocument(
        number=number,
        type=document_type,
        issuing_country=country,
        valid_to=read_date(read_metadata(source.itsme("validityTo"), _ID_DOCUMENT_KEYS)),
    )


def _read_age_over(raw: Mapping[str, Any]) -> Mapping[int, bool]:
    ages: dict[int, bool] = {}
    for key, value in raw.items():
        match = _AGE_CLAIM.fullmatch(str(key).removeprefix(CLAIM_PREFIX))
        answer = read_boolean(value)
        if match is not None and answer is not None:
            ages[int(match.group(1))] = answer
    return MappingProxyType(dict(sorted(ages.items())))


def parse_identity_claims(raw: Mapping[str, Any]) -> IdentityClaims:
    """Read the claims itsme returned into an :class:`IdentityClaims`.

    Tolerates every format variation of protocol notes §4.4 and §11 #15: ``BENationalNumber`` as
    11 digits or ``YY.MM.DD-xxx.cd``; ``BEeidSn`` with or without separators; dates with or
    without milliseconds and ``Z``, as ``YYYY-MM-DD`` or ``DD.MM.YYYY``; ``deviceID`` or
    ``deviceId``; booleans as strings; ``place_of_birth`` and ``physical_person_photo`` as plain
    strings (D-IAM); metadata claims as an object keyed by the attribute they describe (D-UD) or
    as a plain string; ``claim_citizenship`` as ``belge`` or ``BE``; photos in standard or
    URL-safe base64, padded or not. No signature, issuer or ``sub`` check happens here.

    :param raw: the merged claims of the validated ID token and userinfo response.
    :returns: the typed claims; a value that cannot be read is ``None`` and stays in ``raw``.
    """
    source = _Source(raw)
    birthdate_as_string = read_text(source.itsme("birthdate_as_string"))
    birthdate = read_date(source.standard("birthdate"))
    if birthdate is None and birthdate_as_string is not None:
        birthdate = read_printed_date(birthdate_as_string)
    return IdentityClaims(
        sub=read_text(source.standard("sub")),
        name=read_text(source.standard("name")),
        given_name=read_text(source.standard("given_name")),
        family_name=read_text(source.standard("family_name")),
        birthdate=birthdate,
        birthdate_as_string=birthdate_as_string,
        gender=read_text(source.standard("gender")),
        official_gender=read_text(source.itsme("official_gender")),
        locale=read_text(source.standard("locale")),
        picture=read_text(source.standard("picture")),
        email=read_text(source.standard("email")),
        email_verified=read_boolean(source.standard("email_verified")),
        phone_number=read_text(source.standard("phone_number")),
        phone_number_verified=read_boolean(source.standard("phone_number_verified")),
        address=_read_address(source.standard("address")),
        place_of_birth=_read_place_of_birth(source.itsme("place_of_birth")),
        nationality=_read_nationality(
            source.itsme("claim_citizenship"), source.itsme("claim_citizenship_as_iso")
        ),
        eid=_read_eid(source),
        id_document=_read_id_document(source),
        device=_read_members(source.itsme("claim_device"), Device, _DEVICE_MEMBERS),
        photo=_read_photo(source.itsme("physical_person_photo")),
        fraud_signals=_read_fraud_signals(source),
        national_numbers=_read_national_numbers(raw),
        age_over=_read_age_over(raw),
        raw=MappingProxyType(dict(raw)),
    )
