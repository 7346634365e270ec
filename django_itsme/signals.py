"""Signals a site connects to.

``identity_verified``
    after every successful itsme login (``itsme:login``), once the user is logged in (so what a
    receiver writes to ``request.session`` stays), before the redirect to ``next``. Keyword
    arguments: ``request``, ``user``, ``identity`` (the
    :class:`~django_itsme.models.ItsmeIdentity`),
    ``details`` (the core's :class:`~django_itsme.core.client.UserDetails`: ``details.identity``
    holds the typed claims, ``details.claims`` the raw ones), ``service`` (its name) and
    ``created`` (whether the user was created by this login). This is where a site stores the
    shared data it needs: django-itsme itself keeps none of it (see README.rst, "What is stored").

``identity_linked``
    after ``itsme:link`` linked an itsme identity to the logged-in user who asked for it: a first
    link, or a re-link that replaced another ``sub`` (never after a no-op: the user already had
    this ``sub``). Keyword arguments: ``request``, ``user``, ``identity`` (the
    :class:`~django_itsme.models.ItsmeIdentity`, with its new ``sub``), ``previous_sub`` (the
    replaced ``sub``, or None for a first link), ``service`` (its name) and ``details`` (the core's
    ``UserDetails``). ``identity_verified`` is not sent for a link flow: nobody logs in.

``confirmation_completed``
    when a Confirm transaction ends, whatever the outcome: ``request``, ``confirmation`` (the
    :class:`~django_itsme.models.Confirmation`, whose ``status`` is ``approved``, ``refused`` or
    ``failed``) and ``details`` (the core's ``UserDetails`` for an approval, else None).

``login_failed``
    after a failed flow, once, with ``request``, ``code`` (the error code, as in the WARNING log
    line, or ``internal_error`` after an unexpected exception, logged at ERROR), ``error`` (the
    :class:`~django_itsme.core.errors.ItsmeError`, or None) and ``service``.

``flow_finished``
    once per callback that consumed a flow (its one-time ``state`` was used up), whatever the
    outcome: after a login, a link or a Confirm transaction, and after each of their failures.
    Keyword arguments: ``request``, ``service`` (its name), ``kind`` (``"login"``, ``"link"`` or
    ``"confirm"``), ``outcome`` (``"ok"``, or the failure's code, as in ``login_failed``) and
    ``duration`` (seconds since the flow started, the user's time in the itsme app included).
    A callback that matched no flow (expired, replayed, forged) sends none: it finished nothing.
    Sent with ``send_robust``: a failing receiver is logged and never changes the answer. The
    Prometheus exporter (:mod:`django_itsme.metrics`) listens to it.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "confirmation_completed",
    "flow_finished",
    "identity_linked",
    "identity_verified",
    "login_failed",
]

confirmation_completed = Signal()
flow_finished = Signal()
identity_linked = Signal()
identity_verified = Signal()
login_failed = Signal()
