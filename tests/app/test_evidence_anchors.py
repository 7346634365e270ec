"""Confirm evidence is anchored outside the row it proves (issue 9, section 2).

An insider who can write the database rewrites an approved payment, recomputes the nonce with the
stored salt (``bind_nonce`` is public), re-signs the ID token with their own RSA key under the
same ``kid`` and stores that key in the row. Verification must then never say "valid": the key is
unknown to every trust anchor (``KEY_ARCHIVE``, itsme's live JWKS).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import checks as django_checks
from django.core.cache import caches
from django.core.management import CommandError, call_command
from jwcrypto import jwk
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from django_itsme.anchors import evidence_anchors
from django_itsme.checks import ITSME_TAG, run_checks
from django_itsme.core import jose
from django_itsme.core.evidence import EvidenceError, bind_nonce
from django_itsme.core.key_archive import KeyArchive, rsa_thumbprint, write_archive
from django_itsme.itsme_client import clear_client
from django_itsme.models import Confirmation, ItsmeIdentity
from django_itsme.simulator import RegisteredClient, Simulator
from tests import keyfiles
from tests.app.conftest import CLIENT_ID, SERVICE_TYPES, Browser, Capture, set_itsme

pytestmark = pytest.mark.simulator

PAYMENT = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
#: The insider's payment: another amount, to their own account (an example IBAN, ISO 13616).
FORGED_CONTENT = {
    "template": "adv_payment",
    "amount": "9999",
    "currency": "EUR",
    "iban": "NL91ABNA0417164300",
}


@pytest.fixture
def approved(browser: Browser) -> Confirmation:
    """alice logged in with itsme, then approved a payment."""
    assert browser.flow().status_code == 302
    assert ItsmeIdentity.objects.count() == 1
    response = browser.get("/confirm/", data=PAYMENT)
    assert response.status_code == 302, response.content
    browser.finish(browser.at_itsme(str(response["Location"])))
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.APPROVED
    return confirmation


def signed_claims(compact: str) -> dict[str, Any]:
    payload = compact.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def insider_key(kid: str) -> jwk.JWK:
    """A stranger's RSA key, named with itsme's ``kid``."""
    (sig,) = [k for k in keyfiles.load(keyfiles.FOREIGN_PRIVATE)["keys"] if k["use"] == "sig"]
    return jwk.JWK(**{**sig, "kid": kid})


def forge(confirmation: Confirmation, **claim_changes: Any) -> Confirmation:
    """Rewrite the row as an insider would: new content, matching nonce, token re-signed with
    the insider's key under the same kid, and that key stored as "itsme's signing key"."""
    content = json.dumps(FORGED_CONTENT, sort_keys=True, separators=(",", ":"))
    nonce = bind_nonce(transaction_id=str(confirmation.pk), salt=confirmation.salt, content=content)
    kid = str(jose.read_header(confirmation.id_token)["kid"])
    key = insider_key(kid)
    claims = {**signed_claims(confirmation.id_token), "nonce": nonce, **claim_changes}
    changes: dict[str, Any] = {
        "content": content,
        "description": "9999 EUR to NL91 ABNA 0417 1643 00",
        "nonce": nonce,
        "id_token": jose.sign(claims, key),
        "signing_key": key.export_public(as_dict=True),
    }
    if "iss" in claim_changes:
        changes["issuer"] = claim_changes["iss"]
    if "aud" in claim_changes:
        changes["client_id"] = claim_changes["aud"]
    Confirmation.objects.filter(pk=confirmation.pk).update(**changes)
    return Confirmation.objects.get(pk=confirmation.pk)


@pytest.mark.attack
def test_insider_resigned_payment_is_not_valid(approved: Confirmation) -> None:
    forged = forge(approved)
    with pytest.raises(EvidenceError, match="not anchored"):
        forged.verify()
    with pytest.raises(EvidenceError, match="not anchored"):
        forged.verify(online=False)


