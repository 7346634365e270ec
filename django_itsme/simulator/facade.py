"""The :class:`Simulator` façade: what tests, scripts and ``python -m django_itsme.simulator``
use to start, stop and configure the simulated provider, flip its fault switches and read its
request log.

The HTTP side (sockets, threads, loopback and ``Host`` checks, routing) is in :mod:`.transport`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, get_args

from .context import Decision, ProviderState
from .faults import Faults
from .identities import IDENTITIES, MAX_NUMBERED_IDENTITIES, identity_by_key
from .keys import ProviderKeys
from .provider import AuthorizationRecord, Provider
from .registry import ClientRegistry, RegisteredClient
from .requestlog import LoggedRequest, RequestLog
from .transport import BASE_PATH, LoopbackServer, check_bind_host

logger = logging.getLogger("django_itsme.simulator")


def _check_identity(key: str | None, numbered: int = 0) -> None:
    """Require a known identity key (or ``None``).

    :param key: identity key.
    :param numbered: how many numbered identities (``user1`` ...) exist.
    :raises ValueError: when unknown.
    """
    if key is not None and identity_by_key(key, numbered) is None:
        extra = f", user1 to user{numbered}" if numbered else ""
        msg = f"unknown identity {key!r}; known: {', '.join(IDENTITIES)}{extra}"
        raise ValueError(msg)


def _check_numbered(count: int) -> None:
    """Require a count of numbered identities within bounds.

    :param count: the count.
    :raises ValueError: when negative or above :data:`MAX_NUMBERED_IDENTITIES`.
    """
    if not 0 <= count <= MAX_NUMBERED_IDENTITIES:
        msg = f"numbered_identities must be 0 to {MAX_NUMBERED_IDENTITIES}, not {count}"
        raise ValueError(msg)


class Simulator:
    """An itsme®-compatible OpenID Provider on ``http://127.0.0.1:<port>/v2``.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        clients: Iterable[RegisteredClient] = (),
        *,
        auto_approve: str | None = None,
        keys: Mapping[str, Any] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
        auto_decision: Decision = "approve",
        numbered_identities: int = 0,
    ) -> None:
        """Configure the simulator (nothing listens before :meth:`start`).

        :param clients: registered clients.
        :param auto_approve: identity key that approves at once (the authorization endpoint
            redirects with a code immediately), or ``None`` to show the approval page.
        :param keys: the provider's private JWK Set (one ``sig`` RS256 and one ``enc`` RSA
            key); ``None`` generates fresh 2048-bit keys.
        :param port: TCP port; ``0`` picks a free one.
        :param host: ``127.0.0.1`` (default), ``localhost`` or ``::1``.
        :param clock: returns the current time in seconds since the epoch; inject a fake
            clock to test expiry.
        :param auto_decision: what the automatic user answers: ``"approve"`` or ``"refuse"``.
        :param numbered_identities: how many numbered test people (``user1`` ... ``userN``,
            Belgian eID card holders with all data) exist besides alice, bruno and claire, for
            load runs that need many distinct users. In auto-approve mode a request to the
            authorization endpoint may name the identity that approves it in the
            :data:`~.provider.IDENTITY_HEADER` header (the phone that answers); the ``sub``
            of a Confirm request still decides.
        :raises ValueError: on a non-loopback host, an unknown identity, a count of numbered
            identities out of range or bad keys.
        """
        check_bind_host(host)
        _check_numbered(numbered_identities)
        _check_identity(auto_approve, numbered_identities)
        self._check_decision(auto_decision)
        self.clock = clock
        self._registry = ClientRegistry(clients)
        self._keys = ProviderKeys(keys)
        self._state = ProviderState(
            auto_approve=auto_approve,
            auto_decision=auto_decision,
            numbered_identities=numbered_identities,
        )
        self._initial_decisions = (auto_approve, auto_decision)
        self._log = RequestLog()
        self._provider = Provider(
            registry=self._registry,
            keys=self._keys,
            issuer=lambda: self.issuer,
            clock=clock,
            state=self._state,
        )
        self._transport = LoopbackServer(
            self._provider, log=self._log, clock=clock, host=host, port=port
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Simulator:
        """Bind the port and serve from a daemon thread.

        :returns: ``self``.
        :raises RuntimeError: when already running.
        :raises OSError: when the port cannot be bound.
        """
        self._transport.start()
        logger.info("itsme simulator listening on %s", self.issuer)
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        self._transport.stop()

    @property
    def running(self) -> bool:
        """Tell whether the server thread is serving.

        :returns: ``True`` between :meth:`start` and :meth:`stop`.
        """
        return self._transport.running

    def __enter__(self) -> Simulator:
        """Start the simulator.

        :returns: ``self``.
        """
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the simulator.

        :param exc_type: exception type, if any.
        :param exc: exception, if any.
        :param traceback: traceback, if any.
        """
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:8123``.

        :returns: the URL.
        :raises RuntimeError: when the port is not known yet (port 0 before :meth:`start`).
        """
        return self._transport.url

    @property
    def issuer(self) -> str:
        """Return the issuer, ``url + "/v2"`` (discovery at issuer +
        ``/.well-known/openid-configuration``).

        :returns: the issuer URL.
        """
        return self.url + BASE_PATH

    @property
    def discovery_url(self) -> str:
        """Return the discovery document URL.

        :returns: the URL.
        """
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        """Return the provider JWKS URL.

        :returns: the URL.
        """
        return self.issuer + "/jwkSet"

    @property
    def token_endpoint(self) -> str:
        """Return the token endpoint URL (the client assertion ``aud``, D-AUTH).

        :returns: the URL.
        """
        return self.issuer + "/token"

    # ------------------------------------------------------------------ settings

    @property
    def faults(self) -> Faults:
        """Return the fault switches (change attributes; :meth:`Faults.reset` clears them).

        :returns: the live :class:`Faults` instance.
        """
        return self._state.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        """Replace the fault switches.

        :param value: the new switches.
        """
        self._state.faults = value

    @property
    def auto_approve(self) -> str | None:
        """Return the identity key that approves automatically, or ``None``.

        :returns: the key.
        """
        return self._state.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: str | None) -> None:
        """Set the automatic identity (``None`` shows the approval page).

        :param value: identity key or ``None``.
        :raises ValueError: on an unknown key.
        """
        _check_identity(value, self._state.numbered_identities)
        self._state.auto_approve = value

    @property
    def numbered_identities(self) -> int:
        """Return how many numbered identities (``user1`` ...) this simulator knows.

        :returns: the count.
        """
        return self._state.numbered_identities

    @property
    def auto_decision(self) -> Decision:
        """Return what the automatic user answers.

        :returns: ``"approve"`` or ``"refuse"``.
        """
        return self._state.auto_decision

    @auto_decision.setter
    def auto_decision(self, value: Decision) -> None:
        """Set what the automatic user answers.

        :param value: ``"approve"`` or ``"refuse"``.
        :raises ValueError: on any other value.
        """
        self._check_decision(value)
        self._state.auto_decision = value

    @staticmethod
    def _check_decision(value: str) -> None:
        """Require a known decision.

        :param value: candidate.
        :raises ValueError: when unknown.
        """
        if value not in get_args(Decision):
            msg = f"auto_decision must be 'approve' or 'refuse', not {value!r}"
            raise ValueError(msg)

    # ------------------------------------------------------------------ clients and keys

    def register(self, client: RegisteredClient) -> None:
        """Register a client at runtime (replaces one with the same ``client_id``).

        :param client: the client.
        """
        self._registry.register(client)

    @property
    def clients(self) -> list[RegisteredClient]:
        """Return the registered clients.

        :returns: the clients.
        """
        return self._registry.all()

    def reset(self) -> None:
        """Back to how it was made: no faults, the constructor's automatic decisions, an empty
        request log. Keys, clients and issued codes are kept (use between tests)."""
        self.faults.reset()
        self.auto_approve, self.auto_decision = self._initial_decisions
        self.clear_log()

    def forget_client_keys(self) -> None:
        """Drop the cached client JWK Sets: the next use fetches them again, as itsme does once
        its copy expires (kept up to 60 s, or as itsme: see :meth:`cache_client_keys_like_itsme`).
        """
        self._provider.key_store.clear()

    def cache_client_keys_like_itsme(self, enabled: bool = True) -> None:
        """Keep each client JWK Set 30 minutes to 24 hours, honouring ``max-age`` in between, and
        never refetch it for an unknown ``kid``, as itsme does (D-AUTH "Key rotation
        procedure"); ``False`` goes back to the short default. Either way the cache is emptied.

        :param enabled: itsme's caching (True) or the simulator's default (False).
        """
        self._provider.key_store.cache_like_itsme(enabled)

    def rotate_keys(self, *, keep_old_encryption_key: bool = True) -> None:
        """Replace the provider's signature and encryption keys with new ones (new ``kid``
        values). The old keys leave the JWKS at once; ID tokens are signed with the new key.

        :param keep_old_encryption_key: keep decrypting request objects (and encrypted client
            assertions) made for the retired encryption key, as a provider does during a
            rotation; ``False`` refuses them (``invalid_request_object``).
        """
        self._keys.rotate(keep_old_encryption_key=keep_old_encryption_key)

    def public_jwks(self) -> dict[str, Any]:
        """Return the JWK Set served at ``/v2/jwkSet``.

        :returns: public keys only.
        """
        return self._keys.public_jwks()

    def private_jwks(self) -> dict[str, Any]:
        """Return the provider's private keys (to reuse them in a later run).

        :returns: a private JWK Set.
        """
        return self._keys.private_jwks()

    @staticmethod
    def sub_for(identity_key: str, client_id: str) -> str:
        """Return the ``sub`` a client receives for a test identity.

        :param identity_key: key in :data:`IDENTITIES`, or of a numbered identity.
        :param client_id: the partner code.
        :returns: the pairwise subject.
        :raises KeyError: on an unknown identity.
        """
        identity = identity_by_key(identity_key, MAX_NUMBERED_IDENTITIES)
        if identity is None:
            raise KeyError(identity_key)
        return identity.sub_for(client_id)

    # ------------------------------------------------------------------ observation

    @property
    def requests(self) -> list[LoggedRequest]:
        """Return a snapshot of the request log (every HTTP request served).

        :returns: the entries, oldest first.
        """
        return self._log.entries()

    def clear_log(self) -> None:
        """Empty the request log."""
        self._log.clear()

    def count(self, path_suffix: str) -> int:
        """Count logged requests whose path ends with ``path_suffix``.

        :param path_suffix: e.g. ``"/token"``.
        :returns: the count.
        """
        return self._log.count(path_suffix)

    @property
    def authorizations(self) -> list[AuthorizationRecord]:
        """Return the accepted authorization requests and their outcome.

        :returns: the records, oldest first.
        """
        return self._provider.records()
