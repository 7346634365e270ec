"""Authorization codes and access tokens, with their bindings and lifetimes."""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .authorization import AuthorizationRequest
from .expiring import ExpiringMap
from .identities import Identity
from .protocol import CODE_LENGTH, CODE_LIFETIME, TOKEN_LIFETIME

_CODE_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Grant:
    """What the user approved: the request, who approved it, and how strongly.

    :param request: the validated authorization request (client, redirect URI, PKCE
        challenge, nonce, claims request, scopes).
    :param identity: the approving identity.
    :param acr: the level of assurance obtained (v2 ACR URI).
    :param auth_time: when the user approved, in seconds since the epoch.
    """

    request: AuthorizationRequest
    identity: Identity
    acr: str
    auth_time: int


class GrantError(Exception):
    """A code could not be redeemed (answered as ``invalid_grant``)."""


@dataclass
class _CodeEntry:
    """One issued code.

    :param grant: what it stands for.
    :param expires: clock time when it stops being valid.
    :param used: whether it was already redeemed.
    """

    grant: Grant
    expires: float
    used: bool = False


class CodeStore:
    """Issue and redeem single-use authorization codes (D-AREQ "Response": 36 characters,
    valid 3 minutes; single use per D-IG2020)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Create the store.

        :param clock: returns the current time.
        """
        self._clock = clock
        self._lock = threading.Lock()
        # Kept one more lifetime past expiry, so a late replay still reads "expired" or "used".
        self._codes: ExpiringMap[str, _CodeEntry] = ExpiringMap(clock)

    def issue(self, grant: Grant) -> str:
        """Create a code for a grant.

        :param grant: the approved grant.
        :returns: a random 36-character code.
        """
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
        with self._lock:
            expires = self._clock() + CODE_LIFETIME
            self._codes.put(code, _CodeEntry(grant, expires), forget_at=expires + CODE_LIFETIME)
        return code

    def redeem(self, code: str, client_id: str) -> Grant:
        """Use a code up. Any redemption attempt by its own client burns the code.

        :param code: the code from the token request.
        :param client_id: the authenticated client.
        :returns: the grant.
        :raises GrantError: when unknown, used, expired or issued to another client.
        """
        with self._lock:
            entry = self._codes.get(code)
            if entry is None:
                msg = "unknown authorization code"
                raise GrantError(msg)
            if entry.grant.request.client.client_id != client_id:
                msg = "the authorization code was issued to another client"
                raise GrantError(msg)
            if entry.used:
                msg = "the authorization code was already used"
                raise GrantError(msg)
            entry.used = True
            if self._clock() >= entry.expires:
                msg = "the authorization code has expired"
                raise GrantError(msg)
            return entry.grant


@dataclass(frozen=True)
class AccessToken:
    """An issued access token.

    :param grant: the grant behind it.
    :param expires: clock time after which userinfo refuses it.
    """

    grant: Grant
    expires: float


class AccessTokenStore:
    """Issue and look up Bearer access tokens (lifetime 3600 s, D-AUTH example)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Create the store.

        :param clock: returns the current time.
        """
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: ExpiringMap[str, AccessToken] = ExpiringMap(clock)

    def issue(self, grant: Grant) -> str:
        """Create an access token.

        :param grant: the grant.
        :returns: the opaque token.
        """
        token = secrets.token_urlsafe(32)
        with self._lock:
            expires = self._clock() + TOKEN_LIFETIME
            self._tokens.put(token, AccessToken(grant, expires), forget_at=expires)
        return token

    def lookup(self, token: str) -> Grant | None:
        """Find the grant of a valid access token.

        :param token: the Bearer token.
        :returns: the grant, or ``None`` when unknown or expired.
        """
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or self._clock() >= entry.expires:
            return None
        return entry.grant
