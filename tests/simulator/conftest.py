"""Fixtures and a small, independent relying-party toolkit for the simulator tests.

The helpers here play the partner's side with jwcrypto directly (request objects, client
assertions, decryption of ID tokens), so the simulator is tested without django_itsme.core.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from jwcrypto import jwe, jwk, jws

from django_itsme.simulator import CLAIM_PREFIX, RegisteredClient, Simulator
from tests.partner_host import PartnerHost

KEYS_DIR = Path(__file__).resolve().parent.parent / "keys"
CLIENT_ID = "OIDC_TEST"
OTHER_CLIENT_ID = "OIDC_OTHER"
REDIRECT_URI = "http://127.0.0.1:8000/itsme/callback/"
OTHER_REDIRECT_URI = "http://127.0.0.1:8000/other/callback/?tenant=7"
SERVICES: dict[str, Any] = {
    "TEST_LOGIN": "login",
    "TEST_SHARE": "share",
    "TEST_CONFIRM": "confirm",
}
TIMEOUT = 10

#: Marker: leave this member out.
DROP: Any = object()


def load_jwks(name: str) -> dict[str, Any]:
    """Read a committed test key set.

    :param name: file name in tests/keys.
    :returns: the private JWK Set.
    """
    data: dict[str, Any] = json.loads((KEYS_DIR / name).read_text(encoding="utf-8"))
    return data


_PARSED: dict[str, jwk.JWK] = {}


def key_for(jwks: Mapping[str, Any], use: str) -> jwk.JWK:
    """Pick the key with this ``use`` from a JWK Set (parsed once: RSA key setup is slow).

    :param jwks: the set.
    :param use: ``sig`` or ``enc``.
    :returns: the key.
    """
    entry = next(item for item in jwks["keys"] if item.get("use") == use)
    serialised = json.dumps(entry, sort_keys=True)
    if serialised not in _PARSED:
        _PARSED[serialised] = jwk.JWK(**entry)
    return _PARSED[serialised]


def public_of(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Strip private members from a JWK Set.

    :param jwks: a private set.
    :returns: the public set.
    """
    return {"keys": [jwk.JWK(**item).export_public(as_dict=True) for item in jwks["keys"]]}


def b64url(data: bytes) -> str:
    """Encode unpadded base64url.

    :param data: bytes.
    :returns: text.
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """Compute a PKCE S256 challenge.

    :param verifier: the verifier.
    :returns: the challenge.
    """
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def header_of(token: str) -> dict[str, Any]:
    """Decode the protected header of a compact JOSE object.

    :param token: compact serialisation.
    :returns: header.
    """
    first = token.split(".", maxsplit=1)[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    return decoded


def payload_of(token: str) -> dict[str, Any]:
    """Decode the payload of a compact JWS without verifying it.

    :param token: compact JWS.
    :returns: claims.
    """
    middle = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4))
    )
    return decoded


def apply(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge overrides into a dict; :data:`DROP` removes a member.

    :param base: the base mapping.
    :param overrides: changes.
    :returns: the merged dict.
    """
    merged = dict(base)
    for name, value in (overrides or {}).items():
        if value is DROP:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


class FakeClock:
    """Real time plus an adjustable offset, shared by the simulator and the test client."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Attempt:
    """One authorization request sent by the test client and the simulator's answer."""

    response: requests.Response
    params: dict[str, Any]
    verifier: str | None
    token: str | None

    @property
    def location(self) -> str:
        return self.response.headers.get("Location", "")

    @property
    def redirect(self) -> dict[str, str]:
        """The parameters the simulator added to the redirect URI."""
        assert self.response.status_code == 302, self.response.text[:500]
        return {k: v[0] for k, v in parse_qs(urlsplit(self.location).query).items()}

    @property
    def code(self) -> str:
        found = self.redirect
        assert "code" in found, found
        return found["code"]

    @property
    def error(self) -> str:
        return self.redirect.get("error", "")


