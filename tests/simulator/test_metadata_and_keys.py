"""Discovery, JWKS, key rotation and the request log."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from django_itsme.simulator import ACR_ADVANCED, ACR_BASIC, Simulator

from .conftest import DROP, RP, TIMEOUT

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_discovery(sim: Simulator) -> None:
    answer = requests.get(sim.issuer + "/.well-known/openid-configuration", timeout=TIMEOUT)
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["issuer"] == sim.issuer
    assert doc["authorization_endpoint"] == sim.issuer + "/authorization"
    assert doc["token_endpoint"] == sim.issuer + "/token"
    assert doc["userinfo_endpoint"] == sim.issuer + "/userinfo"
    assert doc["jwks_uri"] == sim.issuer + "/jwkSet"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code"]
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt", "client_secret_post"]
    assert doc["token_endpoint_auth_signing_alg_values_supported"] == ["RS256"]
    assert doc["request_object_signing_alg_values_supported"] == ["RS256", "HS256"]
    assert doc["request_object_encryption_alg_values_supported"] == ["RSA-OAEP", "RSA-OAEP-256"]
    encs = ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"]
    assert doc["request_object_encryption_enc_values_supported"] == encs
    assert doc["id_token_signing_alg_values_supported"] == ["RS256", "HS256"]
    assert doc["id_token_encryption_alg_values_supported"] == ["RSA-OAEP", "RSA-OAEP-256", "dir"]
    assert doc["id_token_encryption_enc_values_supported"] == encs
    assert doc["userinfo_signing_alg_values_supported"] == ["RS256", "HS256"]
    assert doc["userinfo_encryption_alg_values_supported"] == ["RSA-OAEP", "RSA-OAEP-256", "dir"]
    assert doc["userinfo_encryption_enc_values_supported"] == encs
    assert doc["acr_values_supported"] == [ACR_BASIC, ACR_ADVANCED]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["request_parameter_supported"] is True
    assert doc["request_uri_parameter_supported"] is True
    assert {"openid", "profile", "email", "address", "phone", "eid"} <= set(doc["scopes_supported"])
    assert "http://itsme.services/v2/claim/BENationalNumber" in doc["claims_supported"]
    assert "sub" in doc["claims_supported"]


def test_discovery_private_key_jwt_only_variant(sim: Simulator) -> None:
    """itsme's live lists are not public (protocol notes §1.5): the simulator also plays a
    document that names nothing of client-secret partners."""
    sim.faults.discovery_private_key_jwt_only = True
    doc = requests.get(sim.issuer + "/.well-known/openid-configuration", timeout=TIMEOUT).json()
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert doc["request_object_signing_alg_values_supported"] == ["RS256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["id_token_encryption_alg_values_supported"] == ["RSA-OAEP", "RSA-OAEP-256"]
    assert doc["userinfo_encryption_alg_values_supported"] == ["RSA-OAEP", "RSA-OAEP-256"]


def test_jwks(sim: Simulator) -> None:
    answer = requests.get(sim.issuer + "/jwkSet", timeout=TIMEOUT)
    assert answer.status_code == 200
    keys = answer.json()["keys"]
    assert [(key["use"], key["alg"]) for key in keys] == [("sig", "RS256"), ("enc", "RSA-OAEP-256")]
    assert [key["kid"] for key in keys] == ["op-sig-1", "op-enc-1"]
    for key in keys:
        assert key["kty"] == "RSA"
        assert not PRIVATE_MEMBERS & set(key)
    assert answer.json() == sim.public_jwks()


def test_generated_keys() -> None:
    simulator = Simulator()
    keys = simulator.public_jwks()["keys"]
    assert [key["use"] for key in keys] == ["sig", "enc"]
    assert all(key["kid"].startswith("sim-") for key in keys)
    assert all(len(key["n"]) >= 342 for key in keys)  # 2048-bit modulus
    assert {key["kid"] for key in simulator.private_jwks()["keys"]} == {k["kid"] for k in keys}


def test_bad_provider_keys() -> None:
    with pytest.raises(ValueError, match="'keys' list"):
        Simulator(keys={})
    with pytest.raises(ValueError, match="exactly one"):
        Simulator(keys={"keys": []})


def test_rotate_keys(rp: RP, sim: Simulator) -> None:
    before = {key["kid"] for key in sim.public_jwks()["keys"]}
    old_enc = rp.sim_key("enc")
    sim.rotate_keys()
    after = sim.public_jwks()["keys"]
    assert not before & {key["kid"] for key in after}
    assert [key["use"] for key in after] == ["sig", "enc"]
    served = requests.get(sim.jwks_uri, timeout=TIMEOUT).json()
    assert served == sim.public_jwks()
    # New ID tokens are signed with the new key ...
    _, tokens = rp.login()
    _claims, jws_header, _ = rp.open(tokens["id_token"])
    assert jws_header["kid"] == after[0]["kid"]
    # ... while request objects for the retired encryption key still work, during a rotation.
    assert rp.authorize(enc_key=old_enc).code
    assert rp.authorize(enc_key=old_enc, jwe_header={"kid": DROP}).code
    assert rp.token(rp.authorize(), assertion=rp.assertion(encrypt=True)).status_code == 200


def test_rotate_keys_and_forget_the_old_encryption_key(rp: RP, sim: Simulator) -> None:
    old_enc = rp.sim_key("enc")
    sim.rotate_keys()
    older_enc = rp.sim_key("enc")
    sim.rotate_keys(keep_old_encryption_key=False)
    for stale in (old_enc, older_enc):
        assert rp.authorize(enc_key=stale).error == "invalid_request_object"
        assert rp.authorize(enc_key=stale, jwe_header={"kid": DROP}).error == (
            "invalid_request_object"
        )
    assert rp.authorize().code


def test_request_log(rp: RP, sim: Simulator) -> None:
    sim.clear_log()
    requests.get(sim.discovery_url, timeout=TIMEOUT)
    requests.get(sim.jwks_uri, timeout=TIMEOUT)
    _, tokens = rp.login()
    rp.userinfo(tokens["access_token"])
    requests.get(sim.url + "/nowhere?x=1", timeout=TIMEOUT)
    assert sim.count("/.well-known/openid-configuration") == 1
    assert sim.count("/jwkSet") == 1
    assert sim.count("/authorization") == 1
    assert sim.count("/token") == 1
    assert sim.count("/userinfo") == 1
    assert sim.count("/nowhere") == 1
    log = sim.requests
    assert [entry.endpoint for entry in log] == [
        "discovery",
        "jwks",
        "authorization",
        "token",
        "userinfo",
        None,
    ]
    assert [entry.status for entry in log] == [200, 200, 302, 200, 200, 404]
    assert log[2].method == "GET"
    assert log[2].query["client_id"] == "OIDC_TEST"
    assert log[3].form["grant_type"] == "authorization_code"
    assert log[4].headers["Authorization"].startswith("Bearer ")
    assert log[5].query == {"x": "1"}
    sim.clear_log()
    assert sim.requests == []
    assert sim.count("/token") == 0


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"])
def test_unknown_method(sim: Simulator, method: str) -> None:
    answer = requests.request(method, sim.jwks_uri, timeout=TIMEOUT)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert sim.requests[-1].method == method
    assert sim.requests[-1].status == 405


def test_start_twice_and_stop_twice(provider_jwks: dict[str, Any]) -> None:
    simulator = Simulator(keys=provider_jwks)
    with pytest.raises(RuntimeError):
        _ = simulator.issuer
    with simulator:
        with pytest.raises(RuntimeError):
            simulator.start()
        url = simulator.url
    simulator.stop()
    assert not simulator.running
    assert simulator.url == url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/v2/jwkSet", timeout=TIMEOUT)


def test_ipv6_loopback(provider_jwks: dict[str, Any]) -> None:
    try:
        simulator = Simulator(keys=provider_jwks, host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert simulator.issuer.startswith("http://[::1]:")
        assert requests.get(simulator.jwks_uri, timeout=TIMEOUT).status_code == 200
    finally:
        simulator.stop()
