"""Algorithms from discovery, the request object's aud and client assertion encryption, each
against a simulator variant (issue 10 items 5 and 6)."""

from __future__ import annotations

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.errors import ConfigurationError, DiscoveryError, TokenEndpointError
from django_itsme.core.jose import read_header
from django_itsme.simulator import Simulator

from .conftest import follow, make_client


def login(client: ItsmeClient, service: str = "login") -> str:
    auth = client.build_authentication_request(service)
    callback = follow(auth)
    assert "code" in callback.params, callback.params
    details = client.get_user_details(
        callback.params["code"],
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service=service,
    )
    return details.sub


def test_jwe_algorithms_follow_discovery(client: ItsmeClient, simulator: Simulator) -> None:
    """itsme lists only RSA-OAEP and A256GCM: the request object uses exactly those."""
    simulator.faults.request_object_encryption_algs = ["RSA-OAEP"]
    simulator.faults.request_object_encryption_encs = ["A256GCM"]
    assert login(client)
    header = simulator.authorizations[-1].jwe_header
    assert (header["alg"], header["enc"]) == ("RSA-OAEP", "A256GCM")


def test_rsa_oaep_256_and_a128cbc_are_preferred(client: ItsmeClient, simulator: Simulator) -> None:
    auth = client.build_authentication_request("login")
    header = read_header(auth.request_object)
    assert (header["alg"], header["enc"]) == ("RSA-OAEP-256", "A128CBC-HS256")
    simulator.faults.request_object_encryption_encs = ["A256GCM", "A128CBC-HS256"]
    fresh = make_client(simulator)
    assert read_header(fresh.build_authentication_request("login").request_object)["enc"] == (
        "A128CBC-HS256"
    )


def test_no_common_algorithm_refuses_to_start(simulator: Simulator) -> None:
    simulator.faults.request_object_encryption_algs = ["RSA1_5", "ECDH-ES"]
    client = make_client(simulator)
    with pytest.raises(DiscoveryError) as caught:
        client.build_authentication_request("login")
    message = str(caught.value)
    assert "RSA1_5" in message  # itsme's list
    assert "ECDH-ES" in message
    assert "RSA-OAEP-256, RSA-OAEP" in message  # ours
    assert caught.value.code == "no_common_algorithm"


def test_no_common_encryption_refuses_to_start(simulator: Simulator) -> None:
    simulator.faults.request_object_encryption_encs = ["A192GCM"]
    with pytest.raises(DiscoveryError, match="A192GCM"):
        make_client(simulator).build_authentication_request("login")


@pytest.mark.parametrize(
    ("accepted", "setting", "works"),
    [
        ("issuer", None, True),
        ("authorization_endpoint", None, False),
        ("authorization_endpoint", "authorization_endpoint", True),
        ("issuer", "authorization_endpoint", False),
        ("issuer", "issuer", True),
    ],
)
def test_request_object_audience(
    simulator: Simulator, accepted: str, setting: str | None, works: bool
) -> None:
    """D-AREQ since 2024-03 says the issuer; before, and D-FR, the authorization endpoint."""
    simulator.faults.request_object_audience = accepted
    options = {} if setting is None else {"request_object_aud": setting}
    client = make_client(simulator, **options)
    auth = client.build_authentication_request("login")
    callback = follow(auth)
    if works:
        assert "code" in callback.params
    else:
        assert callback.params["error"] == "invalid_request_object"


def test_request_object_audience_must_be_known_or_a_url(simulator: Simulator) -> None:
    with pytest.raises(ConfigurationError, match="E035"):
        make_client(simulator, request_object_aud="itsme")


def test_signed_only_assertion_refused_by_a_strict_itsme(simulator: Simulator) -> None:
    """The D-IG2020 reading (MUST encrypt): the default, signed only, is refused..."""
    simulator.faults.require_encrypted_client_assertion = True
    with pytest.raises(TokenEndpointError) as caught:
        login(make_client(simulator))
    assert caught.value.error == "unauthorized_client"


def test_encrypted_assertion_accepted(simulator: Simulator) -> None:
    """...and ENCRYPT_CLIENT_ASSERTION makes it signed-then-encrypted (D-AUTH: MAY)."""
    simulator.faults.require_encrypted_client_assertion = True
    simulator.faults.request_object_encryption_algs = ["RSA-OAEP"]
    assert login(make_client(simulator, encrypt_client_assertion=True))
    simulator.faults.require_encrypted_client_assertion = False
    assert login(make_client(simulator, encrypt_client_assertion=True))


def test_encrypt_client_assertion_must_be_a_bool(simulator: Simulator) -> None:
    with pytest.raises(ConfigurationError, match="E036"):
        make_client(simulator, encrypt_client_assertion="yes")
