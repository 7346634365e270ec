"""Unknown-kid refetches, refetches after a refused request object and failed discovery are
rate-limited through the shared cache.

Security review (issue 9 §3): every token naming an unknown ``kid`` made us fetch the JWKS again,
and every login retried a discovery that had just failed, so anyone able to send tokens (or an
outage) turned each request into a call to itsme that holds a worker. Counts come from the
simulator's request log.
"""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from django_itsme.core import jose
from django_itsme.core.cache import MemoryCache
from django_itsme.core.client import ItsmeClient
from django_itsme.core.discovery import DISCOVERY_RETRY_AFTER
from django_itsme.core.errors import (
    AuthorizationDenied,
    DiscoveryError,
    ProviderKeysError,
    TokenEndpointError,
    TransportTimeout,
)
from django_itsme.core.jwks import JWKS_REFETCH_COOLDOWN
from django_itsme.simulator import Simulator
from tests.core.conftest import follow, make_client

pytestmark = pytest.mark.simulator

JWKS = "/jwkSet"
DISCOVERY = "/.well-known/openid-configuration"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def sharing_a_cache(simulator: Simulator, count: int) -> tuple[Clock, list[ItsmeClient]]:
    """``count`` clients, as so many workers sharing one cache, on one clock the test moves."""
    clock = Clock()
    cache = MemoryCache(clock=clock)
    return clock, [make_client(simulator, cache=cache, clock=clock) for _ in range(count)]


def forged_token(kid: str) -> str:
    """A JWS naming ``kid``; the key is looked up before any signature is checked."""
    header = json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode()
    encoded = base64.urlsafe_b64encode(header).rstrip(b"=").decode()
    return f"{encoded}.e30.c2ln"


@pytest.mark.attack
def test_random_unknown_kids_cause_one_refetch_per_cooldown(simulator: Simulator) -> None:
    clock, workers = sharing_a_cache(simulator, 3)
    workers[0].provider_keys().encryption_key()
    simulator.clear_log()
    for index in range(30):
        keys = workers[index % 3].provider_keys()
        with pytest.raises(ProviderKeysError):
            jose.verify(forged_token(secrets.token_hex(8)), keys.signing_key)
    assert simulator.count(JWKS) == 1
    clock.now += JWKS_REFETCH_COOLDOWN + 1
    with pytest.raises(ProviderKeysError):
        jose.verify(forged_token(secrets.token_hex(8)), workers[1].provider_keys().signing_key)
    assert simulator.count(JWKS) <= 2  # at most the refetch the cooldown allows again


def test_a_rotation_is_still_picked_up_at_once(simulator: Simulator) -> None:
    client = make_client(simulator)
    assert client.provider_keys().encryption_key()
    simulator.rotate_keys()
    simulator.clear_log()
    (new_sig,) = [k["kid"] for k in simulator.public_jwks()["keys"] if k.get("use") == "sig"]
    assert client.provider_keys().signing_key(new_sig).get("kid") == new_sig
    assert simulator.count(JWKS) == 1


@pytest.mark.attack
def test_a_failed_discovery_fails_fast_for_a_while(simulator: Simulator) -> None:
    clock, workers = sharing_a_cache(simulator, 2)
    simulator.faults.discovery_status = 503
    for index in range(10):
        with pytest.raises(DiscoveryError) as caught:
            workers[index % 2].provider_metadata()
        assert caught.value.status == 503
    assert simulator.count(DISCOVERY) == 1
    simulator.faults.reset()
    clock.now += DISCOVERY_RETRY_AFTER + 1
    assert workers[1].provider_metadata().issuer == simulator.issuer
    assert simulator.count(DISCOVERY) == 2


@pytest.mark.attack
def test_a_timed_out_discovery_fails_fast_with_the_same_class(simulator: Simulator) -> None:
    client = make_client(simulator, http_timeout=0.3)
    simulator.faults.delay = {"discovery": 1.0}
    with pytest.raises(TransportTimeout):
        client.provider_metadata()
    with pytest.raises(TransportTimeout):
        client.provider_metadata()
    assert simulator.count(DISCOVERY) == 1


