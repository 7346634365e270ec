"""One test per fault switch."""

from __future__ import annotations

import base64
import dataclasses
import json
import time

import pytest
import requests
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from django_itsme.simulator import ACR_ADVANCED, Faults, Simulator

from .conftest import RP, TIMEOUT, header_of, payload_of


def id_token(rp: RP) -> str:
    _, tokens = rp.login()
    token: str = tokens["id_token"]
    return token


def decrypt_only(rp: RP, token: str) -> str:
    envelope = jwe.JWE()
    envelope.deserialize(token, key=rp.enc_key)
    inner: str = envelope.payload.decode("utf-8")
    return inner


def test_all_faults_are_off_by_default_and_reset() -> None:
    faults = Faults()
    assert faults.active() == {}
    faults.token_status = 500
    faults.delay["token"] = 1.0
    faults.id_token_extra_claims["x"] = 1
    assert set(faults.active()) == {"token_status", "delay", "id_token_extra_claims"}
    faults.reset()
    assert faults == Faults()
    assert all(
        getattr(faults, item.name) in (None, False, {}) for item in dataclasses.fields(faults)
    )


def test_token_status(rp: RP, sim: Simulator) -> None:
    sim.faults.token_status = 503
    answer = rp.token(rp.authorize())
    assert answer.status_code == 503
    assert answer.json()["error"] == "temporary_unavailable"


