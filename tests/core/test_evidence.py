"""Confirm evidence verified against trust anchors outside the evidence (no Django).

The insider attack of the security review: rewrite the content, recompute the nonce with the
stored salt, re-sign with one's own key under itsme's ``kid``, store that key. The verdict must
be "not anchored", never valid; issuer and client id come from the caller, not the evidence.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from jwcrypto import jwk

from django_itsme.core import ItsmeClient, jose
from django_itsme.core.confirm import PaymentTemplate
from django_itsme.core.errors import TransportError
from django_itsme.core.evidence import (
    Evidence,
    EvidenceError,
    KnownKeysAnchor,
    LiveKeysAnchor,
    UnanchoredKeyError,
    bind_nonce,
    generate_salt,
    verify_evidence,
)
from django_itsme.core.key_archive import ArchiveAnchor, KeyArchive, merge_keys, rsa_thumbprint
from django_itsme.simulator import Simulator
from tests import keyfiles
from tests.core.conftest import CLIENT_ID, follow, make_client

ISSUER = "https://idp.prd.itsme.services/v2"
SUB = "6g2k9rgglem2dttw5d51ulkxpv24phwatiu6"
TRANSACTION = "0b9f4c1e-2f7a-4d5e-9a43-3c2b1d0e8f61"
CONTENT = PaymentTemplate("1250", "EUR", "BE68539007547034").canonical()
FORGED = PaymentTemplate("9999", "EUR", "NL91ABNA0417164300").canonical()


def private_sig(path: Any, kid: str | None = None) -> jwk.JWK:
    (key,) = [k for k in keyfiles.load(path)["keys"] if k["use"] == "sig"]
    return jwk.JWK(**({**key, "kid": kid} if kid else key))


ITSME_KEY = private_sig(keyfiles.PROVIDER_PRIVATE)
ITSME_PUBLIC: dict[str, Any] = ITSME_KEY.export_public(as_dict=True)
FOREIGN_PUBLIC: dict[str, Any] = private_sig(keyfiles.FOREIGN_PRIVATE).export_public(as_dict=True)
ARCHIVE, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[ITSME_PUBLIC], now=1_795_000_000)
ARCHIVE_ANCHOR = ArchiveAnchor(ARCHIVE, "keys.json")


def evidence(
    *, content: str = CONTENT, key: jwk.JWK = ITSME_KEY, salt: str = "salt", **claims: Any
) -> Evidence:
    nonce = bind_nonce(transaction_id=TRANSACTION, salt=salt, content=content)
    signed = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": SUB,
        "nonce": nonce,
        "iat": 1_795_000_100,
        "exp": 1_795_000_400,
        "acr": "http://itsme.services/v2/claim/acr_advanced",
        **claims,
    }
    return Evidence(
        id_token=jose.sign(signed, key),
        signing_key=key.export_public(as_dict=True),
        transaction_id=TRANSACTION,
        salt=salt,
        content=content,
        sub=SUB,
        issuer=ISSUER,
        client_id=CLIENT_ID,
    )


def verify(item: Evidence, *anchors: Any) -> Any:
    return verify_evidence(item, issuer=ISSUER, client_id=CLIENT_ID, anchors=anchors)


def test_genuine_evidence_is_vouched_for_by_the_archive() -> None:
    result = verify(evidence(), ARCHIVE_ANCHOR)
    assert result.anchor.startswith("key archive keys.json (first seen 2026-")
    assert result.kid == ITSME_PUBLIC["kid"]
    assert result.thumbprint == rsa_thumbprint(ITSME_PUBLIC)
    assert result.claims["sub"] == SUB
    assert result.notes == ()


def test_without_anchors_nothing_is_valid() -> None:
    with pytest.raises(UnanchoredKeyError, match="Signature valid but key not anchored") as caught:
        verify(evidence())
    assert caught.value.code == "evidence_unanchored"
    assert isinstance(caught.value, EvidenceError)  # callers catching EvidenceError refuse it
    assert caught.value.thumbprint == rsa_thumbprint(ITSME_PUBLIC)


@pytest.mark.attack
def test_insider_resigned_content_is_not_anchored() -> None:
    """Content rewritten, nonce recomputed with the stored salt, token re-signed with the
    insider's key under itsme's kid, that key stored: the signature verifies, the key is
    nobody's."""
    insider = private_sig(keyfiles.FOREIGN_PRIVATE, kid=str(ITSME_PUBLIC["kid"]))
    forged = evidence(content=FORGED, key=insider)
    with pytest.raises(UnanchoredKeyError, match="not anchored") as caught:
        verify(forged, ARCHIVE_ANCHOR, KnownKeysAnchor(ISSUER, [ITSME_PUBLIC]))
    assert caught.value.kid == ITSME_PUBLIC["kid"]
    assert "private" not in str(caught.value)