@dataclass
class RP:
    """A minimal relying party written against the protocol notes, with jwcrypto."""

    sim: Simulator
    site: PartnerHost
    clock: FakeClock
    keys: dict[str, Any]
    client_id: str = CLIENT_ID
    redirect_uri: str = REDIRECT_URI
    seen: list[str] = field(default_factory=list)

    @property
    def sig_key(self) -> jwk.JWK:
        return key_for(self.keys, "sig")

    @property
    def enc_key(self) -> jwk.JWK:
        return key_for(self.keys, "enc")

    def sim_key(self, use: str) -> jwk.JWK:
        return key_for(self.sim.public_jwks(), use)

    # -------------------------------------------------------------- request objects

    def request_object(
        self,
        claims: Mapping[str, Any],
        *,
        sign_key: jwk.JWK | None = None,
        jws_header: Mapping[str, Any] | None = None,
        encrypt: bool = True,
        enc_key: jwk.JWK | None = None,
        jwe_header: Mapping[str, Any] | None = None,
    ) -> str:
        """Sign, then encrypt, a request object."""
        key = sign_key or self.sig_key
        protected = apply({"alg": "RS256", "kid": key.get("kid"), "typ": "JWT"}, jws_header)
        signed = jws.JWS(json.dumps(dict(claims)).encode("utf-8"))
        signed.add_signature(key, alg=protected["alg"], protected=json.dumps(protected))
        inner: str = signed.serialize(compact=True)
        if not encrypt:
            return inner
        target = enc_key or self.sim_key("enc")
        header = apply(
            {"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "cty": "JWT", "kid": target.get("kid")},
            jwe_header,
        )
        envelope = jwe.JWE(inner.encode("utf-8"), protected=json.dumps(header))
        envelope.add_recipient(target)
        result: str = envelope.serialize(compact=True)
        return result

    def authorize(
        self,
        *,
        service: str = "TEST_LOGIN",
        scope: str | None = None,
        claims: Mapping[str, Any] | None = None,
        pkce: bool = True,
        via: str | None = "request",
        extra: Mapping[str, Any] | None = None,
        ro: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        token: str | None = None,
        **object_options: Any,
    ) -> Attempt:
        """Send an authorization request (auto-approve answers with a redirect).

        :param extra: parameters added to the request object (and nowhere else).
        :param ro: overrides of the request object claims (DROP removes).
        :param query: overrides of the query string (DROP removes).
        :param token: a ready-made request object instead of building one.
        :param via: ``request``, ``request_uri`` or ``None`` (no request object).
        """
        verifier = secrets.token_urlsafe(48) if pkce else None
        params: dict[str, Any] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope or f"openid service:{service}",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
        }
        if verifier is not None:
            params["code_challenge"] = s256(verifier)
            params["code_challenge_method"] = "S256"
        if claims is not None:
            params["claims"] = dict(claims)
        params.update(extra or {})
        object_claims = apply({"iss": self.client_id, "aud": self.sim.issuer, **params}, ro)
        if token is None and via is not None:
            token = self.request_object(object_claims, **object_options)
        query_params = apply(
            {
                name: params[name]
                for name in ("client_id", "response_type", "scope", "redirect_uri")
            },
            query,
        )
        if via == "request":
            query_params["request"] = token
        elif via == "request_uri":
            assert token is not None
            query_params["request_uri"] = self.site.publish(
                f"/ro/{secrets.token_hex(8)}", token, content_type="application/jwt"
            )
        response = requests.get(
            self.sim.issuer + "/authorization",
            params=query_params,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return Attempt(response, object_claims, verifier, token)

    # -------------------------------------------------------------- token endpoint

    def assertion(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        sign_key: jwk.JWK | None = None,
        encrypt: bool = False,
    ) -> str:
        """Build a private_key_jwt client assertion."""
        now = int(self.clock())
        claims = apply(
            {
                "iss": self.client_id,
                "sub": self.client_id,
                "aud": self.sim.token_endpoint,
                "jti": secrets.token_hex(16),
                "exp": now + 120,
                "iat": now,
            },
            overrides,
        )
        key = sign_key or self.sig_key
        signed = jws.JWS(json.dumps(claims).encode("utf-8"))
        signed.add_signature(
            key,
            alg="RS256",
            protected=json.dumps({"alg": "RS256", "kid": key.get("kid"), "typ": "JWT"}),
        )
        token: str = signed.serialize(compact=True)
        if not encrypt:
            return token
        target = self.sim_key("enc")
        header = {"alg": "RSA-OAEP", "enc": "A256GCM", "cty": "JWT", "kid": target.get("kid")}
        envelope = jwe.JWE(token.encode("utf-8"), protected=json.dumps(header))
        envelope.add_recipient(target)
        result: str = envelope.serialize(compact=True)
        return result

    def token(
        self,
        attempt: Attempt,
        *,
        form: Mapping[str, Any] | None = None,
        assertion: str | None = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """Redeem the attempt's code at the token endpoint."""
        body = apply(
            {
                "grant_type": "authorization_code",
                "code": attempt.code,
                "redirect_uri": attempt.params.get("redirect_uri", self.redirect_uri),
                "code_verifier": attempt.verifier,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion or self.assertion(),
            },
            form,
        )
        body = {name: value for name, value in body.items() if value is not None}
        if content_type is None:
            return requests.post(self.sim.token_endpoint, data=body, timeout=TIMEOUT)
        return requests.post(
            self.sim.token_endpoint,
            data=json.dumps(body),
            headers={"Content-Type": content_type},
            timeout=TIMEOUT,
        )

    def login(self, **options: Any) -> tuple[Attempt, dict[str, Any]]:
        """Authorize, then redeem the code; return the attempt and the token response."""
        attempt = self.authorize(**options)
        answer = self.token(attempt)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return attempt, data

    # -------------------------------------------------------------- reading tokens

    def open(self, token: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Decrypt with the client's enc key and verify with the simulator's sig key.

        :returns: claims, JWS header, JWE header.
        """
        outer = header_of(token)
        envelope = jwe.JWE()
        envelope.deserialize(token, key=self.enc_key)
        inner = envelope.payload.decode("utf-8")
        inner_header = header_of(inner)
        published = {key["kid"]: key for key in self.sim.public_jwks()["keys"]}
        signed = jws.JWS()
        signed.deserialize(inner)
        signed.verify(jwk.JWK(**published[inner_header["kid"]]), alg="RS256")
        claims: dict[str, Any] = json.loads(signed.payload)
        return claims, inner_header, outer

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            self.sim.issuer + "/userinfo",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def rp_jwks() -> dict[str, Any]:
    return load_jwks("rp_private.json")


@pytest.fixture(scope="session")
def provider_jwks() -> dict[str, Any]:
    return load_jwks("provider_private.json")


@pytest.fixture(scope="session")
def foreign_jwks() -> dict[str, Any]:
    return load_jwks("foreign_private.json")


@pytest.fixture(scope="session")
def rotated_jwks() -> dict[str, Any]:
    return load_jwks("rp_private_rotated.json")


@pytest.fixture(scope="session")
def client_site_server() -> Iterator[PartnerHost]:
    with PartnerHost() as site:
        yield site


@pytest.fixture
def site(client_site_server: PartnerHost, rp_jwks: dict[str, Any]) -> PartnerHost:
    """The partner host, serving only the relying party's public keys at /jwks.json."""
    client_site_server.reset()
    client_site_server.publish("/jwks.json", json.dumps(public_of(rp_jwks)))
    return client_site_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_clients(site: PartnerHost) -> list[RegisteredClient]:
    return [
        RegisteredClient(
            client_id=CLIENT_ID,
            jwks_uri=site.url + "/jwks.json",
            redirect_uris=[REDIRECT_URI],
            services=dict(SERVICES),
            require_pkce=True,
        ),
        RegisteredClient(
            client_id=OTHER_CLIENT_ID,
            jwks_uri=site.url + "/jwks.json",
            redirect_uris=[OTHER_REDIRECT_URI],
            services={"OTHER_LOGIN": "login"},
            require_pkce=False,
        ),
    ]


@pytest.fixture
def sim(site: PartnerHost, clock: FakeClock, provider_jwks: dict[str, Any]) -> Iterator[Simulator]:
    """A running simulator with fixed keys that approves as alice."""
    simulator = Simulator(
        clients=make_clients(site), auto_approve="alice", keys=provider_jwks, clock=clock
    )
    with simulator:
        yield simulator


@pytest.fixture
def rp(sim: Simulator, site: PartnerHost, clock: FakeClock, rp_jwks: dict[str, Any]) -> RP:
    return RP(sim=sim, site=site, clock=clock, keys=rp_jwks)


@pytest.fixture
def other_rp(sim: Simulator, site: PartnerHost, clock: FakeClock, rp_jwks: dict[str, Any]) -> RP:
    return RP(
        sim=sim,
        site=site,
        clock=clock,
        keys=rp_jwks,
        client_id=OTHER_CLIENT_ID,
        redirect_uri=OTHER_REDIRECT_URI,
    )


# ------------------------------------------------------------------ the approval page


def page_of(attempt: Attempt) -> str:
    assert attempt.response.status_code == 200, attempt.response.text
    assert attempt.response.headers["Content-Type"] == "text/html; charset=utf-8"
    page: str = attempt.response.text
    return page


#: The claim naming a Confirm approval template (D-CONF).
TEMPLATE = CLAIM_PREFIX + "claim_approval_template_name"


@pytest.fixture
def manual(sim: Simulator) -> Simulator:
    """The simulator showing its approval page (nobody approves automatically)."""
    sim.auto_approve = None
    return sim


def transaction_of(page: str) -> str:
    found = re.search(r'name="transaction" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def decide(sim: Simulator, page: str, **fields: str) -> requests.Response:
    return requests.post(
        sim.issuer + "/authorization/decision",
        data={"transaction": transaction_of(page), **fields},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
