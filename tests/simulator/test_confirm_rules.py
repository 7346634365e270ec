"""Confirmation services: template rules and ``sub``-based identification (D-CONF, D-AREQ)."""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.simulator import CLAIM_PREFIX, IDENTITIES, Simulator
from django_itsme.simulator.confirm import iban_is_valid, render_free_text

from .conftest import CLIENT_ID, RP

C = CLAIM_PREFIX


def free_text(value: str) -> dict[str, Any]:
    return {
        "userinfo": {
            C + "claim_approval_template_name": {"essential": True, "value": "free_text"},
            C + "claim_approval_text_key": {"essential": True, "value": value},
        }
    }


def payment(
    amount: str = "100", currency: str = "EUR", iban: str = "BE68539007547034"
) -> dict[str, Any]:
    return {
        "userinfo": {
            C + "claim_approval_template_name": {"essential": True, "value": "adv_payment"},
            C + "claim_approval_amount_key": {"essential": True, "value": amount},
            C + "claim_approval_currency_key": {"essential": True, "value": currency},
            C + "claim_approval_iban_key": {"essential": True, "value": iban},
        }
    }


@pytest.mark.parametrize(
    "claims",
    [
        free_text("Sign contract <b>#42</b><br/>for <u>€</u> 10"),
        free_text("x" * 7500),
        payment(),
        payment(iban="NL91 ABNA 0417 1643 00"),
    ],
)
def test_valid_templates(rp: RP, claims: dict[str, Any]) -> None:
    assert rp.authorize(service="TEST_CONFIRM", claims=claims).code


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (None, "claim_approval_template_name"),
        ({"id_token": free_text("hi")["userinfo"]}, "claim_approval_template_name"),
        (free_text("<script>alert(1)</script>"), "tag"),
        (free_text('<b class="x">hi</b>'), "tag"),
        (free_text("x" * 7501), "7500"),
        (free_text("\u201cquoted\u201d"), "ISO-8859-15"),
        (free_text("   "), "empty"),
        ({"userinfo": {C + "claim_approval_template_name": {"value": "advanced_payment"}}}, "name"),
        (
            {
                "userinfo": {
                    C + "claim_approval_template_name": {"essential": True, "value": "free_text"}
                }
            },
            "claim_approval_text_key",
        ),
        (payment(amount="12.50"), "integer"),
        (payment(amount="-5"), "integer"),
        (payment(currency="eur"), "currency"),
        (payment(currency="EURO"), "currency"),
        (payment(iban="BE00793774892029"), "IBAN"),
        (payment(iban="BE68539007547035"), "IBAN"),
        (payment(iban="XX"), "IBAN"),
    ],
)
def test_invalid_templates(rp: RP, claims: dict[str, Any] | None, reason: str) -> None:
    attempt = rp.authorize(service="TEST_CONFIRM", claims=claims)
    assert attempt.error == "invalid_request"
    assert reason in attempt.redirect["error_description"]


def test_sub_selects_the_identity(rp: RP, sim: Simulator) -> None:
    sub = IDENTITIES["bruno"].sub_for(CLIENT_ID)
    claims = free_text("Approve")
    claims["userinfo"]["sub"] = {"value": sub}
    _, tokens = rp.login(service="TEST_CONFIRM", claims=claims)  # auto_approve is alice
    assert rp.open(tokens["id_token"])[0]["sub"] == sub
    assert sim.authorizations[-1].identity == "bruno"


def test_sub_of_another_client_is_unknown(rp: RP) -> None:
    claims = free_text("Approve")
    claims["userinfo"]["sub"] = {"value": IDENTITIES["alice"].sub_for("OIDC_OTHER")}
    assert rp.authorize(service="TEST_CONFIRM", claims=claims).error == "access_denied"


def test_sub_in_id_token_member_is_ignored(rp: RP, sim: Simulator) -> None:
    claims = free_text("Approve")
    claims["id_token"] = {"sub": {"value": "nobody"}}
    assert rp.authorize(service="TEST_CONFIRM", claims=claims).code
    assert sim.authorizations[-1].identity == "alice"


def test_template_claims_are_not_echoed(rp: RP) -> None:
    _, tokens = rp.login(service="TEST_CONFIRM", claims=free_text("Approve"))
    info = rp.userinfo(tokens["access_token"])
    claims = rp.open(info.text)[0]
    assert not any("claim_approval" in name for name in claims)


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("BE68539007547034", True),
        ("BE68 5390 0754 7034", True),
        ("DE89370400440532013000", True),
        ("BE68539007547043", False),
        ("be68539007547034", False),
        ("", False),
    ],
)
def test_iban_check(iban: str, valid: bool) -> None:
    assert iban_is_valid(iban) is valid


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain", "plain"),
        ("<B>x</B>", "<b>x</b>"),
        ("<b><i>x</b>", "<b><i>x</i></b>"),
        ("</u>stray", "stray"),
        ("a<br />b<BR>c", "a<br>b<br>c"),
        ('"quoted" & <em>', "&quot;quoted&quot; &amp; &lt;em&gt;"),
    ],
)
def test_render_free_text(text: str, html: str) -> None:
    assert render_free_text(text) == html
