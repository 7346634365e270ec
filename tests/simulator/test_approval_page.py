"""The approval page shown when no identity approves automatically."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from django_itsme.simulator import ACR_ADVANCED, CLAIM_PREFIX, IDENTITIES, Simulator

from .conftest import CLIENT_ID, RP, TEMPLATE, decide, page_of


def redirect_params(answer: requests.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    query = urlsplit(answer.headers["Location"]).query
    return {name: values[0] for name, values in parse_qs(query).items()}


def test_page_content(rp: RP, manual: Simulator) -> None:
    attempt = rp.authorize(
        scope="openid service:TEST_SHARE profile eid",
        claims={"userinfo": {CLAIM_PREFIX + "place_of_birth": None}},
        extra={"acr_values": ACR_ADVANCED},
    )
    page = page_of(attempt)
    assert page.startswith("<!DOCTYPE html>")
    assert f'<dd id="partner">{CLIENT_ID}</dd>' in page
    assert "TEST_SHARE" in page
    assert "Advanced" in page
    assert ACR_ADVANCED in page
    for words in ("Last name", "Belgian national register number", "Place of birth"):
        assert words in page
    for key in IDENTITIES:
        assert f'name="identity" value="{key}"' in page
    assert 'id="approve"' in page
    assert 'id="refuse"' in page
    assert 'action="/v2/authorization/decision"' in page
    # self-contained: inline style only, no scripts or external assets
    assert "<style>" in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="', page)
    assert "default-src 'none'" in attempt.response.headers["Content-Security-Policy"]
    record = manual.authorizations[-1]
    assert record.decision is None
    assert record.identity is None


def test_approve_as_chosen_identity(rp: RP, manual: Simulator) -> None:
    attempt = rp.authorize()
    answer = decide(manual, page_of(attempt), decision="approve", identity="bruno")
    found = redirect_params(answer)
    assert found["state"] == attempt.params["state"]
    attempt.response = answer  # redeem the code from the decision redirect
    tokens = rp.token(attempt).json()
    assert rp.open(tokens["id_token"])[0]["sub"] == IDENTITIES["bruno"].sub_for(CLIENT_ID)
    record = manual.authorizations[-1]
    assert (record.identity, record.decision) == ("bruno", "approve")


def test_refuse(rp: RP, manual: Simulator) -> None:
    attempt = rp.authorize()
    found = redirect_params(decide(manual, page_of(attempt), decision="refuse"))
    assert found["error"] == "access_denied"
    assert found["state"] == attempt.params["state"]
    assert manual.authorizations[-1].decision == "refuse"


def test_transaction_is_single_use(rp: RP, manual: Simulator) -> None:
    page = page_of(rp.authorize())
    assert decide(manual, page, decision="approve", identity="alice").status_code == 302
    again = decide(manual, page, decision="approve", identity="alice")
    assert again.status_code == 400
    assert "transaction" in again.text


def test_unknown_transaction(manual: Simulator) -> None:
    answer = decide(manual, 'name="transaction" value="forged"', decision="approve")
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "fields", [{"decision": "approve", "identity": "mallory"}, {"decision": "later"}]
)
def test_bad_decision_fields(rp: RP, manual: Simulator, fields: dict[str, str]) -> None:
    assert decide(manual, page_of(rp.authorize()), **fields).status_code == 400


def test_free_text_rendering(rp: RP, manual: Simulator) -> None:
    text = "Pay <b>bold</b> <i>it</i> <u>u</u><br>next & <img src=x> <b>open"
    claims = {
        "userinfo": {
            TEMPLATE: {"essential": True, "value": "free_text"},
            CLAIM_PREFIX + "claim_approval_text_key": {"essential": True, "value": text},
        }
    }
    attempt = rp.authorize(service="TEST_CONFIRM", claims=claims)
    assert attempt.error == "invalid_request"  # <img> is not an allowed tag
    claims["userinfo"][CLAIM_PREFIX + "claim_approval_text_key"]["value"] = text.replace(
        "<img src=x>", "a < b"
    )
    page = page_of(rp.authorize(service="TEST_CONFIRM", claims=claims))
    shown = re.search(r'<div class="message" id="free-text">(.*?)</div>', page, re.S)
    assert shown is not None
    assert shown.group(1) == (
        "Pay <b>bold</b> <i>it</i> <u>u</u><br>next &amp; a &lt; b <b>open</b>"
    )


def test_payment_rendering(rp: RP, manual: Simulator) -> None:
    claims = {
        "userinfo": {
            TEMPLATE: {"essential": True, "value": "adv_payment"},
            CLAIM_PREFIX + "claim_approval_amount_key": {"essential": True, "value": "2500"},
            CLAIM_PREFIX + "claim_approval_currency_key": {"essential": True, "value": "EUR"},
            CLAIM_PREFIX + "claim_approval_iban_key": {
                "essential": True,
                "value": "BE68539007547034",
            },
        }
    }
    page = page_of(rp.authorize(service="TEST_CONFIRM", claims=claims))
    assert '<dd id="amount">2500</dd>' in page
    assert '<dd id="currency">EUR</dd>' in page
    # In groups of four, each an unbreakable box (see test_pages_i18n for the wording).
    groups = "".join(
        f'<span class="iban-group">{group}</span> ' for group in ("BE68", "5390", "0754", "7034")
    )
    assert f'<dd id="iban" class="iban">{groups.rstrip()}</dd>' in page


def test_sub_skips_identification(rp: RP, manual: Simulator) -> None:
    sub = IDENTITIES["claire"].sub_for(CLIENT_ID)
    attempt = rp.authorize(claims={"userinfo": {"sub": {"value": sub}}})
    page = page_of(attempt)
    assert 'name="identity"' not in page
    assert 'id="fixed-identity"' in page
    assert "Claire de Vries" in page
    found = redirect_params(decide(manual, page, decision="approve"))
    assert "code" in found
    assert manual.authorizations[-1].identity == "claire"


def test_login_page_says_only_identity(rp: RP, manual: Simulator) -> None:
    assert "pseudonymous identifier" in page_of(rp.authorize())


def test_expired_transaction(rp: RP, manual: Simulator) -> None:
    page = page_of(rp.authorize())
    rp.clock.advance(601)
    assert decide(manual, page, decision="approve", identity="alice").status_code == 400
