"""Token endpoint: client authentication, code redemption and PKCE (protocol notes §7, §9.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from django_itsme.simulator import Simulator
from tests.partner_host import PartnerHost

from .conftest import DROP, RP, TIMEOUT, FakeClock, key_for, public_of


def error_of(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "detail"}
    return str(body["error"])


def test_success_headers(rp: RP) -> None:
    answer = rp.token(rp.authorize())
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Type"].startswith("application/json")
    assert set(answer.json()) == {"access_token", "token_type", "id_token", "expires_in"}


def test_bad_verifier(rp: RP) -> None:
    answer = rp.token(rp.authorize(), form={"code_verifier": "x" * 64})
    assert error_of(answer) == "invalid_grant"
    assert "code_verifier" in answer.json()["detail"]


@pytest.mark.parametrize("verifier", [DROP, "short", "with spaces " * 5])
def test_missing_or_malformed_verifier(rp: RP, verifier: object) -> None:
    assert error_of(rp.token(rp.authorize(), form={"code_verifier": verifier})) == "invalid_grant"


def test_reused_code(rp: RP) -> None:
    attempt = rp.authorize()
    assert rp.token(attempt).status_code == 200
    again = rp.token(attempt)
    assert error_of(again) == "invalid_grant"
    assert "already used" in again.json()["detail"]


def test_failed_redemption_burns_the_code(rp: RP) -> None:
    attempt = rp.authorize()
    assert error_of(rp.token(attempt, form={"code_verifier": "y" * 50})) == "invalid_grant"
    assert error_of(rp.token(attempt)) == "invalid_grant"


def test_expired_code(rp: RP, clock: FakeClock) -> None:
    attempt = rp.authorize()
    clock.advance(181)
    answer = rp.token(attempt)
    assert error_of(answer) == "invalid_grant"
    assert "expired" in answer.json()["detail"]


def test_code_just_before_expiry(rp: RP, clock: FakeClock) -> None:
    attempt = rp.authorize()
    clock.advance(170)
    assert rp.token(attempt).status_code == 200


def test_unknown_code(rp: RP) -> None:
    assert error_of(rp.token(rp.authorize(), form={"code": "0" * 36})) == "invalid_grant"


def test_code_of_another_client(rp: RP, other_rp: RP) -> None:
    attempt = rp.authorize()
    stolen = other_rp.token(attempt, form={"code_verifier": attempt.verifier})
    assert error_of(stolen) == "invalid_grant"


def test_redirect_uri_mismatch(rp: RP) -> None:
    answer = rp.token(rp.authorize(), form={"redirect_uri": "http://127.0.0.1:8000/other/"})
    assert error_of(answer) == "invalid_grant"


@pytest.mark.parametrize("name", ["code", "redirect_uri", "grant_type"])
def test_missing_parameters(rp: RP, name: str) -> None:
    assert error_of(rp.token(rp.authorize(), form={name: DROP})) == "invalid_request"


def test_wrong_grant_type(rp: RP) -> None:
    answer = rp.token(rp.authorize(), form={"grant_type": "client_credentials"})
    assert error_of(answer) == "unsupported_grant_type"


def test_json_body_is_refused(rp: RP) -> None:
    answer = rp.token(rp.authorize(), content_type="application/json")
    assert error_of(answer) == "invalid_request"


def test_duplicated_parameter(rp: RP) -> None:
    attempt = rp.authorize()
    body = (
        f"grant_type=authorization_code&code={attempt.code}&code={attempt.code}"
        f"&redirect_uri={rp.redirect_uri}&code_verifier={attempt.verifier}"
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        f"&client_assertion={rp.assertion()}"
    )
    answer = requests.post(
        rp.sim.token_endpoint,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert error_of(answer) == "invalid_request"


# ------------------------------------------------------------------ client authentication


def test_reused_jti(rp: RP) -> None:
    assertion = rp.assertion({"jti": "same-jti"})
    assert rp.token(rp.authorize(), assertion=assertion).status_code == 200
    answer = rp.token(rp.authorize(), assertion=rp.assertion({"jti": "same-jti"}))
    assert error_of(answer) == "unauthorized_client"
    assert "jti" in answer.json()["detail"]


@pytest.mark.parametrize(
    "aud",
    [
        "https://idp.prd.itsme.services/v2/token",
        "http://127.0.0.1:1/v2/token",
        ["https://elsewhere/token"],
        DROP,
    ],
)
def test_bad_assertion_audience(rp: RP, aud: object) -> None:
    answer = rp.token(rp.authorize(), assertion=rp.assertion({"aud": aud}))
    assert error_of(answer) == "unauthorized_client"


def test_assertion_audience_alternatives(rp: RP, sim: Simulator) -> None:
    for aud in ([sim.token_endpoint, "x"], sim.issuer):
        assert rp.token(rp.authorize(), assertion=rp.assertion({"aud": aud})).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"sub": "SOMEONE"}, "unauthorized_client"),
        ({"iss": "NOBODY", "sub": "NOBODY"}, "invalid_client"),
        ({"iss": DROP}, "invalid_client"),
        ({"jti": DROP}, "unauthorized_client"),
        ({"jti": "j" * 256}, "unauthorized_client"),
        ({"exp": DROP}, "unauthorized_client"),
        ({"exp": "tomorrow"}, "unauthorized_client"),
        # json.loads reads NaN, and NaN compares false with every time: never "expired".
        ({"exp": float("nan")}, "unauthorized_client"),
    ],
)
def test_bad_assertion_claims(rp: RP, overrides: dict[str, Any], error: str) -> None:
    assert error_of(rp.token(rp.authorize(), assertion=rp.assertion(overrides))) == error


def test_expired_assertion(rp: RP) -> None:
    past = int(rp.clock()) - 1
    assert error_of(rp.token(rp.authorize(), assertion=rp.assertion({"exp": past}))) == (
        "unauthorized_client"
    )


def test_assertion_too_far_ahead(rp: RP) -> None:
    late = int(rp.clock()) + 3600
    answer = rp.token(rp.authorize(), assertion=rp.assertion({"exp": late}))
    assert error_of(answer) == "unauthorized_client"


def test_assertion_signed_by_foreign_key(rp: RP, foreign_jwks: dict[str, Any]) -> None:
    assertion = rp.assertion(sign_key=key_for(foreign_jwks, "sig"))
    assert error_of(rp.token(rp.authorize(), assertion=assertion)) == "unauthorized_client"


def test_assertion_not_a_jwt(rp: RP) -> None:
    assert error_of(rp.token(rp.authorize(), assertion="abc")) == "unauthorized_client"


@pytest.mark.parametrize("name", ["client_assertion", "client_assertion_type"])
def test_missing_client_authentication(rp: RP, name: str) -> None:
    assert error_of(rp.token(rp.authorize(), form={name: DROP})) == "invalid_client"


def test_wrong_assertion_type(rp: RP) -> None:
    answer = rp.token(rp.authorize(), form={"client_assertion_type": "client_secret"})
    assert error_of(answer) == "invalid_client"


def test_client_id_must_match_assertion(rp: RP) -> None:
    answer = rp.token(rp.authorize(), form={"client_id": "OIDC_OTHER"})
    assert error_of(answer) == "invalid_client"


def test_signed_then_encrypted_assertion(rp: RP) -> None:
    answer = rp.token(rp.authorize(), assertion=rp.assertion(encrypt=True))
    assert answer.status_code == 200, answer.text


def test_client_key_rotation_refetches_on_unknown_kid(
    rp: RP, site: PartnerHost, rotated_jwks: dict[str, Any]
) -> None:
    attempt = rp.authorize()  # the simulator caches the old client JWKS now
    fetches = site.hits.count("/jwks.json")
    site.publish("/jwks.json", json.dumps(public_of(rotated_jwks)))
    rotated = RP(sim=rp.sim, site=site, clock=rp.clock, keys=rotated_jwks)
    answer = rotated.token(attempt)
    assert answer.status_code == 200, answer.text
    assert site.hits.count("/jwks.json") == fetches + 1
    claims, _, jwe_header = rotated.open(answer.json()["id_token"])
    assert jwe_header["kid"] == "rp2-enc-1"  # the fresh set's encryption key
    assert claims["aud"] == "OIDC_TEST"


def test_client_jwks_is_cached_briefly(rp: RP, site: PartnerHost, clock: FakeClock) -> None:
    rp.login()
    rp.login()
    assert site.hits.count("/jwks.json") == 1
    clock.advance(61)
    rp.login()
    assert site.hits.count("/jwks.json") == 2


def test_client_jwks_no_cache_header(rp: RP, site: PartnerHost, rp_jwks: dict[str, Any]) -> None:
    site.publish(
        "/jwks.json", json.dumps(public_of(rp_jwks)), headers=[("Cache-Control", "no-store")]
    )
    rp.login()
    assert site.hits.count("/jwks.json") >= 2


def test_forget_client_keys(rp: RP, site: PartnerHost, sim: Simulator) -> None:
    rp.login()
    sim.forget_client_keys()
    rp.login()
    assert site.hits.count("/jwks.json") == 2


def test_client_jwks_unreachable(rp: RP, site: PartnerHost) -> None:
    site.publish("/jwks.json", "oops", status=500)
    attempt = rp.authorize()
    assert attempt.error == "invalid_request_object"
    assert "HTTP 500" in attempt.redirect["error_description"]


def test_client_without_encryption_key(rp: RP, site: PartnerHost, rp_jwks: dict[str, Any]) -> None:
    attempt = rp.authorize()
    signing_only = {"keys": [k for k in public_of(rp_jwks)["keys"] if k["use"] == "sig"]}
    site.publish("/jwks.json", json.dumps(signing_only))
    rp.sim.forget_client_keys()
    answer = rp.token(attempt)
    assert error_of(answer) == "invalid_client"
    assert "enc" in answer.json()["detail"]


def test_get_on_token_endpoint(sim: Simulator) -> None:
    answer = requests.get(sim.token_endpoint, timeout=TIMEOUT)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
