"""Confirm against the simulator: both templates approved and refused, exactly the template
values reaching itsme, evidence that verifies, and tampering that makes it fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from django_itsme.core.evidence import EvidenceError, bind_nonce
from django_itsme.models import Confirmation, ItsmeIdentity
from django_itsme.signals import confirmation_completed
from django_itsme.simulator import CLAIM_PREFIX, Simulator
from tests.app.conftest import Browser, Capture, received_by, sub_of

pytestmark = pytest.mark.simulator

PAYMENT = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
TEXT = "I approve <b>contract 42</b>.<br>Ann & Bob, 5 € fee"


@pytest.fixture
def linked(browser: Browser) -> User:
    """alice logged in with itsme (so her identity is linked)."""
    assert browser.flow().status_code == 302
    return ItsmeIdentity.objects.get().user  # type: ignore[return-value]


@pytest.fixture
def completed() -> Iterator[list[dict[str, Any]]]:
    yield from received_by(confirmation_completed)


def start(browser: Browser, **query: str) -> str:
    response = browser.get("/confirm/", data=query)
    assert response.status_code == 302, response.content
    return str(response["Location"])


def run(browser: Browser, **query: str) -> Any:
    return browser.finish(browser.at_itsme(start(browser, **query)))


def test_payment_approved(
    browser: Browser, simulator: Simulator, linked: User, completed: list[dict[str, Any]]
) -> None:
    simulator.auto_approve = "bruno"  # ignored: the sub in the request object decides
    response = run(browser, **PAYMENT, next="/paid/?order=7")
    confirmation = Confirmation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/paid/?order=7&confirmation={confirmation.pk}"
    assert confirmation.status == Confirmation.Status.APPROVED
    assert confirmation.user == linked
    assert confirmation.sub == sub_of("alice")
    assert confirmation.acr == "advanced"
    assert confirmation.completed_at is not None
    assert confirmation.description == "1250 EUR to BE68 5390 0754 7034"
    # itsme received exactly the template values, with the known sub, under claims.userinfo.
    record = simulator.authorizations[-1]
    userinfo = record.request_object["claims"]["userinfo"]
    assert userinfo == {
        CLAIM_PREFIX + "claim_approval_template_name": {"essential": True, "value": "adv_payment"},
        CLAIM_PREFIX + "claim_approval_amount_key": {"essential": True, "value": "1250"},
        CLAIM_PREFIX + "claim_approval_currency_key": {"essential": True, "value": "EUR"},
        CLAIM_PREFIX + "claim_approval_iban_key": {"essential": True, "value": "BE68539007547034"},
        "sub": {"value": sub_of("alice")},
    }
    assert record.request_object["nonce"] == confirmation.nonce
    assert record.request_object["scope"] == "openid service:TEST_CONFIRM"
    assert simulator.count("/userinfo") == 0
    claims = confirmation.verify()
    assert claims["sub"] == sub_of("alice")
    assert confirmation.check_evidence().anchor == "itsme live JWKS"
    (event,) = completed
    assert event["confirmation"] == confirmation
    assert event["details"].sub == sub_of("alice")


def test_free_text_approved(browser: Browser, simulator: Simulator, linked: User) -> None:
    response = run(browser, text=TEXT)
    confirmation = Confirmation.objects.get()
    assert response["Location"] == f"/?confirmation={confirmation.pk}"
    userinfo = simulator.authorizations[-1].request_object["claims"]["userinfo"]
    assert userinfo[CLAIM_PREFIX + "claim_approval_text_key"] == {"essential": True, "value": TEXT}
    assert userinfo[CLAIM_PREFIX + "claim_approval_template_name"]["value"] == "free_text"
    assert confirmation.template.as_dict() == {"template": "free_text", "text": TEXT}
    confirmation.verify()


@pytest.mark.parametrize("query", [PAYMENT, {"text": TEXT}])
def test_refused(
    browser: Browser,
    simulator: Simulator,
    linked: User,
    completed: list[dict[str, Any]],
    query: dict[str, str],
) -> None:
    simulator.auto_decision = "refuse"
    response = run(browser, **query)
    assert response.status_code == 403
    assert b"You refused the confirmation" in response.content
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.REFUSED
    assert confirmation.error_code == "access_denied"
    assert confirmation.id_token == ""
    with pytest.raises(EvidenceError, match="not approved"):
        confirmation.verify()
    assert [e["confirmation"].status for e in completed] == ["refused"]
    assert completed[0]["details"] is None


def test_approval_by_another_sub_is_refused(
    browser: Browser, simulator: Simulator, linked: User
) -> None:
    url = start(browser, **PAYMENT)
    simulator.faults.id_token_extra_claims = {"sub": sub_of("bruno")}
    response = browser.finish(browser.at_itsme(url))
    assert response.status_code == 403
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.FAILED
    assert confirmation.error_code == "sub_mismatch"


def test_failed_on_provider_error(browser: Browser, simulator: Simulator, linked: User) -> None:
    url = start(browser, **PAYMENT)
    simulator.faults.token_status = 500
    response = browser.finish(browser.at_itsme(url))
    assert response.status_code == 502
    assert Confirmation.objects.get().status == Confirmation.Status.FAILED


def test_callback_in_another_users_session_fails(
    browser: Browser, simulator: Simulator, linked: User
) -> None:
    url = start(browser, **PAYMENT)
    params = browser.at_itsme(url)
    other = User.objects.create_user("mallory")
    session_flows = dict(browser.client.session.items())  # read before the login flushes it
    browser.client.force_login(other)  # keeps the session data (and the pending flow)
    session = browser.client.session
    session.update({k: v for k, v in session_flows.items() if k.startswith("django_itsme")})
    session.save()
    response = browser.finish(params)
    assert response.status_code == 403
    assert Confirmation.objects.get().status == Confirmation.Status.FAILED


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"text": "“curly”"}, "invalid_template"),
        ({"text": "<script>x</script>"}, "invalid_template"),
        ({"text": "x" * 7501}, "invalid_template"),
        ({**PAYMENT, "iban": "BE68 5390 0754 7035"}, "invalid_template"),
        ({**PAYMENT, "currency": "EURO"}, "invalid_template"),
        ({**PAYMENT, "amount": "12.50"}, "invalid_template"),
        ({**PAYMENT, "service": "nope"}, "unknown_service"),
    ],
)
def test_validated_before_anything_is_sent(
    browser: Browser, simulator: Simulator, linked: User, query: dict[str, str], code: str
) -> None:
    simulator.clear_log()
    response = browser.get("/confirm/", data=query)
    assert response.status_code == 400
    assert response.content.decode() == f"refused before sending: {code}"
    assert Confirmation.objects.count() == 0
    assert simulator.requests == []


def test_user_without_identity(browser: Browser, simulator: Simulator) -> None:
    browser.client.force_login(User.objects.create_user("ann"))
    response = browser.get("/confirm/", data=PAYMENT)
    assert response.content.decode() == "refused before sending: not_linked"
    browser.client.logout()
    response = browser.get("/confirm/", data=PAYMENT)
    assert response.content.decode() == "refused before sending: not_linked"
    assert Confirmation.objects.count() == 0


def test_stale_pending_confirmations_expire(browser: Browser, linked: User) -> None:
    start(browser, **PAYMENT)
    stale = Confirmation.objects.get()
    Confirmation.objects.filter(pk=stale.pk).update(
        created_at=stale.created_at.replace(year=stale.created_at.year - 1)
    )
    start(browser, **PAYMENT)
    stale.refresh_from_db()
    assert stale.status == Confirmation.Status.EXPIRED
    assert Confirmation.objects.filter(status="pending").count() == 1


# --------------------------------------------------------------------------- evidence
@pytest.fixture
def approved(browser: Browser, linked: User) -> Confirmation:
    run(browser, **PAYMENT)
    return Confirmation.objects.get()


def test_evidence_binds_nonce_to_content(approved: Confirmation) -> None:
    assert approved.nonce == bind_nonce(
        transaction_id=str(approved.pk), salt=approved.salt, content=approved.content
    )
    assert json.loads(approved.content) == {
        "template": "adv_payment",
        "amount": "1250",
        "currency": "EUR",
        "iban": "BE68539007547034",
    }


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("content", lambda c: c.replace("1250", "9250"), "nonce does not match"),
        ("salt", lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), "nonce does not match"),
        ("sub", lambda s: sub_of("bruno"), "another user"),
        (
            "id_token",
            lambda t: t[:-6] + ("AAAAAA" if t[-6:] != "AAAAAA" else "BBBBBB"),
            "signature",
        ),
        ("id_token", lambda t: t.split(".")[0] + ".e30." + t.split(".")[2], "signature"),
        ("signing_key", lambda k: {**k, "n": k["n"][:-4] + "AAAA"}, "signature"),
        ("signing_key", lambda k: {**k, "kid": "other"}, "another key"),
        ("signing_key", lambda k: {**k, "d": "x"}, "not a public RSA key"),
        ("issuer", lambda i: "https://evil.example/v2", "recorded for another environment"),
        ("client_id", lambda c: "OTHER", "recorded for another environment or client"),
    ],
)
def test_tampering_breaks_verification(
    approved: Confirmation, field: str, change: Any, message: str
) -> None:
    approved.verify()
    setattr(approved, field, change(getattr(approved, field)))
    with pytest.raises(EvidenceError, match=message):
        approved.verify()


def test_verify_command(approved: Confirmation) -> None:
    out = Capture()
    call_command("itsme_verify_confirmation", str(approved.pk), "--online", stdout=out)
    text = out.getvalue()
    assert f"VALID {approved.pk}: itsme signed an approval by sub {approved.sub[:8]}" in text
    assert "'1250 EUR to BE68 5390 0754 7034' (from the signed content" in text
    assert "vouched for by itsme live JWKS" in text
    assert "not covered by the evidence: user=" in text
    assert "service=confirm service_code=TEST_CONFIRM status=approved" in text
    call_command("itsme_verify_confirmation", "--all", "--online", stdout=out)
    assert "1 confirmations verified." in out.getvalue()
    Confirmation.objects.filter(pk=approved.pk).update(content=approved.content.replace("1", "2"))
    out = Capture()
    with pytest.raises(CommandError, match="1 of 1 confirmations do not verify") as caught:
        call_command("itsme_verify_confirmation", str(approved.pk), "--online", stdout=out)
    assert caught.value.returncode == 1
    assert f"MISMATCH {approved.pk}" in out.getvalue()


def test_verify_command_offline_without_archive_is_not_anchored(approved: Confirmation) -> None:
    out = Capture()
    with pytest.raises(CommandError, match="no trust anchor") as caught:
        call_command("itsme_verify_confirmation", str(approved.pk), stdout=out)
    assert caught.value.returncode == 3
    assert "No trust anchor: KEY_ARCHIVE is not set" in out.getvalue()
    assert f"NOT ANCHORED {approved.pk}: Signature valid but key not anchored" in out.getvalue()


def test_verify_command_arguments(approved: Confirmation) -> None:
    with pytest.raises(CommandError, match="ids, or --all") as caught:
        call_command("itsme_verify_confirmation")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="UUIDs"):
        call_command("itsme_verify_confirmation", "not-a-uuid")
    with pytest.raises(CommandError, match="No confirmation") as caught:
        call_command("itsme_verify_confirmation", "00000000-0000-0000-0000-000000000000")
    assert caught.value.returncode == 2


def test_admin_shows_evidence_read_only(admin_client: Any, approved: Confirmation) -> None:
    url = f"/admin/django_itsme/confirmation/{approved.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "valid: itsme signed this approval" in page
    assert "vouched for by itsme live JWKS" in page
    assert "Not covered by the evidence" in page
    assert "http://itsme.services/v2/claim/acr_advanced" in page  # the signed level
    assert 'name="content"' not in page
    assert admin_client.get("/admin/django_itsme/confirmation/add/").status_code == 403
    Confirmation.objects.filter(pk=approved.pk).update(salt="tampered")
    assert "INVALID" in admin_client.get(url).content.decode()
    listing = admin_client.get("/admin/django_itsme/confirmation/", {"q": "BE68"}).content
    assert b"1250 EUR" in listing


def test_next_parameter_keeps_other_query(browser: Browser, linked: User) -> None:
    response = run(browser, **PAYMENT, next="/a/?x=1&y=2")
    location = urlsplit(response["Location"])
    assert parse_qs(location.query) == {
        "x": ["1"],
        "y": ["2"],
        "confirmation": [str(Confirmation.objects.get().pk)],
    }
