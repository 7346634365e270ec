"""Discovery and provider keys: cached, shared, one refetch on an unknown kid (OIDC §10.1.1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from django_itsme.core.cache import MemoryCache
from django_itsme.core.discovery import ProviderMetadata, get_provider_metadata
from django_itsme.core.errors import DiscoveryError, ProviderKeysError
from django_itsme.core.http import HttpClient
from django_itsme.core.jwks import ProviderKeys
from tests import keyfiles
from tests.partner_host import PartnerHost

ISSUER = "https://idp.example.test/v2"


def document(**changes: Any) -> dict[str, Any]:
    base = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/authorization",
        "token_endpoint": ISSUER + "/token",
        "userinfo_endpoint": ISSUER + "/userinfo",
        "jwks_uri": ISSUER + "/jwkSet",
    }
    base.update(changes)
    return base


def test_metadata_from_a_good_document() -> None:
    metadata = ProviderMetadata.from_document(document(extra=1), issuer=ISSUER)
    assert metadata.token_endpoint == ISSUER + "/token"
    assert metadata.raw["extra"] == 1


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "not a JSON object"),
        (document(issuer=ISSUER + "/"), "another issuer"),
        (document(issuer="https://evil.test/v2"), "another issuer"),
        (document(token_endpoint=None), "'token_endpoint'"),
        (document(jwks_uri="http://idp.example.test/v2/jwkSet"), "'jwks_uri'"),
        (document(userinfo_endpoint="/userinfo"), "'userinfo_endpoint'"),
        (document(authorization_endpoint=ISSUER + "/a#frag"), "'authorization_endpoint'"),
    ],
)
def test_bad_documents(doc: Any, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        ProviderMetadata.from_document(doc, issuer=ISSUER)


def test_http_endpoints_only_on_loopback() -> None:
    issuer = "http://127.0.0.1:5/v2"
    doc = {k: v.replace(ISSUER, issuer) for k, v in document().items()}
    assert ProviderMetadata.from_document(doc, issuer=issuer).issuer == issuer
    doc["token_endpoint"] = "http://evil.test/token"
    with pytest.raises(DiscoveryError, match="token_endpoint"):
        ProviderMetadata.from_document(doc, issuer=issuer)


def test_discovery_is_fetched_once_and_shared_through_the_cache() -> None:
    with PartnerHost() as host:
        issuer = host.url + "/v2"
        doc = {k: v.replace(ISSUER, issuer) for k, v in document().items()}
        host.publish("/v2/.well-known/openid-configuration", json.dumps(doc))
        cache = MemoryCache()
        first = get_provider_metadata(issuer, http=HttpClient(), cache=cache)
        # Another worker (another HTTP client) with the same shared cache makes no call.
        second = get_provider_metadata(issuer, http=HttpClient(), cache=cache)
        assert first == second
        assert host.hits == ["/v2/.well-known/openid-configuration"]


def test_discovery_errors() -> None:
    with PartnerHost() as host:
        issuer = host.url + "/v2"
        with pytest.raises(DiscoveryError, match="HTTP 404") as caught:
            get_provider_metadata(issuer, http=HttpClient(), cache=MemoryCache())
        assert caught.value.status == 404
        host.publish("/v2/.well-known/openid-configuration", "{oops")
        with pytest.raises(DiscoveryError, match="not valid JSON"):
            get_provider_metadata(issuer, http=HttpClient(), cache=MemoryCache())


def test_a_corrupt_cached_document_is_dropped_and_refetched() -> None:
    with PartnerHost() as host:
        issuer = host.url + "/v2"
        doc = {k: v.replace(ISSUER, issuer) for k, v in document().items()}
        host.publish("/v2/.well-known/openid-configuration", json.dumps(doc))
        cache = MemoryCache()
        get_provider_metadata(issuer, http=HttpClient(), cache=cache)
        (key,) = cache._data
        cache.set(key, {"issuer": "https://evil.test"})
        assert get_provider_metadata(issuer, http=HttpClient(), cache=cache).issuer == issuer
        assert len(host.hits) == 2


def provider_set(path: Any = keyfiles.PROVIDER_PRIVATE) -> str:
    return json.dumps(keyfiles.public(path))


def test_keys_are_fetched_once_then_served_from_the_cache() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", provider_set())
        cache = MemoryCache()
        keys = ProviderKeys(uri, http=HttpClient(), cache=cache)
        assert keys.signing_key("op-sig-1").get("kid") == "op-sig-1"
        assert keys.encryption_key().get("kid") == "op-enc-1"
        other_worker = ProviderKeys(uri, http=HttpClient(), cache=cache)
        other_worker.signing_key("op-sig-1")
        assert host.hits == ["/jwkSet"]
        public = keys.public_jwk("op-sig-1")
        assert "d" not in public
        assert public["kid"] == "op-sig-1"


def test_unknown_kid_causes_exactly_one_refetch() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", provider_set())
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        keys.signing_key("op-sig-1")
        with pytest.raises(ProviderKeysError, match="no signing key"):
            keys.signing_key("unknown-kid")
        assert host.hits == ["/jwkSet", "/jwkSet"]


def test_rotation_is_picked_up_by_the_refetch() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", provider_set())
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        keys.signing_key("op-sig-1")
        host.publish("/jwkSet", provider_set(keyfiles.FOREIGN_PRIVATE))
        assert keys.signing_key("foreign-sig-1").get("kid") == "foreign-sig-1"
        assert len(host.hits) == 2
        keys.signing_key("foreign-sig-1")
        assert len(host.hits) == 2


def test_enc_key_is_not_a_signing_key() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", provider_set())
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        with pytest.raises(ProviderKeysError):
            keys.signing_key("op-enc-1")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("nope", "not valid JSON"),
        ('{"keys": 1}', "not a JWK set"),
        ('{"keys": [{"kty": "EC"}, {"kty": "RSA", "n": "!"}]}', "no usable RSA key"),
    ],
)
def test_bad_key_sets(body: str, message: str) -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", body)
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        with pytest.raises(ProviderKeysError, match=message):
            keys.signing_key("op-sig-1")


def test_no_encryption_key() -> None:
    with PartnerHost() as host:
        only_sig = {"keys": keyfiles.public(keyfiles.PROVIDER_PRIVATE)["keys"][:1]}
        uri = host.publish("/jwkSet", json.dumps(only_sig))
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        with pytest.raises(ProviderKeysError, match="no RSA encryption key"):
            keys.encryption_key()
        assert len(host.hits) == 2  # looked again once before giving up


def test_private_members_in_a_provider_set_are_dropped() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", json.dumps(keyfiles.load(keyfiles.PROVIDER_PRIVATE)))
        keys = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache())
        assert not keys.signing_key("op-sig-1").has_private


def test_public_keys_lists_the_set_without_private_members() -> None:
    with PartnerHost() as host:
        uri = host.publish("/jwkSet", json.dumps(keyfiles.load(keyfiles.PROVIDER_PRIVATE)))
        listed = ProviderKeys(uri, http=HttpClient(), cache=MemoryCache()).public_keys()
        assert sorted(key["kid"] for key in listed) == ["op-enc-1", "op-sig-1"]
        assert all("d" not in key for key in listed)
