"""Environments and issuers (protocol notes §1.2)."""

from __future__ import annotations

import pytest

from django_itsme.core.environments import is_loopback_url, issuer_problem, resolve_issuer
from django_itsme.core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("environment", "issuer"),
    [
        ("e2e", "https://idp.e2e.itsme.services/v2"),
        ("prd", "https://idp.prd.itsme.services/v2"),
        ("https://idp.example.test/v2/", "https://idp.example.test/v2"),
        ("http://127.0.0.1:8123/v2", "http://127.0.0.1:8123/v2"),
        ("http://localhost:8123/v2", "http://localhost:8123/v2"),
        ("http://[::1]:8123/v2", "http://[::1]:8123/v2"),
    ],
)
def test_resolve(environment: str, issuer: str) -> None:
    assert resolve_issuer(environment) == issuer


@pytest.mark.parametrize(
    ("environment", "fragment"),
    [
        ("", "must be"),
        ("E2E", "neither"),
        ("http://idp.example.test/v2", "only allowed on loopback"),
        ("ftp://127.0.0.1/v2", "neither"),
        ("https://idp.example.test/v2?x=1", "no query"),
        ("https://idp.example.test/v2#x", "no query"),
    ],
)
def test_refused(environment: str, fragment: str) -> None:
    problem = issuer_problem(environment)
    assert problem is not None
    assert fragment in problem
    with pytest.raises(ConfigurationError):
        resolve_issuer(environment)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1/", True),
        ("http://127.8.9.1:80/", True),
        ("http://localhost/", True),
        ("http://[::1]/", True),
        ("http://10.0.0.1/", False),
        ("https://example.be/", False),
        ("not a url", False),
        ("http://[bad/", False),
    ],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback
