"""The pending flow (:mod:`django_itsme.core.flow`): what a flow remembers between the redirect and
the callback, as JSON-safe session data that is checked when it is read back, and the one call
that finishes it (:meth:`~django_itsme.core.ItsmeClient.finish_flow`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from django_itsme.core import ItsmeClient, PendingFlow
from django_itsme.core.errors import ClaimValidationError, StateMismatch
from tests.core.conftest import follow


def test_a_pending_flow_survives_json(client: ItsmeClient) -> None:
    auth = client.build_authentication_request("login")
    pending = auth.pending()
    data = json.loads(json.dumps(pending.to_session()))
    assert PendingFlow.from_session(data) == pending
    assert pending.state == auth.state
    assert pending.service == "login"


def test_the_secrets_stay_out_of_repr(client: ItsmeClient) -> None:
    pending = client.build_authentication_request("login").pending()
    for secret in (pending.state, pending.nonce, pending.code_verifier):
        assert secret not in repr(pending)


SAMPLE: dict[str, Any] = {
    "state": "s" * 43,
    "nonce": "n" * 43,
    "code_verifier": "v" * 43,
    "redirect_uri": "http://127.0.0.1:8000/itsme/callback/",
    "service": "login",
    "expected_sub": None,
}


def test_a_sample_is_read() -> None:
    flow = PendingFlow.from_session(SAMPLE)
    assert flow is not None
    assert flow.to_session() == SAMPLE


@pytest.mark.parametrize(
    "change",
    [
        {"nonce": None},
        {"state": ""},
        {"code_verifier": 12},
        {"service": ["login"]},
        {"redirect_uri": {"x": 1}},
        {"expected_sub": 5},
    ],
    ids=str,
)
def test_a_tampered_entry_is_no_flow(change: dict[str, Any]) -> None:
    assert PendingFlow.from_session({**SAMPLE, **change}) is None


@pytest.mark.parametrize("missing", sorted(set(SAMPLE) - {"expected_sub"}))
def test_an_entry_missing_a_field_is_no_flow(missing: str) -> None:
    data = {k: v for k, v in SAMPLE.items() if k != missing}
    assert PendingFlow.from_session(data) is None


@pytest.mark.parametrize("data", [None, "text", ["state"], 3])
def test_an_entry_that_is_no_mapping_is_no_flow(data: object) -> None:
    assert PendingFlow.from_session(data) is None


def test_finish_flow_returns_the_verified_user(client: ItsmeClient) -> None:
    auth = client.build_authentication_request("login")
    details = client.finish_flow(auth.pending(), follow(auth).params)
    assert details.sub
    assert details.identity.sub == details.sub


def test_finish_flow_refuses_another_flows_state(client: ItsmeClient) -> None:
    first = client.build_authentication_request("login")
    second = client.build_authentication_request("login")
    with pytest.raises(StateMismatch) as caught:
        client.finish_flow(second.pending(), follow(first).params)
    # Same code and claim as before it had its own class (pages and log lines keep them).
    assert caught.value.code == "invalid_state"
    assert isinstance(caught.value, ClaimValidationError)
