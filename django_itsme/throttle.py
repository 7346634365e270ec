"""A bound on the flows one client can start: what an anonymous visitor can make the site store.

Every start of a flow stores something for a visitor nobody knows yet: a session (the flow's
state, nonce and PKCE verifier) and, with ``REQUEST_BY = "reference"``, a request object in the
cache. Unbounded, a script can fill the session store and push waiting users' request objects out
of a cache that culls (issue 9). So each client address may start at most ``FLOW_START_LIMIT``
flows per :data:`FLOW_START_WINDOW`; the next start is answered 429 and stores nothing.

The counters live in the ``CACHE`` alias, so every worker shares them, and are counted with
``add``/``incr`` (atomic in Redis, Memcached and the database cache). The count is a sliding
window made of two fixed ones: the current window's starts plus the previous window's, weighted
by how much of it still lies within the last :data:`FLOW_START_WINDOW` seconds, so crossing a
window boundary gives no fresh budget. Refused starts count too: a script that keeps trying stays
refused.

The client address is ``REMOTE_ADDR``, or the last entry of the header named by
``CLIENT_ADDRESS_HEADER`` (a ``request.META`` key) behind a reverse proxy; IPv6 addresses count
by their /64 network, which one subscriber holds whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.core.cache import BaseCache
from django.http import HttpRequest, HttpResponse

from .cache import get_cache
from .conf import DJANGO_SETTINGS, get_settings
from .failures import render_failure

__all__ = [
    "DEFAULT_FLOW_START_LIMIT",
    "FLOW_START_WINDOW",
    "TOO_MANY_FLOWS",
    "allow_flow_start",
    "client_address",
    "count_flow_start",
    "refuse_flow_start",
]

#: Seconds of the window ``FLOW_START_LIMIT`` counts in.
FLOW_START_WINDOW = 60
#: ``FLOW_START_LIMIT``'s default (its reason is in conf.py).
DEFAULT_FLOW_START_LIMIT: int = DJANGO_SETTINGS["FLOW_START_LIMIT"]
#: The failure code of a refused start (failures.py, README.rst Troubleshooting).
TOO_MANY_FLOWS = "too_many_flows"
#: IPv6 addresses count by this prefix: a subscriber gets a whole /64 (RFC 6177 §2), so per
#: address counting would give one client 2**64 budgets.
IPV6_CLIENT_PREFIX = 64
#: A client name that is no IP address (a broken proxy header) is cut to this many characters.
_MAX_CLIENT_NAME = 100
_COUNTER_KEY = "django-itsme:flow-starts:{window}:{client}"


def client_address(request: HttpRequest, header: str | None) -> str:
    """The address flow starts are counted by.

    :param request: the request.
    :param header: a ``request.META`` key (``"HTTP_X_FORWARDED_FOR"``) set by a trusted reverse
        proxy, or None for ``REMOTE_ADDR``. Of a comma-separated list the last entry counts: the
        one the nearest proxy appended (entries before it are whatever the client sent).
    :returns: an IPv4 address, an IPv6 /64 network, or another short name when the value is not
        an IP address.
    """
    raw = ""
    if header:
        raw = str(request.META.get(header, "")).rsplit(",", 1)[-1].strip()
    if not raw:
        raw = str(request.META.get("REMOTE_ADDR", "")).strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:_MAX_CLIENT_NAME] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network)
    return str(address)


def _counter_key(client: str, window: int) -> str:
    digest = hashlib.sha256(client.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return _COUNTER_KEY.format(window=window, client=digest)


def _increment(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to the counter ``key``, creating it with ``timeout``; atomic where ``incr`` is."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # it expired between add and incr
        cache.add(key, 1, timeout)
        return 1


def count_flow_start(
    cache: BaseCache, client: str, *, limit: int, now: float, window: int = FLOW_START_WINDOW
) -> bool:
    """Count one flow start by ``client`` and tell whether it stays within ``limit``.

    :param cache: where the counters live (shared by every worker).
    :param client: the client's address (:func:`client_address`).
    :param limit: starts allowed in any ``window`` seconds.
    :param now: the current time (seconds since the epoch).
    :param window: the window's length in seconds.
    :returns: True when this start is allowed; False when it is one too many.
    """
    index = int(now // window)
    # A counter is read during its own window and the next one, then expires by itself.
    current = _increment(cache, _counter_key(client, index), timeout=2 * window)
    previous = cache.get(_counter_key(client, index - 1), 0)
    previous = previous if isinstance(previous, int) else 0
    still_in_window = 1 - (now - index * window) / window
    return previous * still_in_window + current <= limit


def allow_flow_start(request: HttpRequest) -> bool:
    """Count a flow start by this request's client and tell whether it may go on.

    :param request: the request starting a flow.
    :returns: True when the start is within ``FLOW_START_LIMIT`` (or the limit is off).
    """
    itsme = get_settings()
    if not itsme.flow_start_limit:
        return True
    client = client_address(request, itsme.client_address_header)
    return count_flow_start(get_cache(), client, limit=itsme.flow_start_limit, now=time.time())


def refuse_flow_start(request: HttpRequest, service: str | None) -> HttpResponse:
    """The answer to a start over the limit: the ``too_many_flows`` failure page (429), which
    stores nothing, with ``Retry-After`` (RFC 6585 §4).

    :param request: the refused request.
    :param service: the service asked for, for the log line.
    :returns: the 429 response.
    """
    response = render_failure(request, None, service=service, code=TOO_MANY_FLOWS)
    response["Retry-After"] = str(FLOW_START_WINDOW)
    return response
