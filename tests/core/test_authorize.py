"""The authorization request as the simulator decodes it, and the authorization response."""

from __future__ import annotations

import hashlib
from base64 import urlsafe_b64encode
from urllib.parse import parse_qs, urlsplit

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.authorize import (
    REQUEST_OBJECT_LIFETIME,
    build_authorization_url,
    check_request_uri,
    parse_authorization_response,
)
from django_itsme.core.confirm import FreeTextTemplate, PaymentTemplate
from django_itsme.core.errors import AuthorizationDenied, ClaimValidationError, ConfigurationError
from django_itsme.simulator import IDENTITIES, Simulator
from tests.core.conftest import CLIENT_ID, REDIRECT_URI, follow
from tests.partner_host import PartnerHost

CLAIM = "http://itsme.services/v2/claim/"


def s256(verifier: str) -> str:
    return urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_query_carries_only_routing_parameters(client: ItsmeClient, simulator: Simulator) -> None:
    auth = client.build_authentication_request("login")
    parts = urlsplit(auth.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == simulator.issuer + "/authorization"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(query) == {"response_type", "client_id", "scope", "redirect_uri", "request"}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["scope"] == "openid service:TEST_LOGIN"
    assert query["redirect_uri"] == REDIRECT_URI
    # state, nonce and PKCE travel only inside the encrypted request object.
    assert auth.state not in auth.url
    assert auth.nonce not in auth.url


def test_request_object_as_the_simulator_decodes_it(
    client: ItsmeClient, simulator: Simulator
) -> None:
    auth = client.build_authentication_request("share", ui_locales="nl en xx")
    callback = follow(auth)
    assert callback.params["state"] == auth.state
    record = simulator.authorizations[-1]
    # D-JOSE: JWE to itsme's enc key (RSA-OAEP-256, A128CBC-HS256, cty JWT, kid) around JWS RS256.
    enc_kid = simulator.public_jwks()["keys"][1]["kid"]
    assert record.jwe_header == {
        "alg": "RSA-OAEP-256",
        "enc": "A128CBC-HS256",
        "cty": "JWT",
        "kid": enc_kid,
    }
    assert record.jws_header == {"alg": "RS256", "kid": "rp-sig-1", "typ": "JWT"}
    claims = record.request_object
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == simulator.issuer
    assert claims["client_id"] == CLIENT_ID
    assert claims["response_type"] == "code"
    assert claims["scope"] == "openid service:TEST_SHARE profile email address phone"
    assert claims["redirect_uri"] == REDIRECT_URI
    assert claims["state"] == auth.state
    assert claims["nonce"] == auth.nonce
    assert claims["code_challenge"] == s256(auth.code_verifier)
    assert claims["code_challenge_method"] == "S256"
    assert claims["acr_values"] == CLAIM + "acr_advanced"
    assert claims["ui_locales"] == "nl en"
    assert claims["exp"] - claims["iat"] == REQUEST_OBJECT_LIFETIME
    assert claims["jti"]
    # This share service has CLAIMS_IN "userinfo"; acr is an essential ID-token claim besides
    # acr_values (OIDC Core §5.5.1.1).
    assert claims["claims"]["id_token"] == {
        "acr": {"essential": True, "values": [CLAIM + "acr_advanced"]}
    }
    requested = claims["claims"]["userinfo"]
    for name in (
        CLAIM + "BENationalNumber",
        CLAIM + "BEeidSn",
        CLAIM + "place_of_birth",
        CLAIM + "claim_citizenship",
        CLAIM + "claim_device",
        CLAIM + "physical_person_photo",
        "family_name",
        "email",
        "address",
        "phone_number",
    ):
        assert requested[name] is None, name


def test_login_sends_no_claims_and_no_acr(client: ItsmeClient, simulator: Simulator) -> None:
    follow(client.build_authentication_request("login"))
    claims = simulator.authorizations[-1].request_object
    assert "claims" not in claims
    assert "acr_values" not in claims
    assert "ui_locales" not in claims


def test_confirm_templates_and_known_sub(client: ItsmeClient, simulator: Simulator) -> None:
    text = FreeTextTemplate("I approve <b>contract 42</b>.<br>Signed: Ann")
    alice = IDENTITIES["alice"].sub_for(CLIENT_ID)
    auth = client.build_authentication_request("confirm", template=text, sub=alice)
    assert "code" in follow(auth).params
    userinfo = simulator.authorizations[-1].request_object["claims"]["userinfo"]
    assert userinfo[CLAIM + "claim_approval_template_name"] == {
        "essential": True,
        "value": "free_text",
    }
    assert userinfo[CLAIM + "claim_approval_text_key"] == {
        "essential": True,
        "value": "I approve <b>contract 42</b>.<br>Signed: Ann",
    }
    assert userinfo["sub"] == {"value": alice}
    assert auth.expected_sub == alice

    payment = PaymentTemplate(amount="1250", currency="EUR", iban="BE68 5390 0754 7034")
    follow(client.build_authentication_request("confirm", template=payment))
    userinfo = simulator.authorizations[-1].request_object["claims"]["userinfo"]
    assert userinfo[CLAIM + "claim_approval_template_name"]["value"] == "adv_payment"
    assert userinfo[CLAIM + "claim_approval_amount_key"]["value"] == "1250"
    assert userinfo[CLAIM + "claim_approval_currency_key"]["value"] == "EUR"
    assert userinfo[CLAIM + "claim_approval_iban_key"]["value"] == "BE68539007547034"


def test_request_by_reference(
    client: ItsmeClient, simulator: Simulator, partner_host: PartnerHost
) -> None:
    uri = partner_host.url + "/itsme/request/one-time-token/"
    auth = client.build_authentication_request("login", request_by="reference", request_uri=uri)
    query = parse_qs(urlsplit(auth.url).query)
    assert query["request_uri"] == [uri]
    assert "request" not in query
    partner_host.publish(urlsplit(uri).path, auth.request_object, "application/jwt")
    callback = follow(auth)
    assert callback.params["state"] == auth.state
    assert simulator.authorizations[-1].request_object["state"] == auth.state


def test_request_by_reference_needs_a_uri(client: ItsmeClient) -> None:
    with pytest.raises(ConfigurationError, match="needs the request_uri"):
        client.build_authentication_request("login", request_by="reference")
    # By value, a request_uri is only the fallback for an oversized request (issue 10): a login
    # stays by value.
    auth = client.build_authentication_request("login", request_uri="http://127.0.0.1/x")
    assert auth.request_uri is None
    assert "request=" in auth.url


def test_missing_redirect_uri(simulator: Simulator) -> None:
    from tests.core.conftest import make_client

    client = make_client(simulator, redirect_uri=None)
    with pytest.raises(ConfigurationError, match="REDIRECT_URI"):
        client.build_authentication_request("login")
    auth = client.build_authentication_request("login", redirect_uri=REDIRECT_URI)
    assert auth.redirect_uri == REDIRECT_URI


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.be:443/itsme/request/x/",
        "https://example.be:443/r?x=1",
    ],
)
def test_request_uri_rules_accept(uri: str) -> None:
    check_request_uri(uri, issuer="https://idp.prd.itsme.services/v2")


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.be/itsme/request/x/",  # D-AREQ: the :443 must be explicit
        "http://example.be:443/x",
        "https://example.be:8443/x",
        "https://localhost:443/x",
        "https://127.0.0.1:443/x",
        "https://example.be:443/x#frag",
    ],
)
def test_request_uri_rules_refuse(uri: str) -> None:
    with pytest.raises(ConfigurationError):
        check_request_uri(uri, issuer="https://idp.prd.itsme.services/v2")


