"""Complete flows against the simulator over loopback HTTP: the vendor SDK's workflow, the
validation rules end to end, and every fault switch."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from django_itsme.core import ItsmeClient, MemoryCache, UserDetails
from django_itsme.core.confirm import FreeTextTemplate, PaymentTemplate
from django_itsme.core.errors import (
    AuthorizationDenied,
    ClaimValidationError,
    DiscoveryError,
    ProviderKeysError,
    SignatureError,
    TokenDecryptionError,
    TokenEndpointError,
    TokenValidationError,
    TransportError,
    TransportTimeout,
    UserinfoError,
)
from django_itsme.core.flow import AuthenticationRequest
from django_itsme.simulator import IDENTITIES, Simulator
from tests.core.conftest import CLIENT_ID, follow, make_client

pytestmark = pytest.mark.simulator


def sub_of(identity: str) -> str:
    return IDENTITIES[identity].sub_for(CLIENT_ID)


def complete(client: ItsmeClient, auth: AuthenticationRequest, **kwargs: Any) -> UserDetails:
    callback = follow(auth)
    code = client.parse_callback(callback.params, expected_state=auth.state)
    options: dict[str, Any] = {
        "redirect_uri": auth.redirect_uri,
        "nonce": auth.nonce,
        "code_verifier": auth.code_verifier,
        "service": auth.service,
        "expected_sub": auth.expected_sub,
    }
    options.update(kwargs)
    return client.get_user_details(code, **options)


def login(client: ItsmeClient, service: str = "login", **kwargs: Any) -> UserDetails:
    return complete(client, client.build_authentication_request(service), **kwargs)


def test_login_end_to_end_costs_one_token_call(client: ItsmeClient, simulator: Simulator) -> None:
    user = login(client)
    assert user.sub == sub_of("alice")
    assert len(user.sub) == 36
    assert user.identity.sub == user.sub
    assert user.userinfo is None
    assert user.acr == "basic"
    assert user.id_token.claims["iss"] == simulator.issuer
    assert user.signing_key["kid"] == user.id_token.header["kid"]
    assert "d" not in user.signing_key
    assert simulator.count("/token") == 1
    assert simulator.count("/userinfo") == 0
    assert simulator.count("/.well-known/openid-configuration") == 1
    assert simulator.count("/jwkSet") == 1


def test_second_login_reuses_discovery_and_keys(client: ItsmeClient, simulator: Simulator) -> None:
    login(client)
    simulator.clear_log()
    login(client)
    assert simulator.count("/.well-known/openid-configuration") == 0
    assert simulator.count("/jwkSet") == 0
    assert simulator.count("/token") == 1


def test_workers_share_discovery_and_keys_through_one_cache(simulator: Simulator) -> None:
    shared = MemoryCache()
    login(make_client(simulator, cache=shared))
    simulator.clear_log()
    login(make_client(simulator, cache=shared))
    assert simulator.count("/.well-known/openid-configuration") == 0
    assert simulator.count("/jwkSet") == 0


def test_share_data_end_to_end(client: ItsmeClient, simulator: Simulator) -> None:
    user = login(client, "share")
    assert simulator.count("/userinfo") == 1
    assert user.acr == "advanced"
    assert user.userinfo is not None
    assert user.userinfo.claims["sub"] == user.sub
    alice = user.identity
    assert alice.family_name
    assert alice.eid is not None
    assert alice.eid.national_number is not None
    assert len(alice.eid.national_number) == 11
    assert alice.place_of_birth is not None
    assert alice.place_of_birth.city
    assert alice.nationality is not None
    assert alice.nationality.iso == "BEL"
    assert alice.device is not None
    assert alice.device.os
    assert alice.photo is not None
    assert alice.photo.content_type == "image/jpeg"
    assert alice.photo.data[:2] == b"\xff\xd8"
    assert alice.address is not None
    assert alice.phone_number


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_every_test_identity_parses(
    client: ItsmeClient, simulator: Simulator, identity: str
) -> None:
    simulator.auto_approve = identity
    user = login(client, "share")
    assert user.sub == sub_of(identity)
    assert user.identity.raw["sub"] == user.sub


def test_request_by_reference_end_to_end(simulator: Simulator, partner_host: Any) -> None:
    client = make_client(simulator, request_by="reference")
    uri = partner_host.url + "/itsme/request/flow-1/"
    auth = client.build_authentication_request("login", request_uri=uri)
    partner_host.publish("/itsme/request/flow-1/", auth.request_object, "application/jwt")
    assert complete(client, auth).sub == sub_of("alice")


def test_confirm_free_text_with_known_sub(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.auto_approve = "bruno"  # ignored: the sub picks the identity
    template = FreeTextTemplate("Transfer <b>EUR 10</b> to Ann?")
    auth = client.build_authentication_request("confirm", template=template, sub=sub_of("alice"))
    user = complete(client, auth)
    assert user.sub == sub_of("alice")
    assert user.acr == "advanced"
    assert simulator.count("/userinfo") == 0


def test_confirm_payment(client: ItsmeClient, simulator: Simulator) -> None:
    template = PaymentTemplate(amount="100", currency="EUR", iban="BE68539007547034")
    user = complete(client, client.build_authentication_request("confirm", template=template))
    assert user.sub == sub_of("alice")


def test_confirm_by_another_user_is_refused(client: ItsmeClient, simulator: Simulator) -> None:
    template = FreeTextTemplate("Approve?")
    auth = client.build_authentication_request("confirm", template=template)
    simulator.auto_approve = "bruno"
    with pytest.raises(ClaimValidationError) as caught:
        complete(client, auth, expected_sub=sub_of("alice"))
    assert caught.value.code == "sub_mismatch"


def test_user_refuses(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.auto_decision = "refuse"
    auth = client.build_authentication_request("login")
    callback = follow(auth)
    with pytest.raises(AuthorizationDenied) as caught:
        client.parse_callback(callback.params, expected_state=auth.state)
    assert caught.value.code == "access_denied"
    assert simulator.count("/token") == 0


def test_code_is_single_use(client: ItsmeClient, simulator: Simulator) -> None:
    auth = client.build_authentication_request("login")
    code = client.parse_callback(follow(auth).params, expected_state=auth.state)
    options = {"redirect_uri": auth.redirect_uri, "nonce": auth.nonce, "service": "login"}
    client.get_user_details(code, code_verifier=auth.code_verifier, **options)
    with pytest.raises(TokenEndpointError) as caught:
        client.get_user_details(code, code_verifier=auth.code_verifier, **options)
    assert (caught.value.error, caught.value.status) == ("invalid_grant", 400)


def test_wrong_code_verifier(client: ItsmeClient) -> None:
    auth = client.build_authentication_request("login")
    code = client.parse_callback(follow(auth).params, expected_state=auth.state)
    with pytest.raises(TokenEndpointError) as caught:
        client.get_user_details(
            code,
            redirect_uri=auth.redirect_uri,
            nonce=auth.nonce,
            code_verifier="x" * 43,
            service="login",
        )
    assert caught.value.error == "invalid_grant"


def test_wrong_nonce_in_session(client: ItsmeClient) -> None:
    with pytest.raises(ClaimValidationError) as caught:
        login(client, nonce="not-the-nonce-we-sent")
    assert caught.value.code == "invalid_nonce"


def test_foreign_client_keys_are_refused_by_the_provider(simulator: Simulator) -> None:
    from tests import keyfiles

    client = make_client(simulator, private_jwks=keyfiles.FOREIGN_PRIVATE)
    callback = follow(client.build_authentication_request("login"))
    assert callback.params["error"] == "invalid_request_object"


def test_key_rotation_at_the_provider(client: ItsmeClient, simulator: Simulator) -> None:
    login(client)
    simulator.rotate_keys()
    simulator.clear_log()
    user = login(client)
    assert user.sub == sub_of("alice")
    # The new kid was unknown: exactly one refetch, then served from the cache again.
    assert simulator.count("/jwkSet") == 1
    simulator.clear_log()
    login(client)
    assert simulator.count("/jwkSet") == 0


# --------------------------------------------------------------------------- fault switches
@pytest.mark.parametrize(
    ("fault", "value", "error", "code"),
    [
        ("id_token_issuer", "https://evil.example/v2", ClaimValidationError, "invalid_iss"),
        ("id_token_audience", "SOMEONE_ELSE", ClaimValidationError, "invalid_aud"),
        ("id_token_nonce", "forged", ClaimValidationError, "invalid_nonce"),
        ("id_token_expired", True, ClaimValidationError, "expired_token"),
        ("id_token_issued_in_future", True, ClaimValidationError, "invalid_iat"),
        ("id_token_unsigned", True, SignatureError, "invalid_signature"),
        ("id_token_unencrypted", True, TokenDecryptionError, "token_decryption_failed"),
        ("id_token_hs256", True, SignatureError, "invalid_signature"),
        ("sign_with_foreign_key", True, SignatureError, "invalid_signature"),
        (
            "id_token_acr",
            "http://itsme.services/v2/claim/acr_basic",
            ClaimValidationError,
            "invalid_acr",
        ),
        ("id_token_drop_acr", True, ClaimValidationError, "invalid_acr"),
    ],
)
def test_id_token_faults(
    client: ItsmeClient,
    simulator: Simulator,
    fault: str,
    value: Any,
    error: type[Exception],
    code: str,
) -> None:
    setattr(simulator.faults, fault, value)
    with pytest.raises(error) as caught:
        login(client, "advanced_login")
    assert caught.value.code == code  # type: ignore[attr-defined]


def test_token_endpoint_5xx(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.token_status = 503
    with pytest.raises(TokenEndpointError) as caught:
        login(client)
    assert caught.value.status == 503


def test_token_endpoint_malformed_json(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.token_malformed_json = True
    with pytest.raises(TokenEndpointError, match="JSON"):
        login(client)


def test_userinfo_5xx(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.userinfo_status = 500
    with pytest.raises(UserinfoError) as caught:
        login(client, "share")
    assert caught.value.status == 500


def test_userinfo_malformed(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.userinfo_malformed = True
    with pytest.raises((UserinfoError, TokenValidationError)):
        login(client, "share")


def test_userinfo_sub_mismatch(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.userinfo_sub = sub_of("bruno")
    with pytest.raises(ClaimValidationError) as caught:
        login(client, "share")
    assert caught.value.code == "userinfo_sub_mismatch"


def test_userinfo_unencrypted(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.userinfo_unencrypted = True
    with pytest.raises(TokenDecryptionError):
        login(client, "share")


def test_userinfo_content_type_json_is_read_by_content(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.userinfo_content_type = "application/json"
    assert login(client, "share").userinfo is not None


def test_slow_token_endpoint_times_out(simulator: Simulator) -> None:
    client = make_client(simulator, http_timeout=0.5)
    simulator.faults.delay = {"token": 2.0}
    with pytest.raises(TransportTimeout):
        login(client)


def test_slow_but_in_time(simulator: Simulator) -> None:
    client = make_client(simulator, http_timeout=3)
    simulator.faults.delay = {"token": 0.3, "userinfo": 0.3}
    assert login(client, "share").sub == sub_of("alice")


def test_discovery_down(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.discovery_status = 500
    with pytest.raises(DiscoveryError) as caught:
        client.build_authentication_request("login")
    assert caught.value.status == 500


def test_jwks_down(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.jwks_status = 502
    with pytest.raises(ProviderKeysError):
        client.build_authentication_request("login")


def test_provider_unreachable() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from tests import keyfiles

    client = ItsmeClient.configure(
        client_id=CLIENT_ID,
        private_jwks=keyfiles.RP_PRIVATE,
        environment=f"http://127.0.0.1:{port}/v2",
        services={"login": {"CODE": "X"}},
        redirect_uri="http://127.0.0.1:8000/cb/",
    )
    with pytest.raises(TransportError):
        client.build_authentication_request("login")


def test_photo_bytes_are_not_in_repr(client: ItsmeClient, simulator: Simulator) -> None:
    user = login(client, "share")
    assert user.identity.photo is not None
    encoded = base64.b64encode(user.identity.photo.data[:30]).decode()
    assert encoded not in repr(user.identity.photo)