@pytest.mark.attack
def test_insider_resigned_payment_fails_the_command(approved: Confirmation) -> None:
    forge(approved)
    out = Capture()
    with pytest.raises(CommandError) as caught:
        call_command("itsme_verify_confirmation", str(approved.pk), stdout=out)
    assert caught.value.returncode == 3
    assert f"NOT ANCHORED {approved.pk}" in out.getvalue()
    assert "VALID" not in out.getvalue().replace("NOT ANCHORED", "")


@pytest.mark.attack
def test_insider_resigned_payment_is_flagged_in_the_admin(
    admin_client: Any, approved: Confirmation
) -> None:
    forge(approved)
    page = admin_client.get(f"/admin/django_itsme/confirmation/{approved.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "NOT ANCHORED" in text
    assert "valid: itsme signed" not in text


@pytest.mark.attack
@pytest.mark.parametrize(
    "claim_changes",
    [
        {"iss": "https://evil.example/v2"},
        {"aud": "OTHER_CLIENT"},
        {"iss": "https://evil.example/v2", "aud": "OTHER_CLIENT"},
    ],
)
def test_insider_rewritten_issuer_or_client_is_a_mismatch(
    approved: Confirmation, claim_changes: dict[str, str]
) -> None:
    """Issuer and client id come from the settings, never from the row."""
    forged = forge(approved, **claim_changes)
    with pytest.raises(EvidenceError, match=r"another environment|another client") as caught:
        forged.verify()
    assert "not anchored" not in str(caught.value)


@pytest.mark.attack
def test_row_issuer_rewritten_alone_is_reported_explicitly(approved: Confirmation) -> None:
    Confirmation.objects.filter(pk=approved.pk).update(issuer="https://idp.e2e.itsme.services/v2")
    approved.refresh_from_db()
    with pytest.raises(EvidenceError, match="recorded for another environment") as caught:
        approved.verify()
    assert caught.value.code == "evidence_other_environment"


def test_genuine_evidence_is_vouched_for_by_the_live_jwks(approved: Confirmation) -> None:
    result = approved.check_evidence(online=True)
    assert result.anchor.startswith("itsme live JWKS")
    assert result.claims["sub"] == approved.sub


@pytest.mark.attack
def test_identity_admin_user_cannot_be_reassigned(admin_client: Any) -> None:
    user = User.objects.create_user("ann")
    other = User.objects.create_user("mallory")
    identity = ItsmeIdentity.objects.create(user=user, sub="sub-ann-123")
    url = f"/admin/django_itsme/itsmeidentity/{identity.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="user"' not in page.content
    assert b'name="sub"' not in page.content
    admin_client.post(url, {"user": other.pk, "sub": "sub-mallory"})
    identity.refresh_from_db()
    assert (identity.user_id, identity.sub) == (user.pk, "sub-ann-123")


# --------------------------------------------------------------------------- the key archive
def archive_keys(*args: str) -> str:
    out = Capture()
    call_command("itsme_archive_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def archive_path(tmp_path: Path, settings: SettingsWrapper, itsme: dict[str, Any]) -> Path:
    """``KEY_ARCHIVE`` set to a file that does not exist yet."""
    path = tmp_path / "itsme_keys.json"
    set_itsme(settings, KEY_ARCHIVE=str(path))
    return path


def test_archive_command_creates_updates_and_lists(
    archive_path: Path, simulator: Simulator
) -> None:
    (published,) = [k for k in simulator.public_jwks()["keys"] if k["use"] == "sig"]
    thumbprint = rsa_thumbprint(published)
    first = archive_keys()
    assert f"added {simulator.issuer} kid={published['kid']} thumbprint={thumbprint}" in first
    assert "1 added, 0 already archived" in first
    document = json.loads(archive_path.read_text())
    (entry,) = document["keys"]
    assert entry["thumbprint"] == thumbprint
    assert entry["issuer"] == simulator.issuer
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(entry["jwk"])
    assert "0 added, 1 already archived" in archive_keys()
    listing = archive_keys("--list")
    assert f"{archive_path}: 1 keys" in listing
    assert f"kid={published['kid']} thumbprint={thumbprint}" in listing
    requests_before = len(simulator.requests)
    archive_keys("--list")
    assert len(simulator.requests) == requests_before  # listing fetches nothing


@pytest.fixture
def own_simulator(
    live_server: LiveServer, settings: SettingsWrapper, archive_path: Path
) -> Iterator[Simulator]:
    """A simulator of this test's own (its keys get rotated), with ``ITSME`` pointed at it."""
    client = RegisteredClient(
        client_id=CLIENT_ID,
        jwks_uri=live_server.url + "/itsme/jwks.json",
        redirect_uris=[live_server.url + "/itsme/callback/"],
        services=dict(SERVICE_TYPES),
    )
    with Simulator(clients=[client], auto_approve="alice") as sim:
        set_itsme(settings, ENVIRONMENT=sim.issuer)
        yield sim
        caches["default"].clear()


def test_archive_command_never_drops_a_rotated_key(own_simulator: Simulator) -> None:
    archive_keys()
    own_simulator.rotate_keys()
    second = archive_keys()
    assert "1 added, 0 already archived (last_seen updated), 2 keys in all." in second
    assert ": 2 keys" in archive_keys("--list")


def test_archive_command_refuses_an_invalid_archive(archive_path: Path) -> None:
    archive_path.write_text('{"format": "something else"}')
    with pytest.raises(CommandError, match="not a 'django-itsme/key-archive/v1'") as caught:
        archive_keys()
    assert caught.value.returncode == 1
    assert archive_path.read_text() == '{"format": "something else"}'  # never overwritten


def test_archive_command_needs_a_path(itsme: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="KEY_ARCHIVE") as caught:
        archive_keys()
    assert caught.value.returncode == 1


def test_archive_command_with_itsme_unreachable(
    archive_path: Path, settings: SettingsWrapper
) -> None:
    set_itsme(settings, ENVIRONMENT="http://127.0.0.1:9/v2")
    with pytest.raises(CommandError, match="could not be fetched") as caught:
        archive_keys()
    assert caught.value.returncode == 2
    assert not archive_path.exists()


def test_archived_key_anchors_evidence_offline(
    approved: Confirmation, archive_path: Path, simulator: Simulator
) -> None:
    archive_keys()
    result = approved.check_evidence(online=False)
    assert result.anchor.startswith(f"key archive {archive_path} (first seen ")
    out = Capture()
    call_command("itsme_verify_confirmation", str(approved.pk), stdout=out)
    assert f"VALID {approved.pk}" in out.getvalue()
    assert f"vouched for by key archive {archive_path}" in out.getvalue()
    assert "1 confirmations verified." in out.getvalue()


@pytest.mark.attack
def test_archive_does_not_vouch_for_the_insiders_key(
    approved: Confirmation, archive_path: Path
) -> None:
    archive_keys()
    forged = forge(approved)
    with pytest.raises(EvidenceError, match="not anchored"):
        forged.check_evidence(online=True)


def test_archive_outlives_itsme_key_rotation(
    browser: Browser, own_simulator: Simulator, archive_path: Path
) -> None:
    """Evidence signed with a key itsme has since rotated away: itsme's live JWKS no longer
    knows it; the archive made while it was published still does."""
    assert browser.flow().status_code == 302
    response = browser.get("/confirm/", data=PAYMENT)
    browser.finish(browser.at_itsme(str(response["Location"])))
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.APPROVED
    assert confirmation.check_evidence(online=True).anchor == "itsme live JWKS"
    archive_keys()
    assert confirmation.check_evidence(online=True).anchor.startswith("key archive")
    own_simulator.rotate_keys()
    caches["default"].clear()
    clear_client()
    live_only = evidence_anchors(online=True)[1:]
    with pytest.raises(EvidenceError, match="not anchored"):
        confirmation.check_evidence(anchors=live_only)
    result = confirmation.check_evidence(online=False)
    assert result.anchor.startswith(f"key archive {archive_path} (first seen")


def test_unreadable_archive_is_named_never_a_500(
    admin_client: Any, approved: Confirmation, archive_path: Path
) -> None:
    archive_path.write_text("{not json")
    page = admin_client.get(f"/admin/django_itsme/confirmation/{approved.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "valid: itsme signed" in text  # the live JWKS still vouches
    out = Capture()
    with pytest.raises(
        CommandError, match="KEY_ARCHIVE: The key archive is not valid JSON"
    ) as caught:
        call_command("itsme_verify_confirmation", "--all", stdout=out)
    assert caught.value.returncode == 2
    with pytest.raises(EvidenceError, match="not anchored") as unanchored:
        approved.check_evidence(online=False)
    assert "could not answer [key_archive_error]" in unanchored.value.notes[0]  # type: ignore[attr-defined]


def test_admin_shows_the_anchor_and_what_is_not_covered(
    admin_client: Any, approved: Confirmation, archive_path: Path
) -> None:
    archive_keys()
    Confirmation.objects.filter(pk=approved.pk).update(
        description="rewritten description", service="other", acr="basic"
    )
    page = admin_client.get(f"/admin/django_itsme/confirmation/{approved.pk}/change/")
    text = page.content.decode()
    assert f"vouched for by key archive {archive_path} (first seen" in text
    assert "1250 EUR to BE68 5390 0754 7034" in text  # derived from the bound content
    covered, not_covered = text.split("Not covered by the evidence", 1)
    assert "rewritten description" not in covered
    assert "rewritten description" in not_covered
    listing = admin_client.get("/admin/django_itsme/confirmation/").content.decode()
    assert "1250 EUR to BE68 5390 0754 7034" in listing
    assert "rewritten description" not in listing


def test_approval_is_checked_against_the_live_key(approved: Confirmation) -> None:
    """No archive is configured: the approval still succeeded, because the check at approval
    time is anchored on the key the client had just fetched, not on the stored copy."""
    with pytest.raises(EvidenceError, match="not anchored"):
        approved.check_evidence(online=False)
    assert approved.check_evidence(online=True).anchor == "itsme live JWKS"


# --------------------------------------------------------------------------- system checks
def check_ids() -> list[str]:
    return [m.id for m in run_checks() if m.id in ANCHOR_CHECKS]


ANCHOR_CHECKS = {"django_itsme.E026", "django_itsme.E027", "django_itsme.W005"}


def test_checks_key_archive(tmp_path: Path, settings: SettingsWrapper) -> None:
    path = tmp_path / "keys.json"
    assert check_ids() == []
    set_itsme(settings, KEY_ARCHIVE=str(path))
    assert check_ids() == ["django_itsme.W005"]
    write_archive(path, KeyArchive())
    assert check_ids() == []
    set_itsme(settings, KEY_ARCHIVE=path)  # a Path works too
    assert check_ids() == []
    path.write_text('{"format": "django-itsme/key-archive/v1", "keys": [{"jwk": {"d": "x"}}]}')
    assert check_ids() == ["django_itsme.E027"]
    path.write_text("[")
    (message,) = [m for m in run_checks() if m.id == "django_itsme.E027"]
    assert message.msg == "KEY_ARCHIVE: The key archive is not valid JSON (JSONDecodeError)."
    assert message.obj == "ITSME['KEY_ARCHIVE']"
    for wrong in (3, "", ["keys.json"]):
        set_itsme(settings, KEY_ARCHIVE=wrong)
        assert check_ids() == ["django_itsme.E026"]


def test_deploy_check_confirm_without_archive(tmp_path: Path, settings: SettingsWrapper) -> None:
    def deploy_ids() -> list[str]:
        found = django_checks.run_checks(include_deployment_checks=True, tags=[ITSME_TAG])
        return [m.id for m in found if m.id == "django_itsme.W004"]

    assert deploy_ids() == ["django_itsme.W004"]  # the test settings have a "confirm" service
    assert [m.id for m in django_checks.run_checks(tags=[ITSME_TAG])].count(
        "django_itsme.W004"
    ) == 0
    set_itsme(settings, SERVICES={"login": {"CODE": "L"}, "pay": {"CODE": "ACME_APPROVAL"}})
    assert deploy_ids() == ["django_itsme.W004"]
    set_itsme(settings, SERVICES={"login": {"CODE": "L"}})
    assert deploy_ids() == []
    set_itsme(settings, SERVICES={"confirm": {"CODE": "C"}}, KEY_ARCHIVE=str(tmp_path / "k.json"))
    assert deploy_ids() == []
