"""The public routes: JWKS, request objects (served until they expire), and the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from django_itsme.cache import (
    get_cache,
    new_request_object_token,
    read_request_object,
    store_request_object,
)
from django_itsme.models import ItsmeIdentity
from tests import keyfiles

pytestmark = pytest.mark.django_db


def test_jwks_publishes_public_keys_only(client: Client) -> None:
    response = client.get("/itsme/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response.json() == keyfiles.public(keyfiles.RP_PRIVATE) | {
        "keys": [
            {k: v for k, v in key.items() if k in ("kty", "kid", "use", "alg", "n", "e")}
            for key in keyfiles.public(keyfiles.RP_PRIVATE)["keys"]
        ]
    }
    text = response.content.decode()
    for private in ('"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"'):
        assert private not in text


def test_jwks_only_answers_get(client: Client) -> None:
    assert client.post("/itsme/jwks.json").status_code == 405


def test_request_object_is_served_until_it_expires(client: Client) -> None:
    token = new_request_object_token()
    store_request_object("eyJ.header.key.iv.tag", token=token)
    for _fetch in range(3):  # itsme's web front, then the app, then a retry (issue 10)
        response = client.get(f"/itsme/request/{token}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/jwt"
        assert response.content == b"eyJ.header.key.iv.tag"
        assert "no-store" in response["Cache-Control"]
    get_cache().delete(f"django-itsme:request-object:{token}")  # what expiry does
    assert client.get(f"/itsme/request/{token}/").status_code == 404


def test_unknown_request_object(client: Client) -> None:
    assert client.get("/itsme/request/nope/").status_code == 404
    assert read_request_object("nope") is None


def test_tokens_are_unguessable() -> None:
    tokens = {new_request_object_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes: 256 bits


@pytest.fixture
def admin_client_with_identity(admin_client: Client) -> Any:
    user = User.objects.create_user("ann")
    identity = ItsmeIdentity.objects.create(user=user, sub="sub-ann-123")
    return admin_client, identity


def test_admin_search_by_sub_and_user(admin_client_with_identity: Any) -> None:
    admin_client, _identity = admin_client_with_identity
    url = "/admin/django_itsme/itsmeidentity/"
    assert b"sub-ann-123" in admin_client.get(url, {"q": "sub-ann"}).content
    assert b"sub-ann-123" in admin_client.get(url, {"q": "ann"}).content
    assert b"sub-ann-123" not in admin_client.get(url, {"q": "zzz"}).content


def test_admin_sub_is_read_only_and_no_add(admin_client_with_identity: Any) -> None:
    admin_client, identity = admin_client_with_identity
    url = f"/admin/django_itsme/itsmeidentity/{identity.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="sub"' not in page.content
    admin_client.post(url, {"user": identity.user.pk, "sub": "changed"})
    identity.refresh_from_db()
    assert identity.sub == "sub-ann-123"
    assert admin_client.get("/admin/django_itsme/itsmeidentity/add/").status_code == 403


@pytest.mark.parametrize("token", ["a b", "a%00b", "..", "ä"])
def test_request_object_tokens_are_url_safe_only(client: Client, token: str) -> None:
    assert client.get(f"/itsme/request/{token}/").status_code == 404
