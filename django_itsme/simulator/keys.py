"""The provider's own RSA keys: one signature key and one encryption key."""

from __future__ import annotations

import functools
import json
import secrets
import threading
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwk

from .protocol import DEFAULT_KEY_ALG, KEY_ALGS, SIGNING_ALG

#: RSA modulus size for generated keys (TB: 2048 bits minimum).
KEY_SIZE = 2048


def generate_key(use: str) -> jwk.JWK:
    """Generate a fresh 2048-bit RSA key with a new random ``kid``.

    :param use: ``"sig"`` or ``"enc"``.
    :returns: the private key, with ``kid``, ``use`` and ``alg`` set.
    """
    alg = SIGNING_ALG if use == "sig" else DEFAULT_KEY_ALG
    kid = f"sim-{use}-{secrets.token_hex(4)}"
    return jwk.JWK.generate(kty="RSA", size=KEY_SIZE, kid=kid, use=use, alg=alg)


def generate_jwks() -> dict[str, Any]:
    """Generate a private JWK Set in the shape :class:`ProviderKeys` accepts.

    :returns: ``{"keys": [sig, enc]}`` with private members.
    """
    return {
        "keys": [
            generate_key("sig").export_private(as_dict=True),
            generate_key("enc").export_private(as_dict=True),
        ]
    }


@functools.lru_cache(maxsize=32)
def _parse(serialised: str) -> jwk.JWK:
    """Parse a JWK once per process (building an RSA private key object is slow).

    :param serialised: the key as canonical JSON.
    :returns: the parsed key; callers never modify it.
    """
    return jwk.JWK.from_json(serialised)


_FOREIGN_LOCK = threading.Lock()
_FOREIGN: list[jwk.JWK] = []


def _foreign_key() -> jwk.JWK:
    """Return a process-wide RSA key that no simulator ever publishes.

    :returns: a private key, generated on first use.
    """
    with _FOREIGN_LOCK:
        if not _FOREIGN:
            _FOREIGN.append(jwk.JWK.generate(kty="RSA", size=KEY_SIZE))
        return _FOREIGN[0]


def _pick(keys: list[jwk.JWK], use: str) -> jwk.JWK:
    """Return the single key with the given ``use``.

    :param keys: parsed keys.
    :param use: ``"sig"`` or ``"enc"``.
    :returns: the key.
    :raises ValueError: when there is not exactly one such private RSA key.
    """
    found = [key for key in keys if key.get("use") == use]
    if len(found) != 1:
        msg = f"the provider JWKS needs exactly one RSA key with 'use': '{use}'"
        raise ValueError(msg)
    key = found[0]
    if key.get("kty") != "RSA" or not key.has_private or not key.get("kid"):
        msg = f"the provider '{use}' key must be a private RSA key with a 'kid'"
        raise ValueError(msg)
    return key


class ProviderKeys:
    """Hold the simulator's private keys and publish their public halves.

    The signature key signs ID tokens and userinfo answers (RS256, D-JOSE); the encryption
    key decrypts request objects and encrypted client assertions (D-AREQ, D-AUTH).
    """

    def __init__(self, jwks: Mapping[str, Any] | None = None) -> None:
        """Load the given keys or generate fresh ones.

        :param jwks: a private JWK Set with one ``sig`` and one ``enc`` RSA key, or ``None``.
        :raises ValueError: when the set does not have that shape.
        """
        self._lock = threading.Lock()
        self._foreign: jwk.JWK | None = None
        self._retired_enc: list[jwk.JWK] = []
        if jwks is None:
            self._sig = generate_key("sig")
            self._enc = generate_key("enc")
            return
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            msg = "the provider JWKS must be an object with a 'keys' list"
            raise ValueError(msg)
        parsed = [_parse(json.dumps(entry, sort_keys=True)) for entry in entries]
        self._sig = _pick(parsed, "sig")
        self._enc = _pick(parsed, "enc")

    @property
    def signing_key(self) -> jwk.JWK:
        """Return the current private signature key.

        :returns: the key.
        """
        with self._lock:
            return self._sig

    @property
    def encryption_key(self) -> jwk.JWK:
        """Return the current private encryption key.

        :returns: the key.
        """
        with self._lock:
            return self._enc

    def foreign_signing_key(self) -> jwk.JWK:
        """Return a key that is NOT published but carries the current signature ``kid``.

        Used by the ``sign_with_foreign_key`` fault. The RSA key is generated once per process.

        :returns: a private RSA key.
        """
        with self._lock:
            kid = str(self._sig.get("kid"))
            cached = self._foreign
        if cached is None or cached.get("kid") != kid:
            foreign = _foreign_key().export_private(as_dict=True)
            foreign.update({"kid": kid, "use": "sig", "alg": SIGNING_ALG})
            cached = jwk.JWK(**foreign)
            with self._lock:
                self._foreign = cached
        return cached

    def decryption_keys(self) -> list[jwk.JWK]:
        """Return every key that may decrypt incoming JWEs: the current one first, then the
        retired encryption keys kept by :meth:`rotate`.

        :returns: private RSA keys.
        """
        with self._lock:
            return [self._enc, *self._retired_enc]

    def rotate(self, *, keep_old_encryption_key: bool = True) -> None:
        """Replace both keys with fresh ones under new ``kid`` values.

        The old keys leave the JWKS at once and the old signature key is never used again.
        Like a partner rotating its encryption key (D-AUTH "Key rotation procedure"), the
        provider keeps decrypting with the retired encryption key unless told otherwise, so
        clients holding a cached JWKS keep working.

        :param keep_old_encryption_key: still accept JWEs made for the previous
            encryption key(s); ``False`` forgets them all.
        """
        sig = generate_key("sig")
        enc = generate_key("enc")
        with self._lock:
            retired = [self._enc, *self._retired_enc] if keep_old_encryption_key else []
            self._sig = sig
            self._enc = enc
            self._retired_enc = retired

    def public_jwks(self) -> dict[str, Any]:
        """Build the public JWK Set served at ``/v2/jwkSet``.

        :returns: ``{"keys": [...]}`` without private members; each key has ``kid``, ``use``
            and ``alg``.
        """
        with self._lock:
            pairs = ((self._sig, SIGNING_ALG), (self._enc, DEFAULT_KEY_ALG))
            published = []
            for key, default_alg in pairs:
                public = key.export_public(as_dict=True)
                alg = public.get("alg")
                if key is self._enc and alg not in KEY_ALGS:
                    alg = default_alg
                public["alg"] = alg or default_alg
                published.append(public)
        return {"keys": published}

    def private_jwks(self) -> dict[str, Any]:
        """Export the current private keys (for saving them, e.g. from the command line).

        :returns: a private JWK Set.
        """
        with self._lock:
            return {
                "keys": [
                    self._sig.export_private(as_dict=True),
                    self._enc.export_private(as_dict=True),
                ]
            }
