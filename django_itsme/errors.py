"""The Django app's errors, in the one tree drawn in :mod:`django_itsme.core.errors`.

The site's accounts refuse an identity itsme vouched for (:class:`~.core.errors.AccountError`:
the user or the site's administrator must act), or a site's code reached a path of the backend
that cannot work (:class:`UnsupportedBackendPath`, a :class:`~.core.errors.ConfigurationError`:
the developer must act). Their codes are the ones the failure pages, signals and log lines show.
"""

from __future__ import annotations

from .core.errors import AccountError, ConfigurationError

__all__ = [
    "AlreadyLinked",
    "InactiveUser",
    "LinkUserChanged",
    "NoAccount",
    "NotLinked",
    "UnsupportedBackendPath",
]


class NoAccount(AccountError, code="no_account"):
    """The ``sub`` is linked to no user and ``CREATE_USERS`` is off."""


class AlreadyLinked(AccountError, code="already_linked"):
    """``itsme:link``: the ``sub`` is already linked to another account (never moved silently)."""


class InactiveUser(AccountError, code="inactive_user"):
    """The linked user exists but is not allowed to log in (``is_active`` is False)."""


class NotLinked(AccountError, code="not_linked"):
    """Confirm: the user is not logged in, or has no linked itsme identity to confirm with."""


class LinkUserChanged(AccountError, code="link_user_changed"):
    """An ``itsme:link`` callback arrived while another user, or nobody, is logged in, or after
    the user's password changed: the flow's owner is not who is logged in now."""


class UnsupportedBackendPath(ConfigurationError, code="unsupported_backend_path"):
    """A mozilla-django-oidc method :class:`~django_itsme.backends.ItsmeBackend` does not use was
    called: its token path checks neither ``aud`` nor ``iss`` and knows no encrypted tokens, and
    its user lookup matches e-mail addresses (D-MAP: link by ``sub`` only)."""
