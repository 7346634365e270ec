"""Numbered test identities (``user1`` ... ``userN``), for load runs that need many distinct
people, and the header naming the approving identity in auto-approve mode."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from django_itsme.simulator import (
    CLAIM_PREFIX,
    IDENTITIES,
    IDENTITY_HEADER,
    Simulator,
    pairwise_sub,
)
from django_itsme.simulator.__main__ import build_simulator
from django_itsme.simulator.identities import (
    MAX_NUMBERED_IDENTITIES,
    find_by_sub,
    identity_by_key,
    numbered_identity,
)
from tests.partner_host import PartnerHost

from .conftest import CLIENT_ID, RP, FakeClock, make_clients
from .test_identities import national_number_is_valid

C = CLAIM_PREFIX
COUNT = 2000


def card_number_is_valid(card: str) -> bool:
    assert re.fullmatch(r"\d{12}", card)
    check = int(card[:10]) % 97
    return int(card[10:]) == (check or 97)


def test_numbered_identities_are_distinct_valid_people() -> None:
    people = [numbered_identity(number) for number in range(1, COUNT + 1)]
    assert [person.key for person in people[:3]] == ["user1", "user2", "user3"]
    assert len({person.sub_for(CLIENT_ID) for person in people}) == COUNT
    assert len({person.claims[C + "BENationalNumber"] for person in people}) == COUNT
    assert len({person.claims[C + "BEeidSn"] for person in people}) == COUNT
    assert len({person.claims["name"] for person in people}) == COUNT
    for person in people:
        claims = person.claims
        assert national_number_is_valid(claims[C + "BENationalNumber"], claims["birthdate"])
        assert card_number_is_valid(claims[C + "BEeidSn"])
        assert claims[C + "IDDocumentSN"] == claims[C + "BEeidSn"]
        assert dt.date.fromisoformat(claims["birthdate"]) < dt.date(2000, 1, 1)
        assert claims[C + "birthdate_as_string"] == dt.date.fromisoformat(
            claims["birthdate"]
        ).strftime("%d.%m.%Y")
        sequence = int(claims[C + "BENationalNumber"][6:9])
        assert claims["gender"] == ("male" if sequence % 2 else "female")
        assert person.sub_for(CLIENT_ID) == pairwise_sub(CLIENT_ID, person.key)
    assert numbered_identity(7) is numbered_identity(7)


def test_keys_resolve_only_within_the_count() -> None:
    assert identity_by_key("alice", 0) is IDENTITIES["alice"]
    assert identity_by_key("user3", 3) is numbered_identity(3)
    for key in ("user3", "user0", "user01", "user-1", "userx", "user", "eve"):
        assert identity_by_key(key, 2) is None
    assert identity_by_key("user1", 0) is None
    with pytest.raises(ValueError, match="1 to"):
        numbered_identity(0)
    with pytest.raises(ValueError, match="1 to"):
        numbered_identity(MAX_NUMBERED_IDENTITIES + 1)


def test_find_by_sub_knows_numbered_identities_only_when_asked() -> None:
    sub = numbered_identity(42).sub_for(CLIENT_ID)
    assert find_by_sub(CLIENT_ID, sub) is None
    assert find_by_sub(CLIENT_ID, sub, numbered=41) is None
    assert find_by_sub(CLIENT_ID, sub, numbered=50) is numbered_identity(42)
    alice = IDENTITIES["alice"]
    assert find_by_sub(CLIENT_ID, alice.sub_for(CLIENT_ID), numbered=50) is alice


@pytest.fixture
def crowd(
    site: PartnerHost, clock: FakeClock, provider_jwks: dict[str, Any]
) -> Iterator[Simulator]:
    """A simulator with 50 numbered identities that approves as alice by default."""
    simulator = Simulator(
        clients=make_clients(site),
        auto_approve="alice",
        keys=provider_jwks,
        clock=clock,
        numbered_identities=50,
    )
    with simulator:
        yield simulator


@pytest.fixture
def crowd_rp(crowd: Simulator, site: PartnerHost, clock: FakeClock, rp_jwks: dict[str, Any]) -> RP:
    return RP(sim=crowd, site=site, clock=clock, keys=rp_jwks)


@pytest.fixture
def as_identity(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make the test browser send the identity header with every GET from now on."""

    original = requests.get

    def choose(identity: str) -> None:
        def get(url: str, **kwargs: Any) -> requests.Response:
            kwargs["headers"] = {**kwargs.get("headers", {}), IDENTITY_HEADER: identity}
            return original(url, **kwargs)

        monkeypatch.setattr(requests, "get", get)

    return choose


