"""A flow between the redirect to itsme and the callback: what it sends, and what it remembers.

:class:`AuthenticationRequest` is what :meth:`.client.ItsmeClient.build_authentication_request`
returns: the URL to send the browser to, the request object to serve for ``request_uri``, and the
flow's secrets. :class:`PendingFlow` is the part to keep server-side until the callback (a web
app keeps it in the session): :meth:`PendingFlow.to_session` writes it as JSON-safe data and
:meth:`PendingFlow.from_session` reads it back, checked, so a tampered or unreadable entry is a
flow that does not exist. :meth:`.client.ItsmeClient.finish_flow` redeems it.

The requested ``acr`` is not kept: the level a flow must reach is the service's at the callback
(a level raised by the operator meanwhile applies at once), as is what a missing ``acr`` means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .services import AcrLevel

__all__ = ["AuthenticationRequest", "PendingFlow"]

#: The fields of a stored flow that must be non-empty strings.
_REQUIRED = ("state", "nonce", "code_verifier", "redirect_uri", "service")


@dataclass(frozen=True, slots=True)
class PendingFlow:
    """What finishing a flow needs from its start; the ``nonce`` and PKCE ``code_verifier`` are
    secrets of this flow (kept out of ``repr``), so keep it server-side.

    :ivar state: the one-time ``state`` the callback must echo (RFC 6749 §10.12).
    :ivar nonce: the ``nonce`` the ID token must carry (OIDC Core §3.1.2.1).
    :ivar code_verifier: the PKCE verifier (RFC 7636 §4.1).
    :ivar redirect_uri: the redirect URI of the authorization request, sent again with the code.
    :ivar service: the service's name in the configuration.
    :ivar expected_sub: the ``sub`` the ID token must carry (Confirm), else None.
    """

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    service: str
    expected_sub: str | None = None

    def to_session(self) -> dict[str, str | None]:
        """The flow as JSON-safe data, for :meth:`from_session`."""
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "redirect_uri": self.redirect_uri,
            "service": self.service,
            "expected_sub": self.expected_sub,
        }

    @classmethod
    def from_session(cls, data: object) -> PendingFlow | None:
        """Read a flow written by :meth:`to_session`; other keys of ``data`` are ignored.

        :param data: what was stored (decoded JSON).
        :returns: the flow, or None when ``data`` is no such flow (a field is missing, empty or
            of another type): a tampered or unreadable entry is a flow that does not exist.
        """
        if not isinstance(data, Mapping):
            return None
        values = [data.get(name) for name in _REQUIRED]
        expected_sub = data.get("expected_sub")
        if not all(isinstance(value, str) and value for value in values):
            return None
        if expected_sub is not None and not isinstance(expected_sub, str):
            return None
        state, nonce, verifier, redirect_uri, service = (str(value) for value in values)
        return cls(state, nonce, verifier, redirect_uri, service, expected_sub)


@dataclass(frozen=True, slots=True)
class AuthenticationRequest:
    """A started flow: where to send the browser, and what to remember until the callback.

    Keep :meth:`pending` server-side: ``code_verifier`` and ``nonce`` are secrets of this flow.
    ``request_object`` must be served at ``request_uri`` when the request is sent by reference.

    :ivar url: the authorization URL to redirect the browser to.
    :ivar acr: the level the request asked for (the service's), for the caller's information.
    :ivar request_uri: set when the request goes by reference: serve ``request_object`` there.
    :ivar expected_sub: the known ``sub`` sent with the request (Confirm), else None.
    """

    url: str = field(repr=False)
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    service: str
    acr: AcrLevel | None
    request_object: str = field(repr=False)
    request_uri: str | None = None
    expected_sub: str | None = None

    def pending(self) -> PendingFlow:
        """What :meth:`.client.ItsmeClient.finish_flow` needs at the callback."""
        return PendingFlow(
            state=self.state,
            nonce=self.nonce,
            code_verifier=self.code_verifier,
            redirect_uri=self.redirect_uri,
            service=self.service,
            expected_sub=self.expected_sub,
        )
