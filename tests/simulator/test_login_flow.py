"""The happy paths: login, data sharing and request_uri flows over real loopback HTTP."""

from __future__ import annotations

import pytest
import requests

from django_itsme.simulator import (
    ACR_ADVANCED,
    ACR_BASIC,
    CLAIM_PREFIX,
    IDENTITIES,
    Faults,
    Simulator,
)
from tests.partner_host import PartnerHost

from .conftest import CLIENT_ID, DROP, OTHER_REDIRECT_URI, RP


def test_login_code_flow_with_pkce(rp: RP, sim: Simulator) -> None:
    attempt, tokens = rp.login()
    assert attempt.response.status_code == 302
    assert attempt.location.startswith(rp.redirect_uri + "?")
    assert attempt.redirect["state"] == attempt.params["state"]
    assert len(attempt.code) == 36

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["access_token"]
    claims, jws_header, jwe_header = rp.open(tokens["id_token"])

    assert jwe_header["alg"] == "RSA-OAEP-256"  # the client's enc key says so
    assert jwe_header["enc"] == "A128CBC-HS256"
    assert jwe_header["cty"] == "JWT"
    assert jwe_header["kid"] == "rp-enc-1"
    assert jws_header == {"alg": "RS256", "kid": "op-sig-1", "typ": "JWT"}

    assert claims["iss"] == sim.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == IDENTITIES["alice"].sub_for(CLIENT_ID)
    assert len(claims["sub"]) == 36
    assert claims["nonce"] == attempt.params["nonce"]
    assert claims["acr"] == ACR_BASIC
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["auth_time"] - claims["iat"]) <= 2
    assert "email" not in claims  # nothing requested under claims.id_token


def test_issuer_and_urls(sim: Simulator) -> None:
    assert sim.url.startswith("http://127.0.0.1:")
    assert sim.issuer == sim.url + "/v2"
    assert sim.token_endpoint == sim.issuer + "/token"
    assert sim.running


def test_sub_is_pairwise(rp: RP, other_rp: RP) -> None:
    _, mine = rp.login()
    _, theirs = other_rp.login(service="OTHER_LOGIN", pkce=False)
    assert rp.open(mine["id_token"])[0]["sub"] != other_rp.open(theirs["id_token"])[0]["sub"]
    assert Simulator.sub_for("alice", "OIDC_OTHER") == other_rp.open(theirs["id_token"])[0]["sub"]


def test_redirect_uri_with_query_keeps_it(other_rp: RP) -> None:
    attempt = other_rp.authorize(service="OTHER_LOGIN", pkce=False)
    assert attempt.location.startswith(OTHER_REDIRECT_URI + "&code=")


def test_request_uri_flow(rp: RP, site: PartnerHost, sim: Simulator) -> None:
    attempt, tokens = rp.login(via="request_uri")
    assert rp.open(tokens["id_token"])[0]["nonce"] == attempt.params["nonce"]
    assert any(hit.startswith("/ro/") for hit in site.hits)
    assert sim.authorizations[-1].request.request_uri is not None


def test_advanced_acr_wins(rp: RP) -> None:
    _, tokens = rp.login(extra={"acr_values": f"{ACR_BASIC} {ACR_ADVANCED}"})
    assert rp.open(tokens["id_token"])[0]["acr"] == ACR_ADVANCED


def test_unknown_acr_values_fall_back_to_basic(rp: RP) -> None:
    _, tokens = rp.login(extra={"acr_values": "tag:sixdots.be,2016-06:acr_advanced"})
    assert rp.open(tokens["id_token"])[0]["acr"] == ACR_BASIC


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256"])
@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"])
def test_request_object_algorithms(rp: RP, alg: str, enc: str) -> None:
    attempt = rp.authorize(jwe_header={"alg": alg, "enc": enc})
    assert attempt.code
    assert rp.sim.authorizations[-1].jwe_header["enc"] == enc


def test_request_object_without_jwe_kid_is_tolerated(rp: RP) -> None:
    assert rp.authorize(jwe_header={"kid": DROP}).code


def test_older_audience_is_accepted(rp: RP, sim: Simulator) -> None:
    assert rp.authorize(ro={"aud": sim.issuer + "/authorization"}).code


def test_request_object_values_win_over_query(rp: RP, sim: Simulator) -> None:
    attempt = rp.authorize(query={"scope": "openid"})
    assert attempt.code
    assert sim.authorizations[-1].request.scopes == ("openid", "service:TEST_LOGIN")


