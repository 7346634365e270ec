"""Where claims come back (``CLAIMS_IN``) and the photo as a ``picture`` URL, against the
simulator over loopback HTTP, counting the HTTP calls in the simulator's request log.

D-AREQ ``claims``: claims under ``id_token`` come in the ID token, which itsme recommends to save
the userinfo call; claims under ``userinfo`` come from userinfo (protocol notes §4.2). Scope claims
come from userinfo per OIDC Core §5.4 and itsme v1; v2 does not say (§11 #21): the simulator plays
that reading with ``faults.scope_claims_only_in_userinfo``. D-AREQ ``picture`` is a URL of the ID
photo, fetched with the access token (§4.3): ``faults.photo_as_picture_url``.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core import ItsmeClient, UserDetails
from django_itsme.core.errors import UserinfoError
from django_itsme.simulator import IDENTITIES, PHOTO_JPEG, Simulator
from tests.core.conftest import CLIENT_ID, follow, make_client

pytestmark = pytest.mark.simulator

CLAIM = "http://itsme.services/v2/claim/"
SHARE = {
    "CODE": "TEST_SHARE",
    "SCOPES": ["profile", "email", "address", "phone"],
    "CLAIMS": ["eid", "city_of_birth", "nationality", "device", "photo"],
    "ACR": "advanced",
}
SERVICES: dict[str, dict[str, Any]] = {
    "share": SHARE,  # CLAIMS_IN left out: the default
    "share_userinfo": {**SHARE, "CLAIMS_IN": "userinfo"},
    "claims_only": {"CODE": "TEST_SHARE", "CLAIMS": ["eid", "device"]},
    "picture": {"CODE": "TEST_SHARE", "CLAIMS": ["picture"]},
    "picture_userinfo": {"CODE": "TEST_SHARE", "CLAIMS": ["photo"], "CLAIMS_IN": "userinfo"},
    "device_only": {"CODE": "TEST_SHARE", "SCOPES": ["profile"], "CLAIMS": ["device"]},
    "signals": {
        "CODE": "TEST_SHARE",
        "CLAIMS": ["fraud_signals", "eid", CLAIM + "RONationalNumber"],
    },
}


@pytest.fixture
def client(simulator: Simulator) -> ItsmeClient:
    return make_client(simulator, services=SERVICES)


def run(client: ItsmeClient, simulator: Simulator, service: str) -> UserDetails:
    auth = client.build_authentication_request(service)
    params = follow(auth).params
    client.provider_keys()  # discovery and keys cached: count only the flow's own calls
    simulator.clear_log()
    return client.finish_flow(auth.pending(), params)


def calls(simulator: Simulator) -> list[str]:
    return [entry.path.removeprefix("/v2") for entry in simulator.requests]


def assert_all_alice_data(details: UserDetails) -> None:
    alice = details.identity
    assert (alice.family_name, alice.given_name) == ("Peeters", "Alice")
    assert alice.email == "alice.peeters@example.be"
    assert alice.phone_number == "+32 470123456"
    assert alice.address is not None
    assert alice.address.locality == "GENT"
    assert alice.eid is not None
    assert alice.eid.national_number == "85031424673"
    assert alice.place_of_birth is not None
    assert alice.place_of_birth.city == "Gent"
    assert alice.nationality is not None
    assert alice.nationality.iso == "BEL"
    assert alice.device is not None
    assert alice.device.model == "Pixel 8"
    assert alice.photo is not None
    assert alice.photo.data == PHOTO_JPEG


# ----------------------------------------------------------------------------- request side
def test_default_asks_every_claim_in_the_id_token(
    client: ItsmeClient, simulator: Simulator
) -> None:
    follow(client.build_authentication_request("share"))
    sent = simulator.authorizations[-1].request_object["claims"]
    assert set(sent) == {"id_token"}
    for name in ("family_name", "email", "address", "phone_number", CLAIM + "BENationalNumber"):
        assert sent["id_token"][name] is None, name
    assert sent["id_token"]["acr"]["essential"] is True


def test_userinfo_choice_asks_them_in_userinfo(client: ItsmeClient, simulator: Simulator) -> None:
    follow(client.build_authentication_request("share_userinfo"))
    sent = simulator.authorizations[-1].request_object["claims"]
    assert set(sent["id_token"]) == {"acr"}
    assert sent["userinfo"][CLAIM + "claim_device"] is None
    assert sent["userinfo"]["phone_number"] is None


def test_bad_claims_in_is_e013(simulator: Simulator) -> None:
    from django_itsme.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="E013"):
        make_client(simulator, services={"s": {"CODE": "X", "CLAIMS_IN": "access_token"}})


# ----------------------------------------------------------------------------- flows
def test_claims_in_the_id_token_cost_one_call(client: ItsmeClient, simulator: Simulator) -> None:
    details = run(client, simulator, "share")
    assert calls(simulator) == ["/token"]
    assert details.userinfo is None
    assert details.acr == "advanced"
    assert_all_alice_data(details)
    assert details.claims["family_name"] == "Peeters"


def test_claims_in_userinfo_cost_two_calls(client: ItsmeClient, simulator: Simulator) -> None:
    details = run(client, simulator, "share_userinfo")
    assert calls(simulator) == ["/token", "/userinfo"]
    assert details.userinfo is not None
    assert_all_alice_data(details)


def test_scope_claims_only_from_userinfo_are_fetched_there(
    client: ItsmeClient, simulator: Simulator
) -> None:
    # OIDC Core §5.4 reading: the explicit claims come in the ID token, the scope claims only
    # from userinfo; the client notices that none came and asks userinfo once.
    simulator.faults.scope_claims_only_in_userinfo = True
    details = run(client, simulator, "share")
    assert calls(simulator) == ["/token", "/userinfo"]
    assert "family_name" not in details.id_token.claims
    assert CLAIM + "BENationalNumber" in details.id_token.claims
    assert_all_alice_data(details)


def test_no_scopes_means_no_userinfo_even_under_the_strict_reading(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.scope_claims_only_in_userinfo = True
    details = run(client, simulator, "claims_only")
    assert calls(simulator) == ["/token"]
    assert details.identity.device is not None
    assert details.identity.eid is not None


def test_a_user_without_some_scope_data_costs_no_extra_call(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.auto_approve = "bruno"  # no e-mail address
    details = run(client, simulator, "share")
    assert calls(simulator) == ["/token"]
    assert details.identity.email is None
    assert details.identity.family_name == "Lambert"


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
@pytest.mark.parametrize("service", ["share", "share_userinfo"])
def test_both_locations_give_the_same_identity(
    client: ItsmeClient, simulator: Simulator, identity: str, service: str
) -> None:
    simulator.auto_approve = identity
    details = run(client, simulator, service)
    simulator.auto_approve = identity
    other = run(client, simulator, "share_userinfo" if service == "share" else "share")
    protocol = {"iss", "aud", "exp", "iat", "nbf", "nonce", "auth_time", "acr"}
    mine = {k: v for k, v in details.claims.items() if k not in protocol}
    theirs = {k: v for k, v in other.claims.items() if k not in protocol}
    assert mine == theirs


# ----------------------------------------------------------------------------- picture
@pytest.mark.parametrize("service", ["share", "picture_userinfo"])
def test_photo_as_picture_url_is_fetched_with_the_access_token(
    client: ItsmeClient, simulator: Simulator, service: str
) -> None:
    simulator.faults.photo_as_picture_url = True
    details = run(client, simulator, service)
    sub = IDENTITIES["alice"].sub_for(CLIENT_ID)
    assert details.identity.picture == f"{simulator.issuer}/picture/{sub}"
    assert details.identity.photo is not None
    assert details.identity.photo.data == PHOTO_JPEG
    assert details.identity.photo.content_type == "image/jpeg"
    assert details.identity.photo.to_data_uri().startswith("data:image/jpeg;base64,/9j/")
    assert calls(simulator)[-1] == f"/picture/{sub}"
    assert simulator.requests[-1].headers["Authorization"].startswith("Bearer ")
    assert CLAIM + "physical_person_photo" not in details.claims


def test_picture_requested_by_name_is_fetched(client: ItsmeClient, simulator: Simulator) -> None:
    details = run(client, simulator, "picture")
    assert details.identity.photo is not None
    assert details.identity.photo.data == PHOTO_JPEG
    assert calls(simulator) == ["/token", f"/picture/{details.sub}"]


def test_inline_photo_needs_no_picture_call(client: ItsmeClient, simulator: Simulator) -> None:
    details = run(client, simulator, "share")
    assert details.identity.photo is not None
    assert calls(simulator) == ["/token"]


def test_picture_is_not_fetched_unless_the_photo_was_asked(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.photo_as_picture_url = True
    simulator.faults.id_token_extra_claims = {"picture": simulator.issuer + "/picture/x"}
    details = run(client, simulator, "device_only")
    assert details.identity.photo is None
    assert "/picture/x" not in calls(simulator)


def test_picture_on_another_host_never_gets_the_access_token(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.id_token_extra_claims = {"picture": "http://127.0.0.2:9/v2/picture/x"}
    with pytest.raises(UserinfoError) as caught:
        run(client, simulator, "picture")
    assert "host" in str(caught.value)
    assert calls(simulator) == ["/token"]


def test_picture_for_another_user_is_refused(client: ItsmeClient, simulator: Simulator) -> None:
    other = IDENTITIES["bruno"].sub_for(CLIENT_ID)
    simulator.faults.id_token_extra_claims = {"picture": f"{simulator.issuer}/picture/{other}"}
    with pytest.raises(UserinfoError) as caught:
        run(client, simulator, "picture")
    assert caught.value.status == 404


# ----------------------------------------------------------------------------- typed extras
@pytest.mark.parametrize("identity", ["alice", "bruno"])
def test_fraud_signals_arrive_typed(
    client: ItsmeClient, simulator: Simulator, identity: str
) -> None:
    simulator.auto_approve = identity
    signals = run(client, simulator, "signals").identity.fraud_signals
    assert signals is not None
    sent = IDENTITIES[identity].claims
    assert signals.identification_mode == sent[CLAIM + "identification_mode"]
    assert str(signals.transaction_ip) == sent[CLAIM + "transaction_ip"]
    assert signals.ongoing_call is sent[CLAIM + "ongoing_call"]
    assert signals.app is not None
    assert signals.app.installed_at is not None
    assert signals.account is not None
    assert signals.account.activation_mechanism == sent[CLAIM + "account"]["activationMechanism"]
    assert calls(simulator) == ["/token"]


def test_a_foreign_national_number_is_kept_as_given(
    client: ItsmeClient, simulator: Simulator
) -> None:
    # A Romanian document holder (D-CLAIMS: availability follows the document's country).
    simulator.faults.id_token_extra_claims = {CLAIM + "RONationalNumber": "1850314123456"}
    numbers = run(client, simulator, "signals").identity.national_numbers
    assert [(n.country, n.number, n.is_valid) for n in numbers] == [
        ("BE", "85031424673", True),
        ("RO", "1850314123456", None),
    ]
