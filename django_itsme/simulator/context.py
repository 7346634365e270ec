"""What every endpoint rule of the simulated provider reads: the registered clients, the keys,
the issuer, the clock and the live settings (fault switches, automatic decisions).

One :class:`ProviderContext` is built by :class:`~.provider.Provider` and handed to the
authorization validator, the client authenticator and the token issuer, so that each reads the
same collaborators instead of taking them one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .faults import Faults
from .keys import ProviderKeys
from .registry import ClientKeyStore, ClientRegistry

#: What the automatic user answers.
Decision = Literal["approve", "refuse"]


@dataclass
class ProviderState:
    """Mutable settings shared by the endpoints.

    :param faults: the fault switches.
    :param auto_approve: identity key that approves at once, or ``None`` for the page.
    :param auto_decision: what the automatic user answers.
    :param numbered_identities: how many numbered identities (``user1`` ...) exist.
    """

    faults: Faults = field(default_factory=Faults)
    auto_approve: str | None = None
    auto_decision: Decision = "approve"
    numbered_identities: int = 0


@dataclass(frozen=True)
class ProviderContext:
    """The collaborators of the endpoint rules.

    :param registry: the registered clients.
    :param keys: the provider's own keys.
    :param key_store: the cache of the clients' public JWK Sets.
    :param issuer: returns the issuer URL (known once the server has its port).
    :param clock: returns the current time in seconds since the epoch.
    :param state: the live settings; read them at each request, they change between tests.
    """

    registry: ClientRegistry
    keys: ProviderKeys
    key_store: ClientKeyStore
    issuer: Callable[[], str]
    clock: Callable[[], float]
    state: ProviderState = field(default_factory=ProviderState)

    @property
    def faults(self) -> Faults:
        """Return the fault switches in force now.

        :returns: the live :class:`Faults`.
        """
        return self.state.faults