def test_state_from_the_request_object_is_echoed(rp: RP) -> None:
    attempt = rp.authorize(extra={"state": "from-object"})
    assert attempt.redirect["state"] == "from-object"


def test_redirect_uri_only_in_request_object(rp: RP) -> None:
    assert rp.authorize(query={"redirect_uri": DROP}).code


def test_pkce_optional_when_not_enforced(other_rp: RP) -> None:
    attempt, tokens = other_rp.login(service="OTHER_LOGIN", pkce=False)
    assert attempt.verifier is None
    assert tokens["id_token"]


def test_authorization_record(rp: RP, sim: Simulator) -> None:
    attempt = rp.authorize(claims={"id_token": {"email": None}})
    record = sim.authorizations[-1]
    assert record.request_object["iss"] == CLIENT_ID
    assert record.request_object["claims"] == {"id_token": {"email": None}}
    assert record.jws_header["kid"] == "rp-sig-1"
    assert record.jwe_header["kid"] == "op-enc-1"
    assert record.query["client_id"] == CLIENT_ID
    assert "request" in record.query
    assert record.identity == "alice"
    assert record.decision == "approve"
    assert record.code == attempt.code
    assert record.client_id == CLIENT_ID


def test_share_flow_claims_in_id_token(rp: RP) -> None:
    wanted = {
        "given_name": None,
        "family_name": None,
        "birthdate": None,
        "email": {"essential": True},
        CLAIM_PREFIX + "BENationalNumber": None,
        CLAIM_PREFIX + "BEeidSn": None,
        CLAIM_PREFIX + "validityTo": None,
        CLAIM_PREFIX + "claim_citizenship_as_iso": None,
        "age_gte_18": None,
    }
    _, tokens = rp.login(service="TEST_SHARE", claims={"id_token": wanted})
    claims = rp.open(tokens["id_token"])[0]
    assert claims["given_name"] == "Alice"
    assert claims["email"] == "alice.peeters@example.be"
    assert claims[CLAIM_PREFIX + "BENationalNumber"] == "85031424673"
    assert claims[CLAIM_PREFIX + "validityTo"] == {CLAIM_PREFIX + "BEeidSn": "2031-05-30T00:00:00Z"}
    assert claims[CLAIM_PREFIX + "claim_citizenship_as_iso"] == "BEL"
    assert claims["age_gte_18"] is True


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_each_identity_logs_in(rp: RP, sim: Simulator, identity: str) -> None:
    sim.auto_approve = identity
    _, tokens = rp.login()
    assert rp.open(tokens["id_token"])[0]["sub"] == IDENTITIES[identity].sub_for(CLIENT_ID)


def test_auto_decision_refuse(rp: RP, sim: Simulator) -> None:
    sim.auto_decision = "refuse"
    attempt = rp.authorize()
    assert attempt.error == "access_denied"
    assert attempt.redirect["state"] == attempt.params["state"]
    assert sim.authorizations[-1].decision == "refuse"


def test_bad_settings_are_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="unknown identity"):
        sim.auto_approve = "mallory"
    with pytest.raises(ValueError, match="auto_decision"):
        sim.auto_decision = "maybe"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="loopback"):
        Simulator(host="0.0.0.0")  # noqa: S104 - the point of the test


def test_register_client_at_runtime(rp: RP, sim: Simulator, site: PartnerHost) -> None:
    from django_itsme.simulator import RegisteredClient

    sim.register(
        RegisteredClient(
            client_id="LATE",
            jwks_uri=site.url + "/jwks.json",
            redirect_uris=["http://127.0.0.1:9/cb"],
            services={"LATE_LOGIN": "login"},
        )
    )
    late = RP(
        sim=sim,
        site=site,
        clock=rp.clock,
        keys=rp.keys,
        client_id="LATE",
        redirect_uri="http://127.0.0.1:9/cb",
    )
    _, tokens = late.login(service="LATE_LOGIN")
    assert late.open(tokens["id_token"])[0]["aud"] == "LATE"
    assert "LATE" in [client.client_id for client in sim.clients]


def test_reset_restores_the_constructor_state() -> None:
    with Simulator(auto_approve="bruno", auto_decision="refuse") as sim:
        sim.auto_approve = None
        sim.auto_decision = "approve"
        sim.faults.token_status = 500
        requests.get(sim.discovery_url, timeout=5)
        sim.reset()
        assert (sim.auto_approve, sim.auto_decision) == ("bruno", "refuse")
        assert sim.faults == Faults()
        assert sim.requests == []
