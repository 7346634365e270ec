"""Which itsme claims to ask for, and a forgiving reader for the ones that come back.

Request side
    :func:`resolve_claim_names` turns the vendor SDK's friendly names (``eid``, ``nationality``,
    ...), full claim URIs and standard OpenID Connect claims into the v2 claim URIs itsme knows;
    :func:`build_claims_request` builds the OIDC ``claims`` request parameter (D-AREQ ``claims``).

Response side
    :func:`parse_identity_claims` reads the merged ID token / userinfo claims into a frozen, typed
    :class:`IdentityClaims`. The sources disagree on many formats (protocol notes §11 #15), so the
    reader accepts every documented variant, never raises on provider data, and turns a value it
    cannot read into ``None`` while :attr:`IdentityClaims.raw` keeps what was sent. itsme omits
    absent data instead of sending ``null`` (D-IG2020), so every field is optional.

Claim names and formats come from the itsme v2 documentation: D-AREQ (scopes and claims tables),
D-CLAIMS (availability), D-UD (metadata claims), D-IAM (platform guide variants), D-AUTH
(examples); the keys are listed in section 0 of the protocol notes.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

from django_itsme.core.errors import ConfigurationError
from django_itsme.core.provider_json import MAX_JSON_DEPTH, text_depth

__all__ = [
    "CLAIMS_MEMBERS",
    "CLAIM_ACCOUNT",
    "CLAIM_APP",
    "CLAIM_BE_EID_SN",
    "CLAIM_BE_NATIONAL_NUMBER",
    "CLAIM_BIRTHDATE_AS_STRING",
    "CLAIM_CITIZENSHIP",
    "CLAIM_CITIZENSHIP_AS_ISO",
    "CLAIM_DEVICE",
    "CLAIM_IDENTIFICATION_MODE",
    "CLAIM_ID_DOCUMENT_SN",
    "CLAIM_ID_DOCUMENT_TYPE",
    "CLAIM_ID_ISSUING_COUNTRY",
    "CLAIM_ISSUANCE_LOCALITY",
    "CLAIM_OFFICIAL_GENDER",
    "CLAIM_ONGOING_CALL",
    "CLAIM_PHOTO",
    "CLAIM_PLACE_OF_BIRTH",
    "CLAIM_PREFIX",
    "CLAIM_TRANSACTION_IP",
    "CLAIM_VALIDITY_FROM",
    "CLAIM_VALIDITY_TO",
    "CLAIM_VERIFICATION_DATE",
    "DEFAULT_CLAIMS_MEMBER",
    "FRIENDLY_CLAIMS",
    "KNOWN_ITSME_CLAIMS",
    "REQUIRED_SCOPE",
    "SCOPE_CLAIMS",
    "SERVICE_SCOPE_PREFIX",
    "STANDARD_CLAIMS",
    "SUPPORTED_SCOPES",
    "V1_CLAIM_PREFIXES",
    "Account",
    "Address",
    "AppInstallation",
    "ClaimsMember",
    "Device",
    "EidCard",
    "FraudSignals",
    "IdDocument",
    "IdentityClaims",
    "NationalNumber",
    "Nationality",
    "Photo",
    "PlaceOfBirth",
    "build_claims_request",
    "claim_name_problem",
    "is_valid_belgian_national_number",
    "normalize_belgian_national_number",
    "parse_identity_claims",
    "resolve_claim_names",
    "scope_problem",
]

# ----------------------------------------------------------------------------- claim URIs
#: Every itsme-specific v2 claim starts with this (D-AREQ; protocol notes §4.4).
CLAIM_PREFIX: Final = "http://itsme.services/v2/claim/"

#: Prefixes of itsme v1 claim names (S-LOGIN, S-CONF) and of the 2018 typos (S-HIST). v2 clients
#: must not send them (protocol notes §4.5), so they are refused with a pointer to the v2 name.
V1_CLAIM_PREFIXES: Final = ("tag:sixdots.be,", "tag:itsme")

CLAIM_BIRTHDATE_AS_STRING: Final = CLAIM_PREFIX + "birthdate_as_string"  # D-AREQ
CLAIM_OFFICIAL_GENDER: Final = CLAIM_PREFIX + "official_gender"  # D-AREQ
CLAIM_PHOTO: Final = CLAIM_PREFIX + "physical_person_photo"  # D-AREQ
CLAIM_CITIZENSHIP: Final = CLAIM_PREFIX + "claim_citizenship"  # D-AREQ, D-CLAIMS
CLAIM_CITIZENSHIP_AS_ISO: Final = CLAIM_PREFIX + "claim_citizenship_as_iso"  # D-AREQ, D-CLAIMS
CLAIM_PLACE_OF_BIRTH: Final = CLAIM_PREFIX + "place_of_birth"  # D-AREQ
CLAIM_BE_EID_SN: Final = CLAIM_PREFIX + "BEeidSn"  # D-AREQ
CLAIM_BE_NATIONAL_NUMBER: Final = CLAIM_PREFIX + "BENationalNumber"  # D-AREQ
CLAIM_ID_DOCUMENT_SN: Final = CLAIM_PREFIX + "IDDocumentSN"  # D-AREQ
CLAIM_ID_DOCUMENT_TYPE: Final = CLAIM_PREFIX + "IDDocumentType"  # D-AREQ
CLAIM_ID_ISSUING_COUNTRY: Final = CLAIM_PREFIX + "IDIssuingCountry"  # D-AREQ (metadata)
CLAIM_ISSUANCE_LOCALITY: Final = CLAIM_PREFIX + "issuance_locality"  # D-AREQ (metadata)
CLAIM_VALIDITY_FROM: Final = CLAIM_PREFIX + "validityFrom"  # D-AREQ (metadata, BE only)
CLAIM_VALIDITY_TO: Final = CLAIM_PREFIX + "validityTo"  # D-AREQ, D-UD (metadata)
CLAIM_VERIFICATION_DATE: Final = CLAIM_PREFIX + "verificationDate"  # D-AREQ (metadata)
CLAIM_DEVICE: Final = CLAIM_PREFIX + "claim_device"  # D-AREQ
# Fraud signals (D-AREQ; protocol notes §4.4).
CLAIM_APP: Final = CLAIM_PREFIX + "app"
CLAIM_ACCOUNT: Final = CLAIM_PREFIX + "account"
CLAIM_IDENTIFICATION_MODE: Final = CLAIM_PREFIX + "identification_mode"
CLAIM_TRANSACTION_IP: Final = CLAIM_PREFIX + "transaction_ip"
CLAIM_ONGOING_CALL: Final = CLAIM_PREFIX + "ongoing_call"

#: The itsme claims documented for v2 (D-AREQ and D-CLAIMS; protocol notes §4.4). Used for "did
#: you mean" hints only: any other ``http://itsme.services/v2/claim/...`` name is still accepted,
#: because itsme adds claims over time (``age_gte_*`` arrived in 2025-09).
KNOWN_ITSME_CLAIMS: Final = frozenset(
    CLAIM_PREFIX + suffix
    for suffix in (
        "birthdate_as_string",
        "official_gender",
        "physical_person_photo",
        "claim_citizenship",
        "claim_citizenship_as_iso",
        "place_of_birth",
        "BEeidSn",
        "BENationalNumber",
        "RONationalNumber",
        "BGNationalNumber",
        "CZNationalNumber",
        "SKNationalNumber",
        "HRNationalNumber",
        "LTNationalNumber",
        "LVNationalNumber",
        "MTNationalNumber",
        "RSNationalNumber",
        "MDNationalNumber",
        "SINationalNumber",  # D-CLAIMS spelling
        "SVNationalNumber",  # D-AREQ spelling (protocol notes §11 #15)
        "IDDocumentSN",
        "IDDocumentType",
        "IDIssuingCountry",
        "issuance_locality",
        "validityFrom",
        "validityTo",
        "verificationDate",
        "claim_device",
        "app",
        "account",
        "identification_mode",
        "transaction_ip",
        "ongoing_call",
        "student_attestation_ag",
    )
)

#: OpenID Connect Core 1.0 §5.1 standard claims, plus itsme's data-minimised age checks
#: ``age_gte_16/18/21/30`` (D-AREQ, added 2025-09), which are requested by their bare names.
STANDARD_CLAIMS: Final = frozenset(
    {
        "sub",
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
        "email_verified",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "phone_number",
        "phone_number_verified",
        "address",
        "updated_at",
        "age_gte_16",
        "age_gte_18",
        "age_gte_21",
        "age_gte_30",
    }
)

#: The vendor SDK's friendly names and the v2 claim URIs each one stands for (protocol notes
#: §4.4 and the v1 -> v2 mapping of §4.5). ``eid`` also asks for the card's metadata claims
#: (D-AREQ, D-UD), which itsme returns keyed by ``BEeidSn``. Extra names beyond the SDK's:
#:
#: ``place_of_birth``       alias of ``city_of_birth`` under its v2 name;
#: ``birthdate_as_string``  the birth date exactly as printed on the document (D-AREQ);
#: ``official_gender``      the gender exactly as printed on the document (D-AREQ);
#: ``id_document``          the document of any country: number, ICAO type, issuing country and
#:                          expiry date (the ``idDocument`` scope's claims, D-AREQ, minus the
#:                          BE-only ``validityFrom``);
#: ``verification_date``    when the document was last read (metadata, D-AREQ); it fills
#:                          :attr:`EidCard.verified_at`;
#: ``fraud_signals``        the device, app, account, identification mode, approving IP and
#:                          ongoing-call signals (D-AREQ), read into :class:`FraudSignals`.
FRIENDLY_CLAIMS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "eid": (
            CLAIM_BE_NATIONAL_NUMBER,
            CLAIM_BE_EID_SN,
            CLAIM_ISSUANCE_LOCALITY,
            CLAIM_VALIDITY_FROM,
            CLAIM_VALIDITY_TO,
        ),
        "city_of_birth": (CLAIM_PLACE_OF_BIRTH,),
        "place_of_birth": (CLAIM_PLACE_OF_BIRTH,),
        "nationality": (CLAIM_CITIZENSHIP, CLAIM_CITIZENSHIP_AS_ISO),
        "device": (CLAIM_DEVICE,),
        "photo": (CLAIM_PHOTO,),
        "birthdate_as_string": (CLAIM_BIRTHDATE_AS_STRING,),
        "official_gender": (CLAIM_OFFICIAL_GENDER,),
        "id_document": (
            CLAIM_ID_DOCUMENT_SN,
            CLAIM_ID_DOCUMENT_TYPE,
            CLAIM_ID_ISSUING_COUNTRY,
            CLAIM_VALIDITY_TO,
        ),
        "verification_date": (CLAIM_VERIFICATION_DATE,),
        "fraud_signals": (
            CLAIM_DEVICE,
            CLAIM_APP,
            CLAIM_ACCOUNT,
            CLAIM_IDENTIFICATION_MODE,
            CLAIM_TRANSACTION_IP,
            CLAIM_ONGOING_CALL,
        ),
    }
)

#: v1 claim names (after the ``tag:sixdots.be,YYYY-MM:`` part) -> the friendly name to use
#: instead (protocol notes §4.5), for the refusal message.
_V1_REPLACEMENTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "claim_nationality": "nationality",
        "claim_city_of_birth": "city_of_birth",
        "claim_country_of_birth": "city_of_birth",
        "claim_eid": "eid",
        "claim_device": "device",
        "claim_photo": "photo",
        "claim_birthdate_as_string": "birthdate_as_string",
    }
)

# ----------------------------------------------------------------------------- scopes
#: Always sent; carries ``sub`` only (D-AREQ).
REQUIRED_SCOPE: Final = "openid"
#: ``service:<SERVICE_CODE>`` selects the registered service (D-AREQ).
SERVICE_SCOPE_PREFIX: Final = "service:"

#: The optional data scopes and the claims each returns (D-AREQ §4.1 table). ``idDocument`` is in
#: the table too and is supported; ``eid`` here is the *scope* (two claims), unlike the friendly
#: claim name ``eid`` which adds the card's metadata.
SCOPE_CLAIMS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "profile": (
            "family_name",
            "given_name",
            "name",
            "gender",
            "locale",
            "picture",
            "birthdate",
        ),
        "email": ("email", "email_verified"),
        "address": ("address",),
        "phone": ("phone_number", "phone_number_verified"),
        "eid": (CLAIM_BE_NATIONAL_NUMBER, CLAIM_BE_EID_SN),
        "idDocument": (
            CLAIM_ID_DOCUMENT_SN,
            CLAIM_ID_DOCUMENT_TYPE,
            CLAIM_ID_ISSUING_COUNTRY,
            CLAIM_VALIDITY_FROM,
            CLAIM_VALIDITY_TO,
        ),
    }
)

#: The scopes a site may list: ``openid`` (always sent anyway) and the data scopes of
#: :data:`SCOPE_CLAIMS`. ``service:<CODE>`` is a pattern, accepted by :func:`scope_problem`.
SUPPORTED_SCOPES: Final = frozenset({REQUIRED_SCOPE, *SCOPE_CLAIMS})

#: The members of the ``claims`` request parameter (D-AREQ ``claims``; OIDC Core §5.5).
ClaimsMember: TypeAlias = Literal["userinfo", "id_token"]
CLAIMS_MEMBERS: Final = frozenset({"userinfo", "id_token"})
#: Where a service asks for its claims unless told otherwise: D-AREQ ``claims`` says itsme
#: recommends the ID token, which saves the userinfo call and its decryption (protocol notes §4.2).
DEFAULT_CLAIMS_MEMBER: Final[ClaimsMember] = "id_token"

# An absolute URI per RFC 3986 §4.3: a scheme, a colon, and no white space.
_ABSOLUTE_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


# ----------------------------------------------------------------------------- request side
def _as_names(values: Iterable[str], *, split: bool) -> list[str]:
    """Accept one string where an iterable of strings is expected, instead of iterating letters."""
    if isinstance(values, str):
        return values.split() if split else [values]
    return list(values)


def _did_you_mean(name: str) -> str:
    """A " (did you mean ...?)" suffix naming the closest known claim names, or ""."""
    candidates: dict[str, str] = {}
    for friendly in FRIENDLY_CLAIMS:
        candidates[friendly.lower()] = friendly
    for standard in sorted(STANDARD_CLAIMS):
        candidates.setdefault(standard.lower(), standard)
    for uri in sorted(KNOWN_ITSME_CLAIMS):
        candidates.setdefault(uri.removeprefix(CLAIM_PREFIX).lower(), uri)
    matches = difflib.get_close_matches(name.lower(), list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(repr(candidates[m]) for m in matches) + "?)"


def claim_name_problem(name: str) -> str | None:
    """Tell what is wrong with one entry of a site's claim list, without raising.

    Accepted: a friendly name of :data:`FRIENDLY_CLAIMS`, a standard claim of
    :data:`STANDARD_CLAIMS`, any ``http://itsme.services/v2/claim/...`` URI (D-AREQ) or any other
    absolute URI. Refused: itsme v1 ``tag:sixdots.be,...`` names (v2 requires the new names,
    protocol notes §4.5) and anything else, with a "did you mean" hint.

    :param name: one claim name as written in the settings.
    :returns: one sentence describing the problem, or ``None`` when the name is usable.
    """
    if not isinstance(name, str) or not name.strip():
        return "A claim name must be a non-empty string."
    if name != name.strip():
        return f"The claim name {name!r} has white space around it."
    if name.startswith(V1_CLAIM_PREFIXES):
        replacement = _V1_REPLACEMENTS.get(name.rpartition(":")[2])
        hint = f"; use {replacement!r} instead" if replacement else ""
        return (
            f"{name!r} is an itsme v1 claim name; itsme v2 requires claim names starting with "
            f"{CLAIM_PREFIX!r} (protocol notes §4.5){hint}."
        )
    if name in FRIENDLY_CLAIMS or name in STANDARD_CLAIMS:
        return None
    if name.startswith(CLAIM_PREFIX):
        if name == CLAIM_PREFIX:
            return f"The claim name {name!r} is only the prefix; add the claim after it."
        return None
    if _ABSOLUTE_URI.fullmatch(name):
        return None
    return (
        f"Unknown claim name {name!r}{_did_you_mean(name)}. Use a friendly name "
        f"({', '.join(sorted(FRIENDLY_CLAIMS))}), a standard OpenID Connect claim or a full "
        f"claim URI such as {CLAIM_BE_EID_SN!r} (D-AREQ)."
    )


def resolve_claim_names(names: Iterable[str]) -> tuple[str, ...]:
    """Turn a site's claim list into the claim names to request from itsme.

    A friendly name becomes its v2 claim URIs (:data:`FRIENDLY_CLAIMS`); a claim URI or a standard
    claim passes through unchanged. Duplicates are dropped, first occurrence kept.

    :param names: friendly names, claim URIs and standard claims; a single string counts as one
        name.
    :returns: the claim names, in order, without duplicates.
    :raises ConfigurationError: a name is unknown or an itsme v1 name (see
        :func:`claim_name_problem`).
    """
    resolved: list[str] = []
    for name in _as_names(names, split=False):
        problem = claim_name_problem(name)
        if problem is not None:
            raise ConfigurationError(problem)
        resolved.extend(FRIENDLY_CLAIMS.get(name, (name,)))
    return tuple(dict.fromkeys(resolved))


def scope_problem(scope: str) -> str | None:
    """Tell what is wrong with one scope, without raising.

    Accepted: ``openid``, ``service:<SERVICE_CODE>`` and the data scopes of
    :data:`SUPPORTED_SCOPES` (D-AREQ §4.1 table). Scope values are case-sensitive (RFC 6749 §3.3).

    :param scope: one scope value.
    :returns: one sentence describing the problem, or ``None`` when the scope is usable.
    """
    if not isinstance(scope, str) or len(scope.split()) != 1 or scope != scope.strip():
        return f"A scope must be one non-empty word without spaces, not {scope!r}."
    if scope in SUPPORTED_SCOPES:
        return None
    if scope.startswith(SERVICE_SCOPE_PREFIX):
        if scope == SERVICE_SCOPE_PREFIX:
            return "The scope 'service:' lacks the service code (D-AREQ: service:<SERVICE_CODE>)."
        return None
    choices = {s.lower(): s for s in sorted(SCOPE_CLAIMS)}
    matches = difflib.get_close_matches(scope.lower(), list(choices), n=2, cutoff=0.6)
    hint = (
        (" (did you mean " + " or ".join(repr(choices[m]) for m in matches) + "?)")
        if matches
        else ""
    )
    return (
        f"Unknown scope {scope!r}{hint}; itsme knows "
        f"{', '.join(sorted(SCOPE_CLAIMS))} besides openid and service:<CODE> (D-AREQ)."
    )


def build_claims_request(
    *,
    scopes: Iterable[str],
    claims: Iterable[str],
    member: ClaimsMember = "userinfo",
) -> dict[str, dict[str, None]]:
    """Build the OIDC ``claims`` request parameter (D-AREQ ``claims``; OIDC Core §5.5).

    Every claim of each requested data scope is listed explicitly, because v2 does not say where
    scope claims come back (protocol notes §4.2 and §11 #21), followed by the resolved ``claims``.
    Each maps to ``None`` ("requested, voluntary"). ``openid`` and ``service:<CODE>`` carry no
    data claims and are skipped.

    :param scopes: the scopes of the request; a single string is split on white space.
    :param claims: friendly names, claim URIs and standard claims (see :func:`resolve_claim_names`).
    :param member: ``"userinfo"`` (claims come from the userinfo endpoint) or ``"id_token"``
        (claims come in the ID token, which itsme recommends to skip the userinfo call).
    :returns: ``{member: {claim: None, ...}}``, or ``{}`` when nothing is to be requested.
    :raises ConfigurationError: an unknown scope, claim name or member.
    """
    if member not in CLAIMS_MEMBERS:
        raise ConfigurationError(
            f"The claims member must be 'userinfo' or 'id_token', not {member!r} (D-AREQ)."
        )
    names: list[str] = []
    for scope in _as_names(scopes, split=True):
        problem = scope_problem(scope)
        if problem is not None:
            raise ConfigurationError(problem)
        names.extend(SCOPE_CLAIMS.get(scope, ()))
    names.extend(resolve_claim_names(claims))
    if not names:
        return {}
    return {member: dict.fromkeys(names, None)}


# ----------------------------------------------------------------------------- national number
_NATIONAL_NUMBER_LENGTH: Final = 11  # YYMMDD xxx cd (D-AREQ)
#: Separators of the printed form ``YY.MM.DD-xxx.cd`` (v1, protocol notes §11 #15).
_NATIONAL_NUMBER_SEPARATORS: Final = re.compile(r"[\s./-]")
_ELEVEN_DIGITS: Final = re.compile(r"[0-9]{11}")


def normalize_belgian_national_number(value: object) -> str | None:
    """Reduce a Belgian national register number to its 11 digits.

    Accepts ``YYMMDDxxxcd`` (v2, D-AREQ) and the printed ``YY.MM.DD-xxx.cd`` (v1; protocol notes
    §11 #15), and a JSON integer (zero-padded back to 11 digits). The check digits are *not*
    verified here; see :func:`is_valid_belgian_national_number`.

    :param value: the value as sent by itsme.
    :returns: 11 digits, or ``None`` when the value has another shape.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not 0 <= value < 10**_NATIONAL_NUMBER_LENGTH:
            return None
        value = f"{value:0{_NATIONAL_NUMBER_LENGTH}d}"
    if not isinstance(value, str):
        return None
    digits = _NATIONAL_NUMBER_SEPARATORS.sub("", value)
    return digits if _ELEVEN_DIGITS.fullmatch(digits) else None


def is_valid_belgian_national_number(value: str) -> bool:
    """Check the mod-97 check digits of a Belgian national register number.

    The last two digits equal ``97 - (first nine digits % 97)``; for people born in 2000 or later
    the nine digits are prefixed with ``2`` before the division. The century is not part of the
    number, so either form is accepted. Separators of the printed form are ignored.

    :param value: the number, as 11 digits or ``YY.MM.DD-xxx.cd``.
    :returns: ``True`` when the number has 11 digits and a matching check.
    """
    digits = normalize_belgian_national_number(value)
    if digits is None:
        return False
    body, check = digits[:9], int(digits[9:])
    return check in (97 - int(body) % 97, 97 - int("2" + body) % 97)


# ----------------------------------------------------------------------------- typed result
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


@dataclass(frozen=True, slots=True)
class NationalNumber:
    """A national identification number with the country that issued it (D-AREQ, D-CLAIMS:
    ``BENationalNumber``, ``RONationalNumber``, ...; protocol notes §4.4).

    :ivar country: ISO 3166-1 alpha-2 code from the claim name (``BE``, ``RO``, ...). D-AREQ's
        ``SVNationalNumber`` and D-CLAIMS' ``SINationalNumber`` are both Slovenia's (§11 #15):
        ``SI``.
    :ivar number: for ``BE`` the 11 digits (separators of ``YY.MM.DD-xxx.cd`` removed); for
        other countries the value exactly as sent (trimmed): their formats are not documented.
    """

    country: str
    number: str

    @property
    def is_valid(self) -> bool | None:
        """The mod-97 check for a Belgian number; None (not checked) for other countries."""
        if self.country != "BE":
            return None
        return is_valid_belgian_national_number(self.number)


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


# ----------------------------------------------------------------------------- value readers
def _text(value: object) -> str | None:
    """A non-empty string with surrounding white space removed; JSON integers become digits."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


_TRUE_WORDS: Final = frozenset({"true", "1"})
_FALSE_WORDS: Final = frozenset({"false", "0"})


def _boolean(value: object) -> bool | None:
    """A JSON boolean, or ``"true"``/``"false"`` sent as a string (protocol notes §11 #15)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {0: False, 1: True}.get(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _object(value: object) -> Mapping[str, Any] | None:
    """A JSON object, given as such or (seen from some platforms) as JSON text."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        if text_depth(value) > MAX_JSON_DEPTH:
            return None  # never let json.loads recurse that deep (provider_json)
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return None
        return decoded if isinstance(decoded, dict) else None
    return None


def _member(obj: Mapping[str, Any], *names: str) -> Any:
    """The first non-null member among ``names``, matched exactly first, then ignoring case."""
    for name in names:
        if obj.get(name) is not None:
            return obj[name]
    lowered = {key.lower(): val for key, val in obj.items() if isinstance(key, str)}
    for name in names:
        if lowered.get(name.lower()) is not None:
            return lowered[name.lower()]
    return None


def _metadata(value: object, preferred: Sequence[str]) -> Any:
    """Read a metadata claim (D-UD): an object keyed by the attribute it describes.

    The entry for the first of ``preferred`` that is present wins (keys may be bare names or full
    claim URIs), else the first non-null entry. A plain value (string) is returned as it is.
    """
    obj = _object(value)
    if obj is None:
        return value
    for attribute in preferred:
        found = _member(obj, attribute, CLAIM_PREFIX + attribute)
        if found is not None:
            return found
    return next((entry for entry in obj.values() if entry is not None), None)


# ISO 8601 / RFC 3339 date, optionally with a time; fractional seconds of any length (the docs
# show ``.nnnZ``, the examples none: protocol notes §11 #15) and an optional offset.
_ISO_MOMENT: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)
# The printed form of Belgian documents, e.g. ``01.11.1978`` (D-AREQ birthdate_as_string).
_DAY_FIRST_DATE: Final = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def _offset(text: str | None) -> timezone:
    """A UTC offset from ``Z``, ``+hh``, ``+hhmm`` or ``+hh:mm``; none means UTC (itsme sends Z)."""
    if text is None or text in {"Z", "z"}:
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _moment(value: object) -> datetime | None:
    """A date or date-time in its own offset (UTC when none was given), or ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    iso = _ISO_MOMENT.fullmatch(text)
    try:
        if iso is not None:
            year, month, day, hour, minute, second, fraction, offset = iso.groups()
            micro = int((fraction or "0")[:6].ljust(6, "0"))
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                micro,
                tzinfo=_offset(offset),
            )
        printed = _DAY_FIRST_DATE.fullmatch(text)
        if printed is not None:
            day, month, year = printed.groups()
            return datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:  # 30 February, hour 25, offset of a day or more, ...
        return None
    return None


def _date(value: object) -> date | None:
    """The calendar date as written (``YYYY-MM-DD[Thh:mm:ss[.fff]Z]`` or ``DD.MM.YYYY``)."""
    moment = _moment(value)
    return None if moment is None else moment.date()


def _datetime(value: object) -> datetime | None:
    """An aware date-time in UTC (a bare date means midnight UTC)."""
    moment = _moment(value)
    return None if moment is None else moment.astimezone(UTC)


def _compact_document_number(value: str | None) -> str | None:
    """Letters and digits only, upper-cased: ``591-1234567-89`` -> ``591123456789``."""
    if value is None:
        return None
    compact = "".join(ch for ch in value if ch.isascii() and ch.isalnum()).upper()
    return compact or None


# ----------------------------------------------------------------------------- claim readers
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
_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"

# Which document a metadata object entry is about, in order of preference (D-UD example keys).
_EID_KEYS: Final = ("BEeidSn", "BENationalNumber", "IDDocumentSN")
_ID_DOCUMENT_KEYS: Final = ("IDDocumentSN", "BEeidSn")
_AGE_CLAIM: Final = re.compile(r"age_gte_([0-9]{1,3})")


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


def _read_address(value: object) -> Address | None:
    obj = _object(value)
    if obj is None:
        text = _text(value)
        return None if text is None else Address(formatted=text)
    address = Address(
        formatted=_text(_member(obj, "formatted")),
        street_address=_text(_member(obj, "street_address")),
        postal_code=_text(_member(obj, "postal_code")),
        locality=_text(_member(obj, "locality")),
        country=_text(_member(obj, "country")),
    )
    return None if address == Address() else address


def _read_place_of_birth(value: object) -> PlaceOfBirth | None:
    obj = _object(value)
    if obj is None:
        text = _text(value)  # D-IAM: a plain string
        return None if text is None else PlaceOfBirth(formatted=text)
    place = PlaceOfBirth(
        formatted=_text(_member(obj, "formatted")),
        city=_text(_member(obj, "city")),
        country=_text(_member(obj, "country")),
    )
    return None if place == PlaceOfBirth() else place


def _read_nationality(as_on_document: object, as_iso: object) -> Nationality | None:
    printed = _text(as_on_document)
    iso_text = _text(as_iso)
    iso = iso_text.upper() if iso_text and _ALPHA_3.fullmatch(iso_text) else None
    if iso is None and printed is not None:
        if printed.lower() in _BELGIAN_NATIONALITY_WORDS:
            iso = "BEL"
        elif _ALPHA_3.fullmatch(printed):
            iso = printed.upper()  # D-CLAIMS: alpha-3 for non-Belgian documents
    if printed is None and iso is None:
        return None
    return Nationality(as_on_document=printed, iso=iso)


def _decode_base64(text: str) -> bytes | None:
    """Decode standard or URL-safe base64, padded or not (RFC 4648 §4 and §5)."""
    compact = "".join(text.split()).translate(str.maketrans("-_", "+/")).rstrip("=")
    if not compact or len(compact) % 4 == 1:
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


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
    obj = _object(value)
    declared: str | None = None
    if obj is not None:  # D-AREQ: {"format": MIME, "value": base64}
        encoded = _member(obj, "value", "data")
        declared = _text(_member(obj, "format", "content_type"))
    else:  # D-IAM: a plain base64 string (or a data: URI)
        encoded = value
    if not isinstance(encoded, str):
        return None
    encoded = encoded.strip()
    data_uri = _DATA_URI.fullmatch(encoded)
    if data_uri is not None:
        declared = declared or _text(data_uri.group(1))
        encoded = data_uri.group(2)
    data = _decode_base64(encoded)
    if not data:
        return None
    return Photo(content_type=_photo_type(declared, data), data=data)


def _read_device(value: object) -> Device | None:
    obj = _object(value)
    if obj is None:
        return None
    device = Device(
        os=_text(_member(obj, "os")),
        os_release=_text(_member(obj, "osRelease", "os_release")),
        app_name=_text(_member(obj, "appName", "app_name")),
        app_release=_text(_member(obj, "appRelease", "app_release")),
        label=_text(_member(obj, "deviceLabel", "device_label")),
        device_id=_text(_member(obj, "deviceID", "device_id")),
        manufacturer=_text(_member(obj, "manufacturer")),
        model=_text(_member(obj, "deviceModel", "device_model")),
        lock_level=_text(_member(obj, "deviceLockLevel", "device_lock_level")),
        debug_enabled=_boolean(_member(obj, "debugEnabled", "debug_enabled")),
        rooted=_boolean(_member(obj, "rooted")),
        msisdn=_text(_member(obj, "msisdn")),
    )
    return None if device == Device() else device


def _read_app(value: object) -> AppInstallation | None:
    obj = _object(value)
    if obj is None:
        return None
    app = AppInstallation(
        installed_at=_datetime(_member(obj, "appInstalledDate", "app_installed_date")),
        name=_text(_member(obj, "appName", "app_name")),
        release=_text(_member(obj, "appRelease", "app_release")),
    )
    return None if app == AppInstallation() else app


def _read_account(value: object) -> Account | None:
    obj = _object(value)
    if obj is None:
        return None
    account = Account(
        activated_at=_datetime(_member(obj, "activationDate", "activation_date")),
        activation_mechanism=_text(_member(obj, "activationMechanism", "activation_mechanism")),
    )
    return None if account == Account() else account


def _ip_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _read_fraud_signals(source: _Source) -> FraudSignals | None:
    signals = FraudSignals(
        identification_mode=_text(source.itsme("identification_mode")),
        transaction_ip=_ip_address(source.itsme("transaction_ip")),
        ongoing_call=_boolean(source.itsme("ongoing_call")),
        app=_read_app(source.itsme("app")),
        account=_read_account(source.itsme("account")),
    )
    return None if signals == FraudSignals() else signals


#: ``<CC>NationalNumber`` claim suffixes (D-AREQ, D-CLAIMS).
_NATIONAL_NUMBER_CLAIM: Final = re.compile(r"([A-Z]{2})NationalNumber")
#: D-AREQ spells Slovenia's claim ``SVNationalNumber``, D-CLAIMS ``SINationalNumber`` (protocol
#: notes §11 #15); ``SV`` would be El Salvador, which itsme does not serve.
_COUNTRY_OF_CLAIM: Final[Mapping[str, str]] = MappingProxyType({"SV": "SI"})


def _read_national_numbers(raw: Mapping[str, Any]) -> tuple[NationalNumber, ...]:
    found: dict[str, NationalNumber] = {}
    for key, value in raw.items():
        text = str(key)
        suffix = text[len(CLAIM_PREFIX) :] if text.lower().startswith(CLAIM_PREFIX) else text
        match = _NATIONAL_NUMBER_CLAIM.fullmatch(suffix)
        if match is None:
            continue
        country = _COUNTRY_OF_CLAIM.get(match.group(1), match.group(1))
        number = normalize_belgian_national_number(value) if country == "BE" else _text(value)
        if number is not None and country not in found:
            found[country] = NationalNumber(country=country, number=number)
    ordered = sorted(found.values(), key=lambda n: (n.country != "BE", n.country))
    return tuple(ordered)


def _read_eid(source: _Source) -> EidCard | None:
    national_number = normalize_belgian_national_number(source.itsme("BENationalNumber"))
    card_number = _text(source.itsme("BEeidSn"))
    if national_number is None and card_number is None:
        return None
    return EidCard(
        national_number=national_number,
        card_number=card_number,
        issuance_locality=_text(_metadata(source.itsme("issuance_locality"), _EID_KEYS)),
        valid_from=_date(_metadata(source.itsme("validityFrom"), _EID_KEYS)),
        valid_to=_date(_metadata(source.itsme("validityTo"), _EID_KEYS)),
        verified_at=_datetime(_metadata(source.itsme("verificationDate"), _EID_KEYS)),
    )


def _read_id_document(source: _Source) -> IdDocument | None:
    number = _text(source.itsme("IDDocumentSN"))
    document_type = _text(source.itsme("IDDocumentType"))
    country = _text(_metadata(source.itsme("IDIssuingCountry"), _ID_DOCUMENT_KEYS))
    if number is None and document_type is None and country is None:
        return None
    return IdDocument(
        number=number,
        type=document_type,
        issuing_country=country,
        valid_to=_date(_metadata(source.itsme("validityTo"), _ID_DOCUMENT_KEYS)),
    )


def _read_age_over(raw: Mapping[str, Any]) -> Mapping[int, bool]:
    ages: dict[int, bool] = {}
    for key, value in raw.items():
        match = _AGE_CLAIM.fullmatch(str(key).removeprefix(CLAIM_PREFIX))
        answer = _boolean(value)
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
    birthdate_as_string = _text(source.itsme("birthdate_as_string"))
    birthdate = _date(source.standard("birthdate"))
    if birthdate is None and birthdate_as_string is not None:
        printed = _DAY_FIRST_DATE.fullmatch(birthdate_as_string)
        birthdate = _date(birthdate_as_string) if printed else None
    return IdentityClaims(
        sub=_text(source.standard("sub")),
        name=_text(source.standard("name")),
        given_name=_text(source.standard("given_name")),
        family_name=_text(source.standard("family_name")),
        birthdate=birthdate,
        birthdate_as_string=birthdate_as_string,
        gender=_text(source.standard("gender")),
        official_gender=_text(source.itsme("official_gender")),
        locale=_text(source.standard("locale")),
        picture=_text(source.standard("picture")),
        email=_text(source.standard("email")),
        email_verified=_boolean(source.standard("email_verified")),
        phone_number=_text(source.standard("phone_number")),
        phone_number_verified=_boolean(source.standard("phone_number_verified")),
        address=_read_address(source.standard("address")),
        place_of_birth=_read_place_of_birth(source.itsme("place_of_birth")),
        nationality=_read_nationality(
            source.itsme("claim_citizenship"), source.itsme("claim_citizenship_as_iso")
        ),
        eid=_read_eid(source),
        id_document=_read_id_document(source),
        device=_read_device(source.itsme("claim_device")),
        photo=_read_photo(source.itsme("physical_person_photo")),
        fraud_signals=_read_fraud_signals(source),
        national_numbers=_read_national_numbers(raw),
        age_over=_read_age_over(raw),
        raw=MappingProxyType(dict(raw)),
    )
