"""Every authorization-endpoint rule, each with a failing request (protocol notes §3, §9.1)."""

from __future__ import annotations

import pytest
import requests

from django_itsme.simulator import Simulator
from tests.partner_host import PartnerHost

from .conftest import DROP, RP, TIMEOUT, key_for


def assert_error_page(attempt_response: requests.Response, error: str) -> None:
    assert attempt_response.status_code == 400
    assert "Location" not in attempt_response.headers
    assert attempt_response.headers["Content-Type"].startswith("text/html")
    assert f'<code id="error">{error}</code>' in attempt_response.text


def test_unknown_client_gets_a_page_not_a_redirect(rp: RP, sim: Simulator) -> None:
    attempt = rp.authorize(query={"client_id": "NOBODY"})
    assert_error_page(attempt.response, "invalid_client_id")
    assert sim.authorizations == []


def test_missing_client_id(rp: RP) -> None:
    assert_error_page(rp.authorize(query={"client_id": DROP}).response, "invalid_client_id")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:8000/itsme/callback",  # no trailing slash
        "http://127.0.0.1:8000/ITSME/callback/",  # case
        "http://127.0.0.1:8000/itsme/callback/?x=1",  # extra query
        "https://evil.example/cb",
    ],
)
def test_unregistered_redirect_uri_is_not_followed(rp: RP, redirect_uri: str) -> None:
    attempt = rp.authorize(query={"redirect_uri": redirect_uri})
    assert_error_page(attempt.response, "invalid_redirect_uri")


def test_unregistered_redirect_uri_inside_request_object(rp: RP) -> None:
    attempt = rp.authorize(query={"redirect_uri": DROP}, ro={"redirect_uri": "https://evil/cb"})
    assert_error_page(attempt.response, "invalid_redirect_uri")


def test_no_redirect_uri_anywhere(rp: RP) -> None:
    attempt = rp.authorize(query={"redirect_uri": DROP}, ro={"redirect_uri": DROP})
    assert_error_page(attempt.response, "invalid_redirect_uri")


def test_bad_request_object_without_known_redirect_gives_a_page(rp: RP) -> None:
    attempt = rp.authorize(query={"redirect_uri": DROP}, token="not-a-jwe")
    assert_error_page(attempt.response, "invalid_request_object")


def test_error_page_escapes_input(rp: RP) -> None:
    attempt = rp.authorize(query={"client_id": "<script>alert(1)</script>"})
    assert "<script>alert" not in attempt.response.text
    assert "&lt;script&gt;" in attempt.response.text


def test_missing_request_object(rp: RP) -> None:
    attempt = rp.authorize(via=None)
    assert attempt.error == "invalid_request"
    assert "request object" in attempt.redirect["error_description"]


def test_error_redirect_carries_query_state(rp: RP) -> None:
    attempt = rp.authorize(via=None, query={"state": "s-123"})
    assert attempt.redirect["state"] == "s-123"


def test_request_and_request_uri_together(rp: RP, site: PartnerHost) -> None:
    url = site.publish("/ro/x", "whatever", content_type="application/jwt")
    attempt = rp.authorize(query={"request_uri": url})
    assert attempt.error == "invalid_request"


def test_foreign_signed_request_object(rp: RP, foreign_jwks: dict[str, object]) -> None:
    foreign = key_for(foreign_jwks, "sig")
    attempt = rp.authorize(sign_key=foreign)
    assert attempt.error == "invalid_request_object"
    assert "foreign-sig-1" in attempt.redirect["error_description"]


def test_foreign_key_under_the_clients_kid(rp: RP, foreign_jwks: dict[str, object]) -> None:
    attempt = rp.authorize(sign_key=key_for(foreign_jwks, "sig"), jws_header={"kid": "rp-sig-1"})
    assert attempt.error == "invalid_request_object"
    assert "does not verify" in attempt.redirect["error_description"]


def test_jws_without_kid(rp: RP) -> None:
    assert rp.authorize(jws_header={"kid": DROP}).error == "invalid_request_object"


def test_jws_alg_must_be_rs256(rp: RP) -> None:
    # The header lies about the algorithm; the simulator rejects it before verifying.
    assert rp.authorize(jws_header={"alg": "PS256"}).error == "invalid_request_object"


def test_signed_but_not_encrypted(rp: RP) -> None:
    attempt = rp.authorize(encrypt=False)
    assert attempt.error == "invalid_request_object"
    assert "encrypted" in attempt.redirect["error_description"]


def test_jwe_for_another_key(rp: RP, foreign_jwks: dict[str, object]) -> None:
    foreign_enc = key_for(foreign_jwks, "enc")
    attempt = rp.authorize(enc_key=foreign_enc, jwe_header={"kid": DROP})
    assert attempt.error == "invalid_request_object"


