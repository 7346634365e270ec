"""Protocol constants of itsme® OpenID Connect v2, as the simulator enforces them.

Every value cites its source key from the project's protocol notes (``itsme-protocol.md``).
"""

from __future__ import annotations

from typing import Final

#: Prefix of every itsme-specific v2 claim (D-AREQ, D-CLAIMS).
CLAIM_PREFIX: Final = "http://itsme.services/v2/claim/"

#: The two v2 levels of assurance, weakest first (D-AREQ, protocol notes §1.1 and §5).
ACR_BASIC: Final = CLAIM_PREFIX + "acr_basic"
ACR_ADVANCED: Final = CLAIM_PREFIX + "acr_advanced"
ACR_LEVELS: Final = (ACR_BASIC, ACR_ADVANCED)

#: Confirmation template claims, placed under ``claims.userinfo`` (D-CONF).
APPROVAL_TEMPLATE: Final = CLAIM_PREFIX + "claim_approval_template_name"
APPROVAL_TEXT: Final = CLAIM_PREFIX + "claim_approval_text_key"
APPROVAL_AMOUNT: Final = CLAIM_PREFIX + "claim_approval_amount_key"
APPROVAL_CURRENCY: Final = CLAIM_PREFIX + "claim_approval_currency_key"
APPROVAL_IBAN: Final = CLAIM_PREFIX + "claim_approval_iban_key"
APPROVAL_CLAIMS: Final = frozenset(
    {APPROVAL_TEMPLATE, APPROVAL_TEXT, APPROVAL_AMOUNT, APPROVAL_CURRENCY, APPROVAL_IBAN}
)
TEMPLATE_FREE_TEXT: Final = "free_text"
TEMPLATE_PAYMENT: Final = "adv_payment"

#: Free-text limits (D-CONF; protocol notes §11 #11).
FREE_TEXT_MAX_CHARS: Final = 7500
FREE_TEXT_CHARSET: Final = "iso8859_15"
FREE_TEXT_TAGS: Final = ("b", "i", "u", "br")

#: JOSE algorithms (D-JOSE; protocol notes §3.2, §8.1, §11 #2).
SIGNING_ALG: Final = "RS256"
KEY_ALGS: Final = ("RSA-OAEP", "RSA-OAEP-256")
CONTENT_ENCS: Final = ("A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM")
DEFAULT_KEY_ALG: Final = "RSA-OAEP-256"
DEFAULT_CONTENT_ENC: Final = "A128CBC-HS256"

#: Token endpoint (D-AUTH "Token Request").
GRANT_TYPE: Final = "authorization_code"
CLIENT_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME: Final = 3600
MAX_ASSERTION_LIFETIME: Final = 600
MAX_JTI_LENGTH: Final = 255

#: Authorization code: 36 characters, valid 3 minutes, single use (D-AREQ "Response"; D-IG2020).
CODE_LENGTH: Final = 36
CODE_LIFETIME: Final = 180

#: Where the simulator serves ID photos returned as ``picture`` URLs (D-AREQ ``picture``: fetched
#: with the access token); below the ``/v2`` base path, followed by the user's ``sub``.
PICTURE_PATH: Final = "/picture/"

#: ID token and userinfo lifetime seen in the examples (D-AUTH).
JWT_LIFETIME: Final = 300

#: ``sub`` is 36 characters (D-IG2020, D-AUTH examples).
SUB_LENGTH: Final = 36

#: ``code_verifier`` syntax (D-AUTH "PKCE-enhanced flow").
PKCE_METHOD: Final = "S256"

#: Scopes besides ``openid`` and ``service:<CODE>`` (D-AREQ).
SERVICE_SCOPE_PREFIX: Final = "service:"
DATA_SCOPES: Final = ("profile", "email", "address", "phone", "eid", "idDocument")

#: Claims released per scope (D-AREQ scope table; protocol notes §4.1).
SCOPE_CLAIMS: Final[dict[str, tuple[str, ...]]] = {
    # D-AREQ lists picture under profile: the URL of the ID photo (see PICTURE_PATH).
    "profile": ("family_name", "given_name", "name", "gender", "locale", "picture", "birthdate"),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
    "eid": (CLAIM_PREFIX + "BENationalNumber", CLAIM_PREFIX + "BEeidSn"),
    "idDocument": (
        CLAIM_PREFIX + "IDDocumentSN",
        CLAIM_PREFIX + "IDDocumentType",
        CLAIM_PREFIX + "IDIssuingCountry",
        CLAIM_PREFIX + "validityFrom",
        CLAIM_PREFIX + "validityTo",
    ),
}

#: Metadata claims: objects keyed by the attribute they describe (D-AREQ "metadata";
#: D-AUTH userinfo example).
DOCUMENT_METADATA: Final = (
    CLAIM_PREFIX + "issuance_locality",
    CLAIM_PREFIX + "validityFrom",
    CLAIM_PREFIX + "validityTo",
)
ISSUING_COUNTRY: Final = CLAIM_PREFIX + "IDIssuingCountry"
VERIFICATION_DATE: Final = CLAIM_PREFIX + "verificationDate"
METADATA_CLAIMS: Final = (*DOCUMENT_METADATA, ISSUING_COUNTRY, VERIFICATION_DATE)

#: Age-check claims (D-AREQ, added 2025-09).
AGE_CLAIMS: Final[dict[str, int]] = {
    "age_gte_16": 16,
    "age_gte_18": 18,
    "age_gte_21": 21,
    "age_gte_30": 30,
}

#: Members of a JWT that describe the token itself, not the user.
JWT_MEMBERS: Final = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "acr", "auth_time"}
)

#: ``display`` values (D-AREQ; D-AUTH errors).
DISPLAY_VALUES: Final = ("page",)

#: ``ui_locales`` understood by the app (D-AREQ).
UI_LOCALES: Final = ("fr", "nl", "de", "en")

#: Service types the simulator distinguishes (D-AUTH: Authentication → ``login``,
#: Identification and Data Sharing → ``share``, Confirmation → ``confirm``).
SERVICE_TYPES: Final = ("login", "share", "confirm")
