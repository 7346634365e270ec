"""Test identities: fictitious itsme® users with the claim formats itsme documents.

Values follow the formats of D-AREQ, D-CLAIMS and the D-AUTH userinfo example. All people,
numbers and devices are invented; the national numbers and card numbers carry valid check
digits so that relying-party validators accept them.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .protocol import (
    AGE_CLAIMS,
    CLAIM_PREFIX,
    DOCUMENT_METADATA,
    ISSUING_COUNTRY,
    SUB_LENGTH,
    VERIFICATION_DATE,
)

#: A 28 x 40 px portrait placeholder: a real baseline JPEG (starts FF D8, ends FF D9).
#: itsme sends 200 x 140 px JPEG photos (D-AREQ ``physical_person_photo``); size is irrelevant here.
PHOTO_JPEG_BASE64 = (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVtVkVGZIhl"
    "bXd7gYKBTmCNl4x9lnN+gXz/2wBDARUXFx4aHjshITt8U0ZTfHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8"
    "fHx8fHx8fHx8fHx8fHz/wAARCAAoABwDASIAAhEBAxEB/8QAGQAAAgMBAAAAAAAAAAAAAAAAAAUDBAYC/8QAKBAAAgICAAMH"
    "BQAAAAAAAAAAAQIAAwQRBRIyISIxQVGxwRNCcYHw/8QAFgEBAQEAAAAAAAAAAAAAAAAAAQIA/8QAFREBAQAAAAAAAAAAAAAA"
    "AAAAAAH/2gAMAwEAAhEDEQA/ANNIrsqnHIFrhSe0DRMlmZtsa2xrH6mOzLkS0lbrYgdCGU+BE6ijg1jfVev7SvN+/wCMbzMI"
    "ty+GG242Uso5u1gxPjLObljFrB1t26R5RFZa9r81jFm9TGCnuFiDFrI3t26j5SzEOHmvjOASWq819PxHqMHRWU7VhsGFJJxV"
    "y2awOu6AB7/MpwhKSI74S5bD0dd1iB7/ADCEKY//2Q=="
)
PHOTO_JPEG: bytes = base64.b64decode(PHOTO_JPEG_BASE64)


def _c(suffix: str) -> str:
    """Return the full v2 claim name for an itsme-specific claim.

    :param suffix: the part after ``http://itsme.services/v2/claim/``.
    :returns: the claim URI (D-AREQ).
    """
    return CLAIM_PREFIX + suffix


def pairwise_sub(client_id: str, identity_key: str) -> str:
    """Derive the ``sub`` one client sees for one identity.

    ``sub`` is pairwise, i.e. different per partner (S-HIST; protocol notes §8.3), and 36
    characters long (D-IG2020).

    :param client_id: the partner code.
    :param identity_key: key of the identity in :data:`IDENTITIES`.
    :returns: 36 lowercase base32 characters.
    """
    digest = hashlib.sha256(f"{client_id}|{identity_key}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:SUB_LENGTH]


@dataclass(frozen=True, eq=False)
class Identity:
    """One test user of the simulated itsme® app.

    Instances compare by object identity; :attr:`key` is unique within :data:`IDENTITIES`.
    """

    #: Short key used in the approval form and for ``auto_approve``.
    key: str
    #: One line describing the person on the approval page.
    label: str
    #: Claim name (standard OIDC name or full v2 URI) -> value, as itsme would return it.
    claims: Mapping[str, Any]
    #: Claims read from the identity document; these get ``IDIssuingCountry`` and
    #: ``verificationDate`` metadata entries (D-AUTH userinfo example).
    document_claims: frozenset[str] = frozenset()
    #: ISO 3166-1 alpha-3 code of the country that issued the identity document.
    issuing_country: str | None = None
    #: When itsme last read the document (``verificationDate`` metadata, D-AREQ).
    verified_at: str | None = None
    #: Metadata claim (``issuance_locality``, ``validityFrom``, ``validityTo``) -> attribute
    #: name -> value (D-AREQ "metadata").
    document_metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def sub_for(self, client_id: str) -> str:
        """Return this identity's pairwise ``sub`` for one client.

        :param client_id: the partner code.
        :returns: the 36-character subject identifier.
        """
        return pairwise_sub(client_id, self.key)

    @property
    def display_name(self) -> str:
        """Return the person's full name for pages.

        :returns: the ``name`` claim, or the key when it is missing.
        """
        return str(self.claims.get("name", self.key))


def _age_on(birthdate: str, today: dt.date) -> int:
    """Compute an age in whole years.

    :param birthdate: ``YYYY-MM-DD``.
    :param today: the reference date.
    :returns: completed years.
    """
    born = dt.date.fromisoformat(birthdate)
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def release_claims(
    identity: Identity,
    names: Iterable[str],
    *,
    requested: Collection[str],
    today: dt.date,
) -> dict[str, Any]:
    """Build the user claims for one token or userinfo answer.

    Absent data is left out, never sent as ``null`` (D-IG2020; protocol notes §4.2).
    Metadata claims are objects keyed by the requested attributes they describe (D-AREQ
    "metadata", D-AUTH userinfo example).

    :param identity: the approving user.
    :param names: claim names to release in this document.
    :param requested: every claim name requested anywhere in the authorization request
        (scopes, ``claims.id_token`` and ``claims.userinfo``); metadata is limited to these.
    :param today: the simulator's current date (for ``age_gte_*``).
    :returns: claim name -> value.
    """
    released: dict[str, Any] = {}
    for name in names:
        value = _claim_value(identity, name, requested=requested, today=today)
        if value is not None:
            released[name] = value
    return released


def _claim_value(
    identity: Identity, name: str, *, requested: Collection[str], today: dt.date
) -> Any:
    """Return one claim's value, or ``None`` when the identity has no such data.

    :param identity: the approving user.
    :param name: the claim name.
    :param requested: all requested claim names (for metadata claims).
    :param today: the simulator's current date.
    :returns: a JSON-compatible value or ``None``.
    """
    if name in AGE_CLAIMS:
        birthdate = identity.claims.get("birthdate")
        if not isinstance(birthdate, str):
            return None
        return _age_on(birthdate, today) >= AGE_CLAIMS[name]
    if name in DOCUMENT_METADATA:
        entries = identity.document_metadata.get(name, {})
        found = {attr: value for attr, value in entries.items() if attr in requested}
        return found or None
    if name in (ISSUING_COUNTRY, VERIFICATION_DATE):
        fill = identity.issuing_country if name == ISSUING_COUNTRY else identity.verified_at
        if fill is None:
            return None
        found = {
            attr: fill
            for attr in requested
            if attr in identity.document_claims and attr in identity.claims
        }
        return found or None
    if name in identity.claims:
        return copy.deepcopy(identity.claims[name])
    return None


def find_by_sub(client_id: str, sub: str, numbered: int = 0) -> Identity | None:
    """Find the identity whose pairwise ``sub`` for ``client_id`` is ``sub``.

    :param client_id: the partner code.
    :param sub: the subject value sent in ``claims.userinfo.sub.value`` (D-AREQ).
    :param numbered: how many numbered identities (``user1`` ...) exist besides
        :data:`IDENTITIES`.
    :returns: the identity, or ``None``.
    """
    for identity in IDENTITIES.values():
        if identity.sub_for(client_id) == sub:
            return identity
    number = _numbered_subs(client_id, numbered).get(sub) if numbered else None
    return numbered_identity(number) if number is not None else None


_PHOTO = {"format": "image/jpeg", "value": PHOTO_JPEG_BASE64}
#: The itsme app's package name in the e2e environment (D-AREQ ``claim_device`` and ``app``).
_E2E_APP = "be.bmid.itsme.e2e"


def _address(street: str, postal_code: str, locality: str) -> dict[str, str]:
    """Make an OIDC ``address`` claim as itsme fills it (D-AREQ; OIDC Core §5.1.1).

    :param street: the street and number.
    :param postal_code: the postal code.
    :param locality: the town, in capitals as on the card.
    :returns: the claim, ``formatted`` being the three joined by spaces.
    """
    return {
        "formatted": f"{street} {postal_code} {locality}",
        "street_address": street,
        "postal_code": postal_code,
        "locality": locality,
    }


def _device(release: str, **phone: Any) -> dict[str, Any]:
    """Make a ``claim_device`` value (D-AREQ): the e2e itsme app on a phone that is neither
    rooted nor in debug mode.

    :param release: the app's version.
    :param phone: the phone's own fields (``os``, ``deviceLabel``, ``deviceModel`` ...).
    :returns: the claim value.
    """
    return {
        "appName": _E2E_APP,
        "appRelease": release,
        "debugEnabled": False,
        "rooted": False,
        **phone,
    }


def _app(release: str, installed: str) -> dict[str, str]:
    """Make an ``app`` fraud signal (D-AREQ): the e2e itsme app and when it was installed.

    :param release: the app's version.
    :param installed: the installation time (ISO 8601).
    :returns: the claim value.
    """
    return {"appInstalledDate": installed, "appName": _E2E_APP, "appRelease": release}


def _on_both_documents(value: str) -> dict[str, str]:
    """Give one document-metadata value (D-AUTH userinfo example) to the eID card number and
    the document number, which name the same Belgian card.

    :param value: the value.
    :returns: claim name -> value.
    """
    return {_c("BEeidSn"): value, _c("IDDocumentSN"): value}


_BE_DOCUMENT_CLAIMS = frozenset(
    {
        "family_name",
        "given_name",
        "name",
        "gender",
        "birthdate",
        "address",
        _c("birthdate_as_string"),
        _c("official_gender"),
        _c("place_of_birth"),
        _c("claim_citizenship"),
        _c("claim_citizenship_as_iso"),
        _c("BENationalNumber"),
        _c("BEeidSn"),
        _c("IDDocumentSN"),
        _c("physical_person_photo"),
    }
)

_ALICE = Identity(
    key="alice",
    label="Alice Peeters, Gent, Belgian eID card, all data",
    claims=MappingProxyType(
        {
            "name": "Alice Peeters",
            "given_name": "Alice",
            "family_name": "Peeters",
            "gender": "female",
            "locale": "NL",
            "birthdate": "1985-03-14",
            "email": "alice.peeters@example.be",
            "email_verified": False,
            "phone_number": "+32 470123456",
            "phone_number_verified": True,
            "address": _address("Veldstraat 12", "9000", "GENT"),
            _c("birthdate_as_string"): "14.03.1985",
            _c("official_gender"): "F",
            _c("place_of_birth"): {"formatted": "Gent", "city": "Gent", "country": "BEL"},
            _c("claim_citizenship"): "belge",
            _c("claim_citizenship_as_iso"): "BEL",
            _c("BENationalNumber"): "85031424673",
            _c("BEeidSn"): "591234567829",
            _c("IDDocumentSN"): "591234567829",
            _c("IDDocumentType"): "I",
            _c("physical_person_photo"): _PHOTO,
            _c("claim_device"): _device(
                "4.12.0",
                os="ANDROID",
                osRelease="14",
                manufacturer="Google",
                deviceModel="Pixel 8",
                deviceLabel="Alice's Pixel",
                deviceID="8f1c2a7b9d3e4f60a1b2c3d4e5f60718",
                deviceLockLevel="biometric",
            ),
            # Fraud signals (D-AREQ): app, account, how the flow started, the phone's IP, calls.
            _c("app"): _app("4.12.0", installed="2022-06-01T10:15:00Z"),
            _c("account"): {
                "activationDate": "2022-06-01T10:21:44Z",
                "activationMechanism": "CARD_READER",
            },
            _c("identification_mode"): "QR",
            _c("transaction_ip"): "192.0.2.44",
            _c("ongoing_call"): False,
        }
    ),
    document_claims=_BE_DOCUMENT_CLAIMS,
    issuing_country="BEL",
    verified_at="2024-02-19T09:41:07Z",
    document_metadata=MappingProxyType(
        {
            _c("issuance_locality"): _on_both_documents("GENT"),
            _c("validityFrom"): _on_both_documents("2021-05-31T00:00:00Z"),
            _c("validityTo"): _on_both_documents("2031-05-30T00:00:00Z"),
        }
    ),
)

_BRUNO = Identity(
    key="bruno",
    label="Bruno Lambert, Namur, Belgian eID card, no e-mail address",
    claims=MappingProxyType(
        {
            "name": "Bruno Lambert",
            "given_name": "Bruno",
            "family_name": "Lambert",
            "gender": "male",
            "locale": "FR",
            "birthdate": "2001-07-22",
            "phone_number": "+32 491765432",
            "phone_number_verified": True,
            "address": _address("Rue de Fer 24", "5000", "NAMUR"),
            _c("birthdate_as_string"): "22.07.2001",
            _c("official_gender"): "M",
            _c("place_of_birth"): {"formatted": "Namur", "city": "Namur"},
            _c("claim_citizenship"): "BE",
            _c("claim_citizenship_as_iso"): "BEL",
            _c("BENationalNumber"): "01072213778",
            _c("BEeidSn"): "592-7654321-35",
            _c("IDDocumentSN"): "592765432135",
            _c("IDDocumentType"): "I",
            _c("physical_person_photo"): _PHOTO,
            _c("claim_device"): _device(
                "4.9.3",
                os="IOS",
                osRelease="17.4.1",
                manufacturer="Apple",
                deviceModel="iPhone14,5",
                deviceLabel="iPhone de Bruno",
                deviceId="c0ffee00d15ea5e0b1e55ed0ba5eba11",
                deviceLockLevel="passcode",
                msisdn="0032491765432",
            ),
            _c("app"): _app("4.9.3", installed="2024-01-09T18:02:11.000Z"),
            _c("account"): {
                "activationDate": "2024-01-09T18:09:30.000Z",
                "activationMechanism": "CONTACT_LESS",
            },
            _c("identification_mode"): "a2a",
            _c("transaction_ip"): "2001:db8::7",
            _c("ongoing_call"): True,
        }
    ),
    document_claims=_BE_DOCUMENT_CLAIMS,
    issuing_country="BEL",
    verified_at="2023-11-03T16:12:45.000Z",
    document_metadata=MappingProxyType(
        {
            _c("issuance_locality"): {_c("BEeidSn"): "NAMUR"},
            _c("validityFrom"): {_c("BEeidSn"): "2019-09-12T00:00:00.000Z"},
            _c("validityTo"): _on_both_documents("2029-09-12T00:00:00.000Z"),
        }
    ),
)

_CLAIRE = Identity(
    key="claire",
    label="Claire de Vries, Dutch passport, no address and no Belgian eID data",
    claims=MappingProxyType(
        {
            "name": "Claire de Vries",
            "given_name": "Claire",
            "family_name": "de Vries",
            "gender": "female",
            "locale": "EN",
            "birthdate": "1990-11-02",
            "email": "claire.devries@example.nl",
            "email_verified": False,
            "phone_number": "+31 612345678",
            "phone_number_verified": True,
            _c("birthdate_as_string"): "02 NOV/NOV 1990",
            _c("official_gender"): "V/F",
            _c("place_of_birth"): {"formatted": "Utrecht", "city": "Utrecht", "country": "NLD"},
            _c("claim_citizenship"): "NLD",
            _c("claim_citizenship_as_iso"): "NLD",
            _c("IDDocumentSN"): "NXR4K81J2",
            _c("IDDocumentType"): "P",
            _c("physical_person_photo"): _PHOTO,
            _c("claim_device"): _device(
                "4.11.2",
                os="ANDROID",
                osRelease="13",
                manufacturer="samsung",
                deviceModel="SM-S911B",
                deviceLabel="Galaxy van Claire",
                deviceID="5a5a17e2c4b84f0d9e3c6b1a2d7f8e90",
                deviceLockLevel="pattern",
            ),
        }
    ),
    document_claims=frozenset(
        {
            "family_name",
            "given_name",
            "name",
            "gender",
            "birthdate",
            _c("birthdate_as_string"),
            _c("official_gender"),
            _c("place_of_birth"),
            _c("claim_citizenship"),
            _c("claim_citizenship_as_iso"),
            _c("IDDocumentSN"),
            _c("physical_person_photo"),
        }
    ),
    issuing_country="NLD",
    verified_at="2025-01-27T08:05:33Z",
    document_metadata=MappingProxyType(
        {_c("validityTo"): {_c("IDDocumentSN"): "2032-01-15T00:00:00Z"}}
    ),
)

#: The test identities, by key.
IDENTITIES: Mapping[str, Identity] = MappingProxyType(
    {identity.key: identity for identity in (_ALICE, _BRUNO, _CLAIRE)}
)


# ---------------------------------------------------------------------- numbered identities

#: Key prefix of the numbered identities: ``user1``, ``user2``, ...
NUMBERED_PREFIX = "user"
#: The most numbered identities a simulator may have: a load run's worth, while the sub index
#: (built once per client and count) stays a few hundred milliseconds of hashing.
MAX_NUMBERED_IDENTITIES = 100_000
#: Birth dates of numbered people: one a day from here, all before 2000 (one national-number
#: checksum rule), then the next sequence number.
_NUMBERED_FIRST_BIRTHDATE = dt.date(1950, 1, 1)
_NUMBERED_BIRTHDAYS = 18_000


def _check_digits(body: int) -> str:
    """Return the two mod-97 check digits of a Belgian eID card number.

    :param body: the first ten digits.
    :returns: ``body % 97``, with 97 for 0.
    """
    return f"{body % 97 or 97:02d}"


@functools.lru_cache(maxsize=4096)
def numbered_identity(number: int) -> Identity:
    """Make numbered test person ``user<number>``: a Belgian eID card holder with all data,
    like ``alice``, with their own name, birth date, national number (valid check digits, the
    sequence number odd for men), card number, e-mail address, phone and device.

    :param number: 1 to :data:`MAX_NUMBERED_IDENTITIES`.
    :returns: the identity (the same object for the same number).
    :raises ValueError: for a number out of range.
    """
    if not 1 <= number <= MAX_NUMBERED_IDENTITIES:
        msg = f"a numbered identity is 1 to {MAX_NUMBERED_IDENTITIES}, not {number}"
        raise ValueError(msg)
    index = number - 1
    born = _NUMBERED_FIRST_BIRTHDATE + dt.timedelta(days=index % _NUMBERED_BIRTHDAYS)
    sequence = 1 + index // _NUMBERED_BIRTHDAYS
    body = int(born.strftime("%y%m%d")) * 1000 + sequence
    national_number = f"{body:09d}{97 - body % 97:02d}"
    card_body = 5_900_000_000 + number
    card = f"{card_body:010d}{_check_digits(card_body)}"
    male = sequence % 2 == 1
    given = f"Test{number}"
    family = "Numbered"
    key = f"{NUMBERED_PREFIX}{number}"
    claims = dict(_ALICE.claims)
    claims.update(
        {
            "name": f"{given} {family}",
            "given_name": given,
            "family_name": family,
            "gender": "male" if male else "female",
            "birthdate": born.isoformat(),
            "email": f"{key}@example.be",
            "phone_number": f"+32 47{number:07d}",
            _c("birthdate_as_string"): born.strftime("%d.%m.%Y"),
            _c("official_gender"): "M" if male else "F",
            _c("BENationalNumber"): national_number,
            _c("BEeidSn"): card,
            _c("IDDocumentSN"): card,
            _c("claim_device"): {
                **_ALICE.claims[_c("claim_device")],
                "deviceLabel": f"Phone of {given}",
                "deviceID": hashlib.sha256(key.encode()).hexdigest()[:32],
            },
        }
    )
    return Identity(
        key=key,
        label=f"{given} {family}, numbered test person, Belgian eID card, all data",
        claims=MappingProxyType(claims),
        document_claims=_BE_DOCUMENT_CLAIMS,
        issuing_country="BEL",
        verified_at=_ALICE.verified_at,
        document_metadata=_ALICE.document_metadata,
    )


def identity_by_key(key: str, numbered: int = 0) -> Identity | None:
    """Find a test identity by key: one of :data:`IDENTITIES`, or ``user<n>`` for
    ``1 <= n <= numbered`` (written without leading zeros).

    :param key: the identity key.
    :param numbered: how many numbered identities exist.
    :returns: the identity, or ``None``.
    """
    known = IDENTITIES.get(key)
    if known is not None:
        return known
    digits = key.removeprefix(NUMBERED_PREFIX)
    if digits == key or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return None
    number = int(digits)
    return numbered_identity(number) if number <= numbered else None


@functools.lru_cache(maxsize=8)
def _numbered_subs(client_id: str, count: int) -> Mapping[str, int]:
    """Index the numbered identities by the ``sub`` one client sees.

    :param client_id: the partner code.
    :param count: how many numbered identities.
    :returns: sub -> number.
    """
    return MappingProxyType(
        {pairwise_sub(client_id, f"{NUMBERED_PREFIX}{n}"): n for n in range(1, count + 1)}
    )