def test_token_status_client_error(rp: RP, sim: Simulator) -> None:
    sim.faults.token_status = 400
    answer = rp.token(rp.authorize())
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_userinfo_status(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_status = 500
    answer = rp.userinfo(tokens["access_token"])
    assert answer.status_code == 500
    assert "error" in answer.json()


def test_token_malformed_json(rp: RP, sim: Simulator) -> None:
    sim.faults.token_malformed_json = True
    answer = rp.token(rp.authorize())
    assert answer.status_code == 200
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON decoding error
        json.loads(answer.text)


def test_userinfo_malformed(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_malformed = True
    answer = rp.userinfo(tokens["access_token"])
    assert answer.status_code == 200
    assert answer.text.count(".") not in (2, 4)


def test_discovery_status(sim: Simulator) -> None:
    sim.faults.discovery_status = 500
    answer = requests.get(sim.discovery_url, timeout=TIMEOUT)
    assert answer.status_code == 500
    assert "issuer" not in answer.json()


def test_jwks_status(sim: Simulator) -> None:
    sim.faults.jwks_status = 404
    answer = requests.get(sim.jwks_uri, timeout=TIMEOUT)
    assert answer.status_code == 404
    assert "keys" not in answer.json()


@pytest.mark.parametrize("endpoint", ["discovery", "jwks", "token", "userinfo", "authorization"])
def test_delay(rp: RP, sim: Simulator, endpoint: str) -> None:
    _, tokens = rp.login()
    attempt = rp.authorize()
    sim.faults.delay = {endpoint: 0.3}
    calls = {
        "discovery": lambda: requests.get(sim.discovery_url, timeout=TIMEOUT),
        "jwks": lambda: requests.get(sim.jwks_uri, timeout=TIMEOUT),
        "token": lambda: rp.token(attempt),
        "userinfo": lambda: rp.userinfo(tokens["access_token"]),
        "authorization": rp.authorize,
    }
    started = time.monotonic()
    calls[endpoint]()
    assert time.monotonic() - started >= 0.3


def test_delay_triggers_client_timeout(sim: Simulator) -> None:
    sim.faults.delay = {"discovery": 0.5}
    with pytest.raises(requests.Timeout):
        requests.get(sim.discovery_url, timeout=0.1)
    assert sim.count("/openid-configuration") == 1  # logged on arrival


def test_delay_only_where_configured(rp: RP, sim: Simulator) -> None:
    sim.faults.delay = {"userinfo": 5.0}
    started = time.monotonic()
    requests.get(sim.discovery_url, timeout=TIMEOUT)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("name", "value", "claim"),
    [
        ("id_token_issuer", "https://idp.prd.itsme.services/v2", "iss"),
        ("id_token_audience", "SOMEONE_ELSE", "aud"),
        ("id_token_nonce", "not-your-nonce", "nonce"),
        ("id_token_acr", "http://itsme.services/v2/claim/acr_basic", "acr"),
    ],
)
def test_id_token_overrides(rp: RP, sim: Simulator, name: str, value: str, claim: str) -> None:
    setattr(sim.faults, name, value)
    claims = rp.open(id_token(rp))[0]
    assert claims[claim] == value


def test_id_token_audience_list(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_audience = ["OIDC_TEST", "SOMEONE_ELSE"]
    assert rp.open(id_token(rp))[0]["aud"] == ["OIDC_TEST", "SOMEONE_ELSE"]


def test_id_token_acr_lower_than_requested(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_acr = "http://itsme.services/v2/claim/acr_basic"
    _, tokens = rp.login(extra={"acr_values": ACR_ADVANCED})
    assert rp.open(tokens["id_token"])[0]["acr"].endswith("acr_basic")


def test_id_token_expired(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_expired = True
    claims = rp.open(id_token(rp))[0]
    assert claims["exp"] < time.time()
    assert claims["exp"] - claims["iat"] == 300


def test_id_token_issued_in_future(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_issued_in_future = True
    claims = rp.open(id_token(rp))[0]
    assert claims["iat"] > time.time() + 300


def test_id_token_unsigned(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_unsigned = True
    inner = decrypt_only(rp, id_token(rp))
    assert header_of(inner) == {"alg": "none", "typ": "JWT"}
    assert inner.endswith(".")
    assert payload_of(inner)["aud"] == "OIDC_TEST"


def test_id_token_unencrypted(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_unencrypted = True
    token = id_token(rp)
    assert token.count(".") == 2
    assert header_of(token)["alg"] == "RS256"
    assert payload_of(token)["iss"] == sim.issuer


def test_id_token_hs256(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_hs256 = True
    inner = decrypt_only(rp, id_token(rp))
    assert header_of(inner)["alg"] == "HS256"
    # The secret is the provider's public key in PEM: the classic algorithm-confusion attack.
    public = jwk.JWK(**sim.public_jwks()["keys"][0])
    secret = public.export_to_pem(private_key=False, password=None)
    signed = jws.JWS()
    signed.deserialize(inner)
    oct_key = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(secret).rstrip(b"=").decode())
    signed.verify(oct_key, alg="HS256")


def test_sign_with_foreign_key(rp: RP, sim: Simulator) -> None:
    sim.faults.sign_with_foreign_key = True
    token = id_token(rp)
    inner = decrypt_only(rp, token)
    assert header_of(inner)["kid"] == "op-sig-1"  # same kid as the published key ...
    with pytest.raises(JWException):  # ... but another key
        rp.open(token)


def test_sign_with_foreign_key_userinfo(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.sign_with_foreign_key = True
    with pytest.raises(JWException):
        rp.open(rp.userinfo(tokens["access_token"]).text)


def test_id_token_drop_acr(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_drop_acr = True
    assert "acr" not in rp.open(id_token(rp))[0]


def test_id_token_extra_claims(rp: RP, sim: Simulator) -> None:
    sim.faults.id_token_extra_claims = {"azp": "SOMEONE", "sub": "replaced"}
    claims = rp.open(id_token(rp))[0]
    assert claims["azp"] == "SOMEONE"
    assert claims["sub"] == "replaced"


def test_userinfo_sub(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_sub = "someone-else"
    assert rp.open(rp.userinfo(tokens["access_token"]).text)[0]["sub"] == "someone-else"


def test_userinfo_extra_claims(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_extra_claims = {"acr": "forged", "nonce": "n"}
    claims = rp.open(rp.userinfo(tokens["access_token"]).text)[0]
    assert (claims["acr"], claims["nonce"]) == ("forged", "n")


def test_userinfo_unencrypted(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_unencrypted = True
    body = rp.userinfo(tokens["access_token"]).text
    assert body.count(".") == 2
    assert header_of(body)["alg"] == "RS256"


def test_userinfo_content_type(rp: RP, sim: Simulator) -> None:
    _, tokens = rp.login()
    sim.faults.userinfo_content_type = "application/json"
    answer = rp.userinfo(tokens["access_token"])
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.text.count(".") == 4  # still a JWE, as the documentation's example


def test_replacing_the_faults_object(rp: RP, sim: Simulator) -> None:
    sim.faults = Faults(id_token_drop_acr=True)
    assert "acr" not in rp.open(id_token(rp))[0]


@pytest.mark.parametrize("endpoint", ["discovery", "jwks", "userinfo"])
def test_raw_body(sim: Simulator, endpoint: str) -> None:
    paths = {"discovery": "/.well-known/openid-configuration", "jwks": "/jwkSet"}
    sim.faults.raw_body = {endpoint: b"[" * 10}
    answer = requests.get(sim.issuer + paths.get(endpoint, "/userinfo"), timeout=10)
    assert (answer.status_code, answer.content) == (200, b"[" * 10)
    sim.faults.reset()
    assert requests.get(sim.discovery_url, timeout=10).json()["issuer"] == sim.issuer


def test_fault_switches_cover_the_brief() -> None:
    expected: set[str] = {
        "token_status",
        "userinfo_status",
        "token_malformed_json",
        "userinfo_malformed",
        "discovery_status",
        "jwks_status",
        "delay",
        "id_token_issuer",
        "id_token_audience",
        "id_token_nonce",
        "id_token_expired",
        "id_token_issued_in_future",
        "id_token_unsigned",
        "id_token_unencrypted",
        "id_token_hs256",
        "sign_with_foreign_key",
        "id_token_acr",
        "id_token_drop_acr",
        "scope_claims_only_in_userinfo",
        "photo_as_picture_url",
        "userinfo_sub",
        "userinfo_unencrypted",
        "userinfo_content_type",
        "raw_body",
        "userinfo_extra_claims",
        "id_token_extra_claims",
        # variants (issue 10): documented itsme behaviours
        "fetch_request_uri_twice",
        "request_object_audience",
        "require_encrypted_client_assertion",
        "request_object_encryption_algs",
        "request_object_encryption_encs",
        "discovery_private_key_jwt_only",
        # error variants (issue 10): how itsme reports errors (protocol notes §9)
        "authorization_error",
        "authorization_error_description",
        "error_redirect_without_state",
        "token_error",
        "token_error_in_error_description",
        "userinfo_invalid_token",
    }
    assert {item.name for item in dataclasses.fields(Faults)} == expected
