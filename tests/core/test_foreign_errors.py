"""Whatever a provider answers, the core raises an ItsmeError, never a foreign exception.

Security review (issue 9 §3): deeply nested JSON in a provider answer raised RecursionError,
which escaped the core as a 500 whose Django error report held the code, the nonce and the
code_verifier. Every answer below comes over real HTTP from the simulator (``raw_body`` fault).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.errors import (
    DiscoveryError,
    ItsmeError,
    ProviderError,
    ProviderKeysError,
    TokenEndpointError,
    TokenValidationError,
)
from django_itsme.core.provider_json import MAX_JSON_DEPTH, text_depth
from django_itsme.simulator import Simulator
from tests.core.conftest import follow

pytestmark = pytest.mark.simulator

#: Far deeper than Python's recursion limit.
DEEP = 100_000


def nested(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def token_answer(id_token: str) -> bytes:
    body = {"access_token": "at", "token_type": "Bearer", "id_token": id_token}
    return json.dumps(body).encode()


def redeem(client: ItsmeClient, service: str = "login") -> ItsmeError:
    """Run a flow up to get_user_details; return the error, checking it holds no flow secret."""
    auth = client.build_authentication_request(service)
    code = client.parse_callback(follow(auth).params, expected_state=auth.state)
    with pytest.raises(ItsmeError) as caught:
        client.get_user_details(
            code,
            redirect_uri=auth.redirect_uri,
            nonce=auth.nonce,
            code_verifier=auth.code_verifier,
            service=service,
        )
    error = caught.value
    for secret in (code, auth.nonce, auth.code_verifier):
        assert secret not in str(error)
        assert secret not in repr(error)
    return error


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        nested(),
        b'{"issuer": ' + nested() + b"}",
        b'{"issuer": "\xff\xfe"}',
        b"\xff\xfe\x00",
        b'{"issuer": ' + nested(40) + b"}",
    ],
)
def test_discovery(client: ItsmeClient, simulator: Simulator, body: bytes) -> None:
    simulator.faults.raw_body = {"discovery": body}
    with pytest.raises(DiscoveryError):
        client.provider_metadata()


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        nested(),
        b'{"keys": ' + nested() + b"}",
        b'{"keys": [' + b'{"a": ' * 900 + b"1" + b"}" * 900 + b"]}",
        b'{"keys": [{"kty": "RSA", "kid": "k", "n": 12, "e": []}]}',
        b'{"keys": [{"kty": "RSA", "kid": "k", "n": "' + b"A" * 5000 + b'", "e": "AQAB"}]}',
    ],
)
def test_jwks(client: ItsmeClient, simulator: Simulator, body: bytes) -> None:
    simulator.faults.raw_body = {"jwks": body}
    with pytest.raises(ProviderKeysError):
        client.provider_keys().encryption_key()


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        nested(),
        b'{"access_token": ' + nested() + b"}",
        b'{"access_token": "\xff"}',
        b'{"access_token": "at", "token_type": "Bearer", "id_token": "x", "expires_in": 1e999}',
    ],
)
def test_token_endpoint(client: ItsmeClient, simulator: Simulator, body: bytes) -> None:
    client.provider_keys().encryption_key()  # discovery and keys fetched first
    simulator.faults.raw_body = {"token": body}
    error = redeem(client)
    assert isinstance(error, TokenEndpointError | TokenValidationError)


@pytest.mark.attack
@pytest.mark.parametrize(
    "header",
    [
        nested(),
        b'{"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "x": ' + nested() + b"}",
        b'{"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "x": ' + nested(900) + b"}",
        b'{"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "kid": {"a": 1}}',
        b'{"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "kid": "op-enc-1", "epk": 1}',
        b"\xff\xfe",
    ],
)
def test_id_token_header(client: ItsmeClient, simulator: Simulator, header: bytes) -> None:
    client.provider_keys().encryption_key()
    simulator.faults.raw_body = {"token": token_answer(f"{b64(header)}.AAAA.AAAA.AAAA.AAAA")}
    assert isinstance(redeem(client), TokenValidationError)


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        b64(nested()).encode() + b".AAAA.AAAA.AAAA.AAAA",
        b64(b'{"alg": "RS256", "kid": ' + nested() + b"}").encode() + b".AAAA.AAAA",
        b"\xff\xfe.a.b",
    ],
)
def test_userinfo(client: ItsmeClient, simulator: Simulator, body: bytes) -> None:
    client.provider_keys().encryption_key()
    simulator.faults.raw_body = {"userinfo": body}
    error = redeem(client, "share")
    assert isinstance(error, ProviderError | TokenValidationError)


def test_errors_chain_the_foreign_cause(client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.raw_body = {"discovery": b'{"issuer": "\xff"}'}  # not UTF-8
    with pytest.raises(DiscoveryError) as caught:
        client.provider_metadata()
    cause: Any = caught.value.__cause__
    assert isinstance(cause, UnicodeDecodeError)


def test_deep_nesting_is_refused_before_it_is_parsed(
    client: ItsmeClient, simulator: Simulator
) -> None:
    """``json.loads`` would recurse once per level and fail with ``RecursionError`` deep in the
    stack, where destructors and tracers fail too: the brackets are counted first."""
    simulator.faults.raw_body = {"discovery": nested()}
    with pytest.raises(DiscoveryError, match="nests deeper than 32 levels") as caught:
        client.provider_metadata()
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('"[[[{{{"', 0),  # brackets inside a string do not count
        ('{"a": "\\"]", "b": [[1]]}', 3),  # nor after an escaped quote
        ("[" * 100_000, MAX_JSON_DEPTH + 1),  # the scan stops past the cap
        ('{"photo": "' + "A" * 100_000 + '"}', 1),
    ],
)
def test_text_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert text_depth(text) == depth
