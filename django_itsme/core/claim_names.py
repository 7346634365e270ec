"""Which itsme claims and scopes a site may ask for, and the ``claims`` request parameter.

:func:`resolve_claim_names` turns the vendor SDK's friendly names (``eid``, ``nationality``, ...),
full claim URIs and standard OpenID Connect claims into the v2 claim URIs itsme knows;
:func:`claim_name_problem` and :func:`scope_problem` say what is wrong with one entry of a site's
settings; :func:`build_claims_request` builds the OIDC ``claims`` request parameter (D-AREQ
``claims``; OIDC Core §5.5).

Claim names come from the itsme v2 documentation: D-AREQ (scopes and claims tables), D-CLAIMS
(availability), D-UD (metadata claims); the keys are listed in section 0 of the protocol notes.
The simulator keeps its own table of the same facts (``simulator/protocol.py``);
``tests/core/test_protocol_tables.py`` checks that the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

from django_itsme.core.errors import ConfigurationError
from django_itsme.core.spelling import did_you_mean

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
    "ClaimsMember",
    "build_claims_request",
    "claim_name_problem",
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


#: The names a mistyped claim name is compared with, in order of preference: friendly names,
#: standard claims, then the documented itsme claims (compared by their last segment).
_SUGGESTED_CLAIMS: Final = (*FRIENDLY_CLAIMS, *sorted(STANDARD_CLAIMS), *sorted(KNOWN_ITSME_CLAIMS))


def _claim_suffix(name: str) -> str:
    return name.removeprefix(CLAIM_PREFIX)


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
    suggestion = did_you_mean(name, _SUGGESTED_CLAIMS, limit=3, compare_as=_claim_suffix)
    return (
        f"Unknown claim name {name!r}.{suggestion} Use a friendly name "
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
    return (
        f"Unknown scope {scope!r}.{did_you_mean(scope, sorted(SCOPE_CLAIMS), limit=2)} itsme "
        f"knows {', '.join(sorted(SCOPE_CLAIMS))} besides openid and service:<CODE> (D-AREQ)."
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