def test_jwe_unknown_kid(rp: RP) -> None:
    assert rp.authorize(jwe_header={"kid": "old-enc"}).error == "invalid_request_object"


def test_jwe_without_cty(rp: RP) -> None:
    assert rp.authorize(jwe_header={"cty": DROP}).error == "invalid_request_object"


def test_jwe_unsupported_enc(rp: RP) -> None:
    assert rp.authorize(jwe_header={"enc": "A192GCM"}).error == "invalid_request_object"


@pytest.mark.parametrize("aud", ["https://idp.prd.itsme.services/v2", DROP, ["x", "y"]])
def test_wrong_audience(rp: RP, aud: object) -> None:
    assert rp.authorize(ro={"aud": aud}).error == "invalid_request_object"


def test_audience_list_containing_issuer(rp: RP, sim: Simulator) -> None:
    assert rp.authorize(ro={"aud": ["x", sim.issuer]}).code


@pytest.mark.parametrize("iss", ["SOMEONE_ELSE", DROP])
def test_wrong_issuer(rp: RP, iss: object) -> None:
    assert rp.authorize(ro={"iss": iss}).error == "invalid_request_object"


def test_expired_request_object(rp: RP) -> None:
    expired = int(rp.clock()) - 10
    assert rp.authorize(ro={"exp": expired}).error == "invalid_request_object"


def test_client_id_mismatch_between_query_and_object(rp: RP) -> None:
    assert rp.authorize(ro={"client_id": "OIDC_OTHER"}).error == "invalid_request"


def test_response_type_mismatch(rp: RP) -> None:
    assert rp.authorize(ro={"response_type": "token"}).error == "invalid_request"


def test_response_type_not_code(rp: RP) -> None:
    attempt = rp.authorize(query={"response_type": "id_token"}, ro={"response_type": "id_token"})
    assert attempt.error == "unsupported_response_type"


@pytest.mark.parametrize("name", ["response_type", "scope"])
def test_query_must_repeat_core_parameters(rp: RP, name: str) -> None:
    assert rp.authorize(query={name: DROP}).error == "invalid_request"


def test_query_scope_without_openid(rp: RP) -> None:
    assert rp.authorize(query={"scope": "service:TEST_LOGIN"}).error == "invalid_scope"


@pytest.mark.parametrize(
    "scope",
    [
        "service:TEST_LOGIN profile",  # no openid in the object
        "openid",  # no service
        "openid service:TEST_LOGIN service:TEST_SHARE",  # two services
        "openid service:UNKNOWN",
        "openid service:OTHER_LOGIN",  # registered for another client
        "openid service:TEST_LOGIN offline_access",
    ],
)
def test_bad_scopes(rp: RP, scope: str) -> None:
    assert rp.authorize(scope=scope, query={"scope": "openid"}).error == "invalid_scope"


def test_missing_pkce_when_enforced(rp: RP) -> None:
    attempt = rp.authorize(pkce=False)
    assert attempt.error == "invalid_request"
    assert "PKCE" in attempt.redirect["error_description"]


def test_pkce_plain_is_refused(rp: RP) -> None:
    attempt = rp.authorize(extra={"code_challenge_method": "plain"})
    assert attempt.error == "invalid_request"


def test_pkce_method_missing(rp: RP) -> None:
    assert rp.authorize(ro={"code_challenge_method": DROP}).error == "invalid_request"


def test_malformed_code_challenge(rp: RP) -> None:
    assert rp.authorize(ro={"code_challenge": "short"}).error == "invalid_request"


def test_share_service_needs_a_claim(rp: RP) -> None:
    attempt = rp.authorize(service="TEST_SHARE")
    assert attempt.error == "invalid_request"
    assert "at least one claim" in attempt.redirect["error_description"]


def test_share_service_with_scope_is_fine(rp: RP) -> None:
    assert rp.authorize(scope="openid service:TEST_SHARE profile").code


def test_share_service_with_claims_is_fine(rp: RP) -> None:
    assert rp.authorize(service="TEST_SHARE", claims={"userinfo": {"email": None}}).code


def test_unknown_sub_is_access_denied(rp: RP) -> None:
    attempt = rp.authorize(claims={"userinfo": {"sub": {"value": "x" * 36}}})
    assert attempt.error == "access_denied"


def test_malformed_claims(rp: RP) -> None:
    assert rp.authorize(extra={"claims": {"userinfo": ["email"]}}).error == "invalid_request"


def test_claims_in_query_must_be_json(rp: RP) -> None:
    attempt = rp.authorize(query={"claims": "{not json"}, ro={"claims": DROP})
    assert attempt.error == "invalid_request"


def test_display_other_than_page(rp: RP) -> None:
    assert rp.authorize(extra={"display": "popup"}).error == "unsupported_display"