def test_request_uri_against_the_simulator() -> None:
    check_request_uri("http://127.0.0.1:8000/x", issuer="http://127.0.0.1:9/v2")
    with pytest.raises(ConfigurationError, match="loopback"):
        check_request_uri("https://example.be:443/x", issuer="http://127.0.0.1:9/v2")


def test_authorization_url_needs_exactly_one_request_form() -> None:
    with pytest.raises(ConfigurationError):
        build_authorization_url("https://a/x", client_id="c", scope="openid", redirect_uri="r")
    with pytest.raises(ConfigurationError):
        build_authorization_url(
            "https://a/x",
            client_id="c",
            scope="openid",
            redirect_uri="r",
            request="a",
            request_uri="b",
        )
    url = build_authorization_url(
        "https://a/x?v=1", client_id="c", scope="openid s", redirect_uri="r", request="a"
    )
    assert url.startswith("https://a/x?v=1&response_type=code&")


def test_response_code() -> None:
    assert parse_authorization_response({"state": "s", "code": "c"}, expected_state="s") == "c"


@pytest.mark.parametrize(
    "params",
    [
        {"code": "c"},
        {"state": "other", "code": "c"},
        {"state": "other", "error": "access_denied"},
        {"state": "", "code": "c"},
    ],
)
def test_response_state_is_checked_first(params: dict[str, str]) -> None:
    with pytest.raises(ClaimValidationError) as caught:
        parse_authorization_response(params, expected_state="s")
    assert caught.value.code == "invalid_state"


def test_response_without_expected_state() -> None:
    with pytest.raises(ClaimValidationError):
        parse_authorization_response({"state": "", "code": "c"}, expected_state="")


def test_response_error() -> None:
    with pytest.raises(AuthorizationDenied) as caught:
        parse_authorization_response(
            {"state": "s", "error": "access_denied", "error_description": "User cancelled"},
            expected_state="s",
        )
    assert caught.value.code == "access_denied"
    assert caught.value.description == "User cancelled"


def test_response_without_code() -> None:
    with pytest.raises(ClaimValidationError) as caught:
        parse_authorization_response({"state": "s"}, expected_state="s")
    assert caught.value.code == "invalid_code"


def test_ui_locales_keep_only_what_itsme_speaks() -> None:
    from django_itsme.core.authorize import choose_ui_locales

    assert choose_ui_locales("de en-GB xx fr") == "de fr"
    assert choose_ui_locales("es") is None
    assert choose_ui_locales(None) is None


def test_request_uri_choice_by_reference_and_by_value() -> None:
    from django_itsme.core.authorize import choose_request_uri

    issuer = "https://idp.e2e.itsme.services/v2"
    good = "https://example.be:443/itsme/request/abc/"
    assert choose_request_uri("reference", good, issuer=issuer) == good
    assert choose_request_uri("value", good, issuer=issuer) == good
    # By value it is only a fallback: one itsme would refuse is dropped, not an error.
    assert choose_request_uri("value", "https://example.be/r/", issuer=issuer) is None
    assert choose_request_uri("value", None, issuer=issuer) is None
    with pytest.raises(ConfigurationError):
        choose_request_uri("reference", "https://example.be/r/", issuer=issuer)
    with pytest.raises(ConfigurationError):
        choose_request_uri("reference", None, issuer=issuer)
