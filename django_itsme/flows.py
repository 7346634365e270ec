"""Flows in progress, kept in the user's session between the redirect and the callback.

Each flow is stored under its own ``state`` (several tabs can each run one), removed the moment
its callback arrives, whatever the outcome (``state`` is one-time: RFC 6749 §10.12, D-IG2020),
and forgotten after :data:`FLOW_LIFETIME`. mozilla-django-oidc keeps a similar map
(``oidc_states``); ours also holds what itsme needs at the callback (service, redirect URI,
expected ``sub``, ``next``), so it is kept separately under its own session key.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

__all__ = ["FLOW_LIFETIME", "MAX_FLOWS", "pop_flow", "save_flow"]

SESSION_KEY = "django_itsme_flows"
#: Seconds a started flow stays redeemable: the itsme app gives the user a few minutes, and the
#: request object itself expires after 10 minutes (``REQUEST_OBJECT_LIFETIME``).
FLOW_LIFETIME = 600
#: Flows kept per session; the oldest is dropped beyond this (a user with many tabs open).
MAX_FLOWS = 10


def _flows(session: SessionBase, now: float) -> dict[str, dict[str, Any]]:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    return {
        state: flow
        for state, flow in stored.items()
        if isinstance(flow, dict) and now - float(flow.get("started", 0)) < FLOW_LIFETIME
    }


def save_flow(session: SessionBase, state: str, flow: dict[str, Any]) -> None:
    """Remember a started flow under its ``state``."""
    now = time.time()
    flows = _flows(session, now)
    flows[state] = {**flow, "started": now}
    while len(flows) > MAX_FLOWS:
        oldest = min(flows, key=lambda key: float(flows[key]["started"]))
        del flows[oldest]
    session[SESSION_KEY] = flows


def pop_flow(session: SessionBase, state: str | None) -> dict[str, Any] | None:
    """Take the flow started with ``state`` out of the session; None if unknown or expired."""
    if SESSION_KEY not in session:
        return None
    flows = _flows(session, time.time())
    flow = flows.pop(state, None) if state else None
    if flows:
        session[SESSION_KEY] = flows
    else:
        del session[SESSION_KEY]
    return flow