def test_duplicated_parameter(rp: RP, sim: Simulator) -> None:
    attempt = rp.authorize()
    url = attempt.response.request.url
    assert url is not None
    answer = requests.get(url + "&state=a&state=b", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["Location"]


def test_non_string_parameter_in_object(rp: RP) -> None:
    assert rp.authorize(extra={"nonce": 12}).error == "invalid_request"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/ro.jwt",
        "ftp://127.0.0.1/ro.jwt",
        "file:///etc/passwd",
        "http://10.0.0.1/ro.jwt",
    ],
)
def test_request_uri_must_be_loopback(rp: RP, url: str) -> None:
    attempt = rp.authorize(via=None, query={"request_uri": url})
    assert attempt.error == "invalid_request_uri"


def test_request_uri_not_found(rp: RP, site: PartnerHost) -> None:
    attempt = rp.authorize(via=None, query={"request_uri": site.url + "/ro/missing"})
    assert attempt.error == "invalid_request_uri"


def test_request_uri_with_bad_content(rp: RP, site: PartnerHost) -> None:
    url = site.publish("/ro/garbage", "garbage", content_type="application/jwt")
    attempt = rp.authorize(via=None, query={"request_uri": url})
    assert attempt.error == "invalid_request_object"


def test_rejected_requests_are_not_recorded(rp: RP, sim: Simulator) -> None:
    rp.authorize(via=None)
    assert sim.authorizations == []
    assert sim.count("/authorization") == 1


# ------------------------------------------------------------------ error variants (issue 10)
def test_refused_request_object_has_no_state_to_echo(rp: RP) -> None:
    # The state travels inside the object itsme could not read (protocol notes §9.1).
    attempt = rp.authorize(jwe_header={"kid": "old-enc"}, ro={"state": "inside-only"})
    assert attempt.error == "invalid_request_object"
    assert "state" not in attempt.redirect


def test_forced_error_echoes_the_state(rp: RP, sim: Simulator) -> None:
    sim.faults.authorization_error = "login_required"
    attempt = rp.authorize(ro={"state": "s-1"})
    assert attempt.redirect == {
        "error": "login_required",
        "error_description": "injected error",
        "state": "s-1",
    }
    assert sim.authorizations == [] or sim.authorizations[-1].code is None


@pytest.mark.parametrize("error", ["invalid_request_object", "invalid_request_uri"])
def test_forced_object_error_echoes_only_a_query_state(rp: RP, sim: Simulator, error: str) -> None:
    sim.faults.authorization_error = error
    assert "state" not in rp.authorize(ro={"state": "inside-only"}).redirect
    attempt = rp.authorize(ro={"state": "inside"}, query={"state": "in-query"})
    assert attempt.redirect["state"] == "in-query"


def test_forced_error_without_description(rp: RP, sim: Simulator) -> None:
    sim.faults.authorization_error = "server_error"
    sim.faults.authorization_error_description = ""
    assert "error_description" not in rp.authorize().redirect


def test_error_redirects_without_state(rp: RP, sim: Simulator) -> None:
    sim.faults.error_redirect_without_state = True
    sim.auto_decision = "refuse"
    refused = rp.authorize(ro={"state": "s-2"})
    assert refused.error == "access_denied"
    assert "state" not in refused.redirect
    invalid = rp.authorize(via=None, query={"state": "s-3"})
    assert invalid.error == "invalid_request"
    assert "state" not in invalid.redirect


def test_faults_reset_turns_error_variants_off(rp: RP, sim: Simulator) -> None:
    sim.faults.authorization_error = "server_error"
    sim.faults.error_redirect_without_state = True
    sim.faults.token_error = "invalid_grant"
    sim.faults.userinfo_invalid_token = "both"
    sim.faults.reset()
    assert sim.faults.active() == {}
    assert rp.authorize().code


@pytest.mark.parametrize("member", ["detail", "error_description"])
def test_token_error_variant(rp: RP, sim: Simulator, member: str) -> None:
    attempt = rp.authorize()
    sim.faults.token_error = "invalid_grant"
    sim.faults.token_error_in_error_description = member == "error_description"
    answer = rp.token(attempt)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", member: "injected invalid_grant"}


@pytest.mark.parametrize(
    ("where", "challenge_error", "body"),
    [
        ("header", True, b""),
        ("body", False, b"invalid_token"),
        ("both", True, b"invalid_token"),
    ],
)
def test_userinfo_invalid_token_variant(
    rp: RP, sim: Simulator, where: str, challenge_error: bool, body: bytes
) -> None:
    _, tokens = rp.login(scope="openid service:TEST_SHARE profile", service="TEST_SHARE")
    sim.faults.userinfo_invalid_token = where
    answer = rp.userinfo(tokens["access_token"])
    assert answer.status_code == 401
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is challenge_error
    assert (body in answer.content) if body else answer.content == b""