def test_header_names_the_approving_identity(
    crowd: Simulator, crowd_rp: RP, as_identity: Callable[[str], None]
) -> None:
    crowd_rp.login()
    assert crowd.authorizations[-1].identity == "alice"
    for key in ("user7", "user50", "bruno"):
        as_identity(key)
        _, tokens = crowd_rp.login()
        claims, _, _ = crowd_rp.open(tokens["id_token"])
        assert crowd.authorizations[-1].identity == key
        assert claims["sub"] == pairwise_sub(CLIENT_ID, key)
    # share data: the released claims are the numbered person's
    as_identity("user9")
    _, tokens = crowd_rp.login(
        service="TEST_SHARE",
        scope="openid service:TEST_SHARE",
        claims={"id_token": {"name": None, C + "BENationalNumber": None}},
    )
    claims, _, _ = crowd_rp.open(tokens["id_token"])
    person = numbered_identity(9)
    assert claims["name"] == person.claims["name"]
    assert claims[C + "BENationalNumber"] == person.claims[C + "BENationalNumber"]


def test_confirm_sub_of_a_numbered_identity_wins_over_the_header(
    crowd: Simulator, crowd_rp: RP, as_identity: Callable[[str], None]
) -> None:
    sub = numbered_identity(12).sub_for(CLIENT_ID)
    claims = {
        "userinfo": {
            "sub": {"value": sub},
            C + "claim_approval_template_name": {"essential": True, "value": "free_text"},
            C + "claim_approval_text_key": {"essential": True, "value": "Sign contract 7"},
        }
    }
    as_identity("user3")
    _, tokens = crowd_rp.login(service="TEST_CONFIRM", claims=claims)
    assert crowd.authorizations[-1].identity == "user12"
    assert crowd_rp.open(tokens["id_token"])[0]["sub"] == sub
    assert crowd.sub_for("user12", CLIENT_ID) == sub


@pytest.mark.parametrize("key", ["user51", "eve", "user0"])
def test_unknown_identity_in_header_is_refused(
    crowd: Simulator, crowd_rp: RP, as_identity: Callable[[str], None], key: str
) -> None:
    as_identity(key)
    answer = crowd_rp.authorize().response
    assert answer.status_code == 400
    assert "unknown test identity" in answer.text
    assert crowd.authorizations == [] or crowd.authorizations[-1].decision is None


def test_without_numbered_identities_user1_is_unknown(
    sim: Simulator, rp: RP, as_identity: Callable[[str], None]
) -> None:
    assert sim.numbered_identities == 0
    as_identity("user1")
    assert rp.authorize().response.status_code == 400
    with pytest.raises(ValueError, match="unknown identity"):
        sim.auto_approve = "user1"


def test_auto_approve_may_name_a_numbered_identity(crowd: Simulator, crowd_rp: RP) -> None:
    crowd.auto_approve = "user5"
    _, tokens = crowd_rp.login()
    assert crowd_rp.open(tokens["id_token"])[0]["sub"] == pairwise_sub(CLIENT_ID, "user5")


def test_cli_option() -> None:
    simulator = build_simulator(
        ["--numbered-identities", "25", "--auto-approve", "alice", "--quiet"]
    )
    assert simulator.numbered_identities == 25
    with pytest.raises(SystemExit):
        build_simulator(["--numbered-identities", str(MAX_NUMBERED_IDENTITIES + 1)])
    with pytest.raises(ValueError, match="numbered_identities"):
        Simulator(numbered_identities=-1)
