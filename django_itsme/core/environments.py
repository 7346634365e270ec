"""itsme environments and the issuer URLs they stand for.

Source: D-AUTH "itsme® Discovery Document" and the decrypted ID-token example (protocol notes §1.2).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .errors import ConfigurationError

__all__ = [
    "ENVIRONMENTS",
    "IssuerProblem",
    "connection_host",
    "find_issuer_problem",
    "is_loopback_url",
    "issuer_problem",
    "resolve_issuer",
]

#: The two v2 environments a partner is onboarded on (protocol notes §1.2).
ENVIRONMENTS: dict[str, str] = {
    "e2e": "https://idp.e2e.itsme.services/v2",
    "prd": "https://idp.prd.itsme.services/v2",
}

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
#: The characters a URL we connect to may hold: visible ASCII without the backslash. A backslash
#: is a path separator for urllib3 (and browsers) but part of the authority for ``urllib.parse``;
#: whitespace, control and non-ASCII characters are normalised differently by each parser
#: (RFC 3986 §2 allows none of them unencoded). An itsme URL never needs any of them.
_URL_CHARACTERS = re.compile(r"[!-\[\]-~]+")


def connection_host(url: object) -> str | None:
    """The host an HTTP client connects to for ``url``, or None when that is not certain.

    ``urllib.parse`` (which our checks used) and urllib3 (which ``requests`` connects with) must
    agree on the host and port; a URL with userinfo (RFC 3986 §3.2.1, never used by itsme),
    a backslash, whitespace, a control or a non-ASCII character is refused outright, since each
    makes the two parsers disagree (security review, issue 9).

    :param url: an absolute URL.
    :returns: the lower-case host (IPv6 without brackets), or None.
    """
    return _connection_host(url) if isinstance(url, str) else None


@functools.lru_cache(maxsize=256)  # checked on every call to itsme: a handful of endpoints
def _connection_host(url: str) -> str | None:
    if not _URL_CHARACTERS.fullmatch(url):
        return None
    try:
        ours = urlsplit(url)
        theirs = parse_url(url)
        our_port = ours.port
    except (ValueError, LocationParseError):
        return None
    if "@" in ours.netloc or theirs.auth is not None or not ours.hostname or not theirs.host:
        return None
    their_host = theirs.host.lower().strip("[]")
    if ours.hostname.lower() != their_host or our_port != theirs.port:
        return None
    if ours.scheme.lower() != (theirs.scheme or "").lower():
        return None
    return their_host


def is_loopback_url(url: str) -> bool:
    """Tell whether ``url`` points at this machine (127.0.0.0/8, ``::1`` or ``localhost``).

    The host is the one the HTTP client will connect to (:func:`connection_host`): a URL the
    parsers read differently is never loopback.

    :param url: an absolute URL.
    :returns: True for a loopback host, False otherwise (including unparsable URLs).
    """
    host = connection_host(url)
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class IssuerProblem:
    """What is wrong with an ``ENVIRONMENT`` value.

    :ivar kind: ``"invalid"`` (not an environment name nor a usable URL) or ``"plain_http"``
        (a well-formed http URL outside loopback).
    :ivar message: the explanation, for operators.
    """

    kind: Literal["invalid", "plain_http"]
    message: str


def find_issuer_problem(environment: object) -> IssuerProblem | None:
    """Say what is wrong with an ``ENVIRONMENT`` value, or return None when it is usable.

    Plain ``http`` is accepted only on loopback, for the simulator: every itsme URL is https
    (protocol notes §10 "TLS"). A URL whose host is not certain (:func:`connection_host`) is
    invalid whatever its scheme.

    :param environment: the setting's value.
    :returns: the problem, or None.
    """
    if not isinstance(environment, str) or not environment:
        return IssuerProblem("invalid", "must be 'e2e', 'prd' or an issuer URL.")
    if environment in ENVIRONMENTS:
        return None
    shown = repr(environment[:100])
    try:
        parts = urlsplit(environment)
    except ValueError:
        return IssuerProblem("invalid", f"{shown} is neither 'e2e', 'prd' nor a URL.")
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return IssuerProblem(
            "invalid", f"{shown} is neither 'e2e', 'prd' nor an absolute https URL."
        )
    if connection_host(environment) is None:
        return IssuerProblem(
            "invalid",
            "an issuer URL has no user name, backslash, space, control or non-ASCII character.",
        )
    if parts.query or parts.fragment:
        return IssuerProblem("invalid", "an issuer URL has no query string or fragment.")
    if parts.scheme == "http" and not is_loopback_url(environment):
        return IssuerProblem(
            "plain_http", "a plain http issuer is only allowed on loopback (the simulator)."
        )
    return None


def issuer_problem(environment: object) -> str | None:
    """The message of :func:`find_issuer_problem`, or None when ``environment`` is usable."""
    problem = find_issuer_problem(environment)
    return None if problem is None else problem.message


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