@pytest.mark.attack
@pytest.mark.parametrize(
    ("recorded", "claims"),
    [
        ({"issuer": "https://evil.example/v2"}, {"iss": "https://evil.example/v2"}),
        ({"client_id": "OTHER"}, {"aud": "OTHER"}),
        ({"issuer": "https://idp.e2e.itsme.services/v2"}, {}),
    ],
)
def test_issuer_and_client_come_from_the_caller(
    recorded: dict[str, str], claims: dict[str, str]
) -> None:
    forged = dataclasses.replace(evidence(**claims), **recorded)
    with pytest.raises(EvidenceError, match="recorded for another environment") as caught:
        verify(forged, ARCHIVE_ANCHOR)
    assert caught.value.code == "evidence_other_environment"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.example/v2"}, "issued by someone else"),
        ({"aud": "OTHER"}, "another client"),
        ({"aud": ["OTHER", "ALSO_OTHER"]}, "another client"),
        ({"sub": "someone-else"}, "another user"),
        ({"nonce": "x" * 43}, "nonce does not match"),
    ],
)
def test_token_claims_checked_against_the_caller(claims: dict[str, Any], message: str) -> None:
    with pytest.raises(EvidenceError, match=message) as caught:
        verify(evidence(**claims), ARCHIVE_ANCHOR)
    assert not isinstance(caught.value, UnanchoredKeyError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"content": FORGED}, "nonce does not match"),
        ({"salt": generate_salt()}, "nonce does not match"),
        ({"transaction_id": "another"}, "nonce does not match"),
        ({"sub": "someone-else"}, "another user"),
        ({"signing_key": {**ITSME_PUBLIC, "kid": "other"}}, "another key"),
        ({"signing_key": {**ITSME_PUBLIC, "d": "x"}}, "not a public RSA key"),
        ({"signing_key": ["not", "a", "key"]}, "not a public RSA key"),
        ({"signing_key": {**ITSME_PUBLIC, "n": 5}}, "not a public RSA key"),
        ({"id_token": "a.b.c"}, "signature does not verify"),
        ({"id_token": "not a token"}, "signature does not verify|not a signed JWT"),
    ],
)
def test_tampering_is_a_mismatch_not_unanchored(change: dict[str, Any], message: str) -> None:
    with pytest.raises(EvidenceError, match=message) as caught:
        verify(dataclasses.replace(evidence(), **change), ARCHIVE_ANCHOR)
    assert not isinstance(caught.value, UnanchoredKeyError)


def test_tampered_signature_is_a_mismatch() -> None:
    item = evidence()
    head, body, _signature = item.id_token.split(".")
    other = jose.sign(json.loads('{"x": 1}'), ITSME_KEY).split(".")[2]
    with pytest.raises(EvidenceError, match="signature does not verify"):
        verify(dataclasses.replace(item, id_token=f"{head}.{body}.{other}"), ARCHIVE_ANCHOR)


def test_anchors_are_asked_in_order_and_failures_noted() -> None:
    def unreachable(kid: str) -> dict[str, Any]:
        raise TransportError("itsme could not be reached.")

    live = LiveKeysAnchor(ISSUER, unreachable)
    result = verify(evidence(), live, ARCHIVE_ANCHOR)
    assert result.anchor.startswith("key archive")
    assert result.notes == (
        "itsme live JWKS: could not answer [transport_error]: itsme could not be reached.",
    )
    with pytest.raises(UnanchoredKeyError) as caught:
        verify(evidence(), live)
    assert caught.value.notes == result.notes


def test_known_keys_anchor_matches_issuer_and_key() -> None:
    assert verify(evidence(), KnownKeysAnchor(ISSUER, [ITSME_PUBLIC])).anchor == "itsme live JWKS"
    for anchor in (
        KnownKeysAnchor("https://idp.e2e.itsme.services/v2", [ITSME_PUBLIC]),
        KnownKeysAnchor(ISSUER, [{"kty": "EC"}, FOREIGN_PUBLIC]),
    ):
        with pytest.raises(UnanchoredKeyError):
            verify(evidence(), anchor)


def test_live_anchor_and_archive_against_the_simulator(
    simulator: Simulator, client: ItsmeClient
) -> None:
    """A real Confirm approval, verified against the simulator's live JWKS (through the
    client's cache); once itsme rotates the key away, only an archive made while it was
    published still vouches for it."""
    template = PaymentTemplate("1250", "EUR", "BE68539007547034")
    salt = generate_salt()
    nonce = bind_nonce(transaction_id="t-1", salt=salt, content=template.canonical())
    auth = client.build_authentication_request("confirm", template=template, nonce=nonce)
    details = client.get_user_details(
        client.parse_callback(follow(auth).params, expected_state=auth.state),
        redirect_uri=auth.redirect_uri,
        nonce=nonce,
        code_verifier=auth.code_verifier,
        service="confirm",
    )
    item = Evidence(
        id_token=details.id_token.compact,
        signing_key=details.signing_key,
        transaction_id="t-1",
        salt=salt,
        content=template.canonical(),
        sub=details.sub,
        issuer=simulator.issuer,
        client_id=CLIENT_ID,
    )
    live = LiveKeysAnchor(simulator.issuer, client.provider_keys().public_jwk)
    published = client.provider_keys().public_keys()
    archived, _ = merge_keys(KeyArchive(), issuer=simulator.issuer, keys=published, now=0)
    archive = ArchiveAnchor(archived, "keys.json")

    def check(*anchors: Any) -> Any:
        return verify_evidence(item, issuer=simulator.issuer, client_id=CLIENT_ID, anchors=anchors)

    assert check(live).anchor == "itsme live JWKS"
    simulator.rotate_keys()
    later = make_client(simulator)  # a new process: nothing cached
    live = LiveKeysAnchor(simulator.issuer, later.provider_keys().public_jwk)
    with pytest.raises(UnanchoredKeyError) as caught:
        check(live)  # the kid is gone, even after the one refetch
    (note,) = caught.value.notes
    assert note.startswith("itsme live JWKS: could not answer [")
    result = check(live, archive)
    assert result.anchor == (
        "key archive keys.json (first seen 1970-01-01T00:00:00Z, last seen 1970-01-01T00:00:00Z)"
    )
    assert result.notes == (note,)