# ------------------------------------------------------------------ a refused request object
def test_a_refused_request_object_drops_the_key_set_so_the_retry_works(
    simulator: Simulator,
) -> None:
    _clock, workers = sharing_a_cache(simulator, 2)
    refused = workers[0].build_authentication_request("login")
    simulator.rotate_keys(keep_old_encryption_key=False)
    denied = ItsmeClient.read_callback_error(follow(refused).params)
    assert denied is not None
    assert workers[0].note_refusal(denied) is True
    # Another worker sharing the cache encrypts to itsme's new key, and itsme reads it.
    retry = workers[1].build_authentication_request("login")
    assert "code" in follow(retry).params
    assert simulator.count(JWKS) == 2


@pytest.mark.attack
def test_refusals_drop_the_key_set_once_per_cooldown(simulator: Simulator) -> None:
    clock, workers = sharing_a_cache(simulator, 3)
    workers[0].provider_keys().encryption_key()
    refusal = AuthorizationDenied("invalid_request_object")
    answers = [workers[index % 3].note_refusal(refusal) for index in range(30)]
    assert answers == [True] + [False] * 29
    for worker in workers:
        worker.provider_keys().encryption_key()
    assert simulator.count(JWKS) == 2
    clock.now += JWKS_REFETCH_COOLDOWN + 1
    assert workers[2].note_refusal(refusal) is True


@pytest.mark.parametrize(
    "error", ["access_denied", "invalid_scope", "server_error", "invalid_client", "made_up"]
)
def test_other_refusals_keep_the_key_set(simulator: Simulator, error: str) -> None:
    client = make_client(simulator)
    client.provider_keys().encryption_key()
    assert client.note_refusal(AuthorizationDenied(error)) is False
    client.provider_keys().encryption_key()
    assert simulator.count(JWKS) == 1


def test_a_refusal_while_the_cache_is_down_is_only_reported(simulator: Simulator) -> None:
    class DownCache(MemoryCache):
        def get(self, key: str, default: object = None) -> object:
            raise ConnectionError("cache server unreachable")

    client = make_client(simulator, cache=DownCache())
    assert client.note_refusal(AuthorizationDenied("invalid_request_object")) is False


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "signed_only"])
def test_a_refused_encrypted_client_assertion_drops_the_key_set_too(
    simulator: Simulator, encrypted: bool
) -> None:
    # ENCRYPT_CLIENT_ASSERTION: the assertion is encrypted to itsme's key as well. itsme drops
    # that key between the redirect and the token request: the token request fails, and the next
    # flow encrypts both its request object and its assertion to the new key.
    client = make_client(simulator, encrypt_client_assertion=encrypted)
    auth = client.build_authentication_request("login")
    params = follow(auth).params
    simulator.rotate_keys(keep_old_encryption_key=False)
    if encrypted:
        with pytest.raises(TokenEndpointError) as caught:
            client.finish_flow(auth.pending(), params)
        assert caught.value.error in ("invalid_client", "unauthorized_client")
        retry = client.build_authentication_request("login")
        assert client.finish_flow(retry.pending(), follow(retry).params).sub
        assert simulator.count(JWKS) == 2  # the first fetch, then the new set after the drop
    else:  # a signed-only assertion is unaffected, and nothing is dropped
        assert client.finish_flow(auth.pending(), params).sub
        assert simulator.count(JWKS) == 2  # the first fetch, the new signing key's


@pytest.mark.parametrize("error", ["invalid_client", "unauthorized_client", "invalid_grant"])
def test_which_token_refusals_drop_the_key_set(simulator: Simulator, error: str) -> None:
    # RFC 6749 §5.2 says invalid_client for a failed client authentication; the simulator says
    # unauthorized_client for an assertion it cannot decrypt. Both drop the set; a spent code
    # (invalid_grant) says nothing about keys.
    client = make_client(simulator, encrypt_client_assertion=True)
    auth = client.build_authentication_request("login")
    params = follow(auth).params
    simulator.faults.token_error = error
    with pytest.raises(TokenEndpointError):
        client.finish_flow(auth.pending(), params)
    client.build_authentication_request("login")
    assert simulator.count(JWKS) == (1 if error == "invalid_grant" else 2)
