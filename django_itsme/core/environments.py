"""itsme environments and the issuer URLs they stand for.

Source: D-AUTH "itsme® Discovery Document" and the decrypted ID-token example (protocol notes §1.2).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["ENVIRONMENTS", "is_loopback_url", "resolve_issuer"]

#: The two v2 environments a partner is onboarded on (protocol notes §1.2).
ENVIRONMENTS: dict[str, str] = {
    "e2e": "https://idp.e2e.itsme.services/v2",
    "prd": "https://idp.prd.itsme.services/v2",
}

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback_url(url: str) -> bool:
    """Tell whether ``url`` points at this machine (127.0.0.0/8, ``::1`` or ``localhost``).

    :param url: an absolute URL.
    :returns: True for a loopback host, False otherwise (including unparsable URLs).
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_problem(environment: object) -> str | None:
    """Say what is wrong with an ``ENVIRONMENT`` value, or return None when it is usable.

    Plain ``http`` is accepted only on loopback, for the simulator: every itsme URL is https
    (protocol notes §10 "TLS").
    """
    if not isinstance(environment, str) or not environment:
        return "must be 'e2e', 'prd' or an issuer URL."
    if environment in ENVIRONMENTS:
        return None
    try:
        parts = urlsplit(environment)
    except ValueError:
        return f"{environment!r} is neither 'e2e', 'prd' nor a URL."
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return f"{environment!r} is neither 'e2e', 'prd' nor an absolute https URL."
    if parts.query or parts.fragment:
        return "an issuer URL has no query string or fragment."
    if parts.scheme == "http" and not is_loopback_url(environment):
        return "a plain http issuer is only allowed on loopback (the simulator)."
    return None


def resolve_issuer(environment: str) -> str:
    """Turn an ``ENVIRONMENT`` setting into an issuer URL.

    :param environment: ``"e2e"``, ``"prd"`` or an issuer URL (https, or http on loopback).
    :returns: the issuer, without a trailing slash.
    :raises ConfigurationError: for any other value.
    """
    problem = issuer_problem(environment)
    if problem is not None:
        raise ConfigurationError(f"ENVIRONMENT {problem}")
    return ENVIRONMENTS.get(environment, environment).rstrip("/")
