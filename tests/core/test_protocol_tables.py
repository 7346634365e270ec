"""The core's and the simulator's protocol tables agree (no Django).

The protocol core (``django_itsme/core``) and the simulator (``django_itsme/simulator``) are two
independent implementations of itsme's OpenID Connect v2, so a misreading of the docs in one is
caught by the other in every flow test. That only works while both write down the same facts:
scopes, claim names, which claims a scope releases, ACR URIs, JOSE algorithm lists, Confirm
template rules and ``ui_locales``. Neither imports the other's tables; this test compares them.
Where the two differ on purpose, the difference is spelled out here by name.

Sources of the facts themselves: protocol notes §3.1 (D-AREQ parameters), §4 (scopes and claims),
§5 (ACR), §6 (Confirm, D-CONF), §8.1 (D-JOSE).
"""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core import authorize, client_auth, confirm, jose, services
from django_itsme.core import claim_names as core_claims
from django_itsme.core.client import PROTOCOL_CLAIMS
from django_itsme.core.errors import TemplateError
from django_itsme.simulator import confirm as simulator_confirm
from django_itsme.simulator import issuing as simulator_issuing
from django_itsme.simulator import jose as simulator_jose
from django_itsme.simulator import protocol as simulator
from django_itsme.simulator.identities import IDENTITIES


# ----------------------------------------------------------------------------- scopes and claims
def test_claim_prefix() -> None:
    assert core_claims.CLAIM_PREFIX == simulator.CLAIM_PREFIX


def test_data_scopes() -> None:
    assert tuple(core_claims.SCOPE_CLAIMS) == simulator.DATA_SCOPES
    assert {core_claims.REQUIRED_SCOPE, *simulator.DATA_SCOPES} == core_claims.SUPPORTED_SCOPES
    assert core_claims.SERVICE_SCOPE_PREFIX == simulator.SERVICE_SCOPE_PREFIX


@pytest.mark.parametrize("scope", simulator.DATA_SCOPES)
def test_each_scope_releases_the_same_claims(scope: str) -> None:
    # D-AREQ §4.1 table; ``profile`` includes ``picture`` (the URL of the ID photo) on both sides.
    assert core_claims.SCOPE_CLAIMS[scope] == simulator.SCOPE_CLAIMS[scope]


def test_profile_includes_picture() -> None:
    assert "picture" in core_claims.SCOPE_CLAIMS["profile"]
    assert "picture" in simulator.SCOPE_CLAIMS["profile"]
    assert simulator_issuing.PICTURE_CLAIM == "picture"


def test_photo_claim() -> None:
    assert simulator_issuing.PHOTO_CLAIM == core_claims.CLAIM_PHOTO


def test_metadata_claims() -> None:
    assert simulator.DOCUMENT_METADATA == (
        core_claims.CLAIM_ISSUANCE_LOCALITY,
        core_claims.CLAIM_VALIDITY_FROM,
        core_claims.CLAIM_VALIDITY_TO,
    )
    assert simulator.ISSUING_COUNTRY == core_claims.CLAIM_ID_ISSUING_COUNTRY
    assert simulator.VERIFICATION_DATE == core_claims.CLAIM_VERIFICATION_DATE
    assert set(simulator.METADATA_CLAIMS) <= core_claims.KNOWN_ITSME_CLAIMS
    # The friendly name ``eid`` asks for the card's metadata with it (D-AREQ, D-UD).
    assert set(simulator.DOCUMENT_METADATA) <= set(core_claims.FRIENDLY_CLAIMS["eid"])


def test_age_claims() -> None:
    core_ages = {name for name in core_claims.STANDARD_CLAIMS if name.startswith("age_gte_")}
    assert core_ages == set(simulator.AGE_CLAIMS)
    assert all(name == f"age_gte_{age}" for name, age in simulator.AGE_CLAIMS.items())


def test_every_claim_a_simulated_user_carries_is_known_to_the_core() -> None:
    # The simulator's users carry the documented claims; a claim the core's tables lack would be
    # requestable only as a bare URI and get no "did you mean".
    carried = {name for identity in IDENTITIES.values() for name in identity.claims}
    known = core_claims.KNOWN_ITSME_CLAIMS | core_claims.STANDARD_CLAIMS
    assert carried, "the simulator has no users"
    assert carried - known == set()
    assert all(core_claims.claim_name_problem(name) is None for name in carried)


def test_jwt_members_are_protocol_claims_for_the_core() -> None:
    # Members the simulator treats as "about the token" the core never takes from userinfo.
    assert simulator.JWT_MEMBERS <= PROTOCOL_CLAIMS


# ----------------------------------------------------------------------------- ACR
def test_acr_uris() -> None:
    assert services.ACR_BASIC == simulator.ACR_BASIC
    assert services.ACR_ADVANCED == simulator.ACR_ADVANCED
    # Both list the levels weakest first (D-AREQ: the strongest requested one applies).
    assert tuple(services.ACR_LEVELS.values()) == simulator.ACR_LEVELS


def test_acr_returned_with_capital_v2_is_read_by_the_core() -> None:
    # Intentional difference, a simulator variant: ``Faults.id_token_acr`` can return the ACR
    # as D-IG2020/S-V2 print it (``.../V2/claim/...``); the simulator itself writes ``v2``.
    for level, uri in services.ACR_LEVELS.items():
        assert services.acr_level_of(uri.replace("/v2/", "/V2/")) == level


# ----------------------------------------------------------------------------- JOSE (D-JOSE)
def test_signing_algorithms() -> None:
    assert jose.ALLOWED_JWS_ALGORITHMS == (simulator.SIGNING_ALG,)
    assert jose.SECRET_JWS_ALGORITHMS == (simulator_jose.SECRET_SIGNING_ALG,)


def test_key_encryption_algorithms() -> None:
    assert set(jose.ALLOWED_JWE_ALGORITHMS) == set(simulator.KEY_ALGS)
    # Both prefer RSA-OAEP-256 (D-JOSE: alg SHOULD be RSA-OAEP-256).
    assert jose.ALLOWED_JWE_ALGORITHMS[0] == simulator.DEFAULT_KEY_ALG


def test_content_encryptions() -> None:
    assert set(jose.ALLOWED_JWE_ENCRYPTIONS) == set(simulator.CONTENT_ENCS)
    assert jose.DEFAULT_JWE_ENCRYPTION == simulator.DEFAULT_CONTENT_ENC


def test_client_assertion() -> None:
    assert client_auth.CLIENT_ASSERTION_TYPE == simulator.CLIENT_ASSERTION_TYPE
    assert client_auth.ASSERTION_LIFETIME <= simulator.MAX_ASSERTION_LIFETIME


# ----------------------------------------------------------------------------- request
def test_ui_locales() -> None:
    assert authorize.SUPPORTED_UI_LOCALES == simulator.UI_LOCALES


# ----------------------------------------------------------------------------- Confirm (D-CONF)
def test_template_claims_and_names() -> None:
    assert confirm.CLAIM_APPROVAL_TEMPLATE_NAME == simulator.APPROVAL_TEMPLATE
    assert confirm.CLAIM_APPROVAL_TEXT == simulator.APPROVAL_TEXT
    assert confirm.CLAIM_APPROVAL_AMOUNT == simulator.APPROVAL_AMOUNT
    assert confirm.CLAIM_APPROVAL_CURRENCY == simulator.APPROVAL_CURRENCY
    assert confirm.CLAIM_APPROVAL_IBAN == simulator.APPROVAL_IBAN
    assert confirm.TEMPLATE_FREE_TEXT == simulator.TEMPLATE_FREE_TEXT
    assert confirm.TEMPLATE_ADV_PAYMENT == simulator.TEMPLATE_PAYMENT


def test_free_text_rules() -> None:
    assert confirm.FREE_TEXT_MAX_LENGTH == simulator.FREE_TEXT_MAX_CHARS
    assert confirm.FREE_TEXT_CHARSET == simulator.FREE_TEXT_CHARSET
    assert set(simulator.FREE_TEXT_TAGS) == confirm.FREE_TEXT_ALLOWED_TAGS


ACCEPTED_BY_THE_CORE: list[confirm.ConfirmTemplate] = [
    confirm.FreeTextTemplate("Pay <b>100 EUR</b><br>to Acme"),
    confirm.FreeTextTemplate("é" * confirm.FREE_TEXT_MAX_LENGTH),
    confirm.FreeTextTemplate("Line one<br/>line <i>two</i> <u>€</u>"),
    confirm.PaymentTemplate("100", "EUR", "BE68539007547034"),
    confirm.PaymentTemplate(0, "XCG", "NL91 ABNA 0417 1643 00"),
]


def _as_userinfo_member(template: confirm.ConfirmTemplate) -> dict[str, Any]:
    return dict(template.to_claims())


@pytest.mark.parametrize("template", ACCEPTED_BY_THE_CORE, ids=lambda t: t.describe()[:30])
def test_what_the_core_sends_the_simulator_accepts(template: confirm.ConfirmTemplate) -> None:
    shown = simulator_confirm.parse_template(_as_userinfo_member(template))
    sent = template.as_dict()
    assert shown.kind == sent.pop("template")
    assert {name: getattr(shown, name) for name in sent} == sent


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        # Intentional differences: the simulator plays itsme, whose server-side checks are not
        # documented beyond "a valid currency code" / "a valid IBAN" (D-CONF), so it checks the
        # shape only; the core refuses what it can know is wrong before anything is sent.
        ("currency", "XAU", "no minor unit: not a payment currency (ISO 4217 list one)"),
        ("currency", "ABC", "not in ISO 4217"),
        ("iban", "GP1120041010050500013M02606", "GP is not an IBAN country (SWIFT registry)"),
        ("iban", "BE41539007547035", "the Belgian account number's own check fails"),
    ],
)
def test_payment_values_only_the_core_refuses(field: str, value: str, why: str) -> None:
    content = {"amount": "1", "currency": "EUR", "iban": "BE68539007547034", field: value}
    with pytest.raises(TemplateError):
        confirm.PaymentTemplate(**content)
    userinfo = {
        simulator.APPROVAL_TEMPLATE: {"essential": True, "value": simulator.TEMPLATE_PAYMENT},
        simulator.APPROVAL_AMOUNT: {"essential": True, "value": content["amount"]},
        simulator.APPROVAL_CURRENCY: {"essential": True, "value": content["currency"]},
        simulator.APPROVAL_IBAN: {"essential": True, "value": content["iban"]},
    }
    assert simulator_confirm.parse_template(userinfo).kind == simulator.TEMPLATE_PAYMENT, why


def test_upper_case_tags_only_the_core_refuses() -> None:
    # Intentional difference: D-CONF names the tags in lower case; the core asks the site to
    # write them so, the simulator (like a browser) renders <B> as <b>.
    with pytest.raises(TemplateError, match="lower case"):
        confirm.FreeTextTemplate("<B>bold</B>")
    userinfo = {
        simulator.APPROVAL_TEMPLATE: {"essential": True, "value": simulator.TEMPLATE_FREE_TEXT},
        simulator.APPROVAL_TEXT: {"essential": True, "value": "<B>bold</B>"},
    }
    assert simulator_confirm.parse_template(userinfo).text == "<B>bold</B>"
