"""Where the site's private keys live: the four things the protocol asks of them, and nothing more.

itsme needs our keys for exactly these (D-JOSE, protocol notes §2.1 and §3.2):

* **sign** the JWS signing input (RFC 7515 §5.1: ``BASE64URL(header) '.' BASE64URL(payload)``) of
  the request object and the client assertion, RS256 (D-JOSE; PS256 is accepted by the store
  for sites whose registration says so);
* **unwrap** the content-encryption key of a JWE addressed to one of our ``enc`` keys (the ID token
  and the userinfo answer), RSA-OAEP or RSA-OAEP-256 (D-JOSE; RFC 7518 §4.3);
* the **public JWK set** published at the ``jwks_uri`` registered with itsme, and the public JWK of
  each key that may decrypt now (published or retiring);
* the **kid** of the key that signs now, and each key's state (rotation, protocol notes §2.2).

A :class:`KeyStore` offers those operations and never hands out a private key, so a store may
keep its keys outside this process: :class:`~.keys.PrivateKeys` (the JWK file, the default)
holds them in memory, :class:`~.pkcs11_store.Pkcs11KeyStore` leaves them in an HSM, and a cloud
KMS (AWS KMS, Google Cloud KMS, Vault Transit) plugs in the same way (README.rst, "Keys in an HSM
or a cloud KMS"). :mod:`.jose` builds the compact JWS around :meth:`KeyStore.sign` and lets
jwcrypto decrypt the JWE content with the key :meth:`KeyStore.unwrap_key` returns, with the same
allow-lists and checks as for a key in memory.

Errors: a store that cannot work (HSM absent, wrong PIN, key missing, KMS refusing) raises
:class:`KeyStoreError`, a :class:`~.errors.ConfigurationError` (the operator must act); an
encrypted key that does not decrypt with the named key raises :class:`KeyUnwrapError`, which
:func:`.jose.decrypt` turns into its one "could not be decrypted" answer. Neither message holds
key material, a PIN or a credential.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import ConfigurationError, KeyStoreError, KeyUnwrapError

if TYPE_CHECKING:
    from .keys import KeyProblem

__all__ = [
    "PRIVATE_MEMBERS",
    "SIGNATURE_ALGORITHMS",
    "UNWRAP_ALGORITHMS",
    "KeyState",
    "KeyStatus",
    "KeyStore",
    "KeyStoreError",
    "KeyUnwrapError",
    "open_key_store",
]

#: RFC 7518 §6.3.2: the members of an RSA JWK that belong to the private key (``oth``: more than
#: two primes). Nothing we publish, archive or keep as evidence may hold one (TB, D-JOSE).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})
#: What :meth:`KeyStore.sign` accepts: RS256 is what itsme verifies (D-JOSE); PS256 (RFC 7518
#: §3.5) for a registration that names it.
SIGNATURE_ALGORITHMS = ("RS256", "PS256")
#: What :meth:`KeyStore.unwrap_key` accepts: :data:`.jose.ALLOWED_JWE_ALGORITHMS` (D-JOSE).
UNWRAP_ALGORITHMS = ("RSA-OAEP-256", "RSA-OAEP")

KeyState = Literal["next", "active", "published", "retiring", "retired"]


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """Where one key stands at a given time (``manage.py itsme_keys status``); no key material.

    :ivar kid: the key's ``kid``.
    :ivar use: ``"sig"`` or ``"enc"``.
    :ivar state: ``next`` (published, signs from ``not_before``), ``active`` (signs, or published
        and decrypts), ``published`` (a ``sig`` key published but not signing), ``retiring`` (an
        ``enc`` key that decrypts but is no longer published), ``retired`` (unused: prune it).
    :ivar published: whether the JWKS route serves it now.
    :ivar not_before: ``x-itsme-not-before``, seconds since the epoch, or None.
    :ivar unpublish_at: ``x-itsme-unpublish-at``, or None.
    :ivar retire_at: ``x-itsme-retire-at``, or None.
    """

    kid: str
    use: str
    state: KeyState
    published: bool
    not_before: float | None
    unpublish_at: float | None
    retire_at: float | None


class KeyStore(Protocol):
    """The site's private keys, as the protocol uses them (module docstring).

    Implementations must be safe to call from several threads, must never put key material, a
    PIN or a credential in a message, a log line or ``repr``, and follow the lifecycle of
    :mod:`.keys`: a new ``sig`` key is published before it signs, a retiring ``enc`` key keeps
    decrypting after it is unpublished.
    """

    @property
    def signing_kid(self) -> str:
        """The ``kid`` of the key that signs now (put in the JWS header, D-JOSE).

        :raises KeyStoreError: no key may sign now, or the store cannot be reached.
        """
        ...

    @property
    def decryption_kids(self) -> Sequence[str]:
        """The ``kid`` of every key that decrypts now (published or retiring), preferred first.

        :raises KeyStoreError: the store cannot be reached.
        """
        ...

    def sign(self, signing_input: bytes, *, kid: str, alg: str) -> bytes:
        """Sign a JWS signing input with the ``sig`` key ``kid``.

        :param signing_input: ``BASE64URL(header) '.' BASE64URL(payload)`` as ASCII bytes.
        :param kid: a ``sig`` key of this store that is not retired (normally
            :attr:`signing_kid`, read just before).
        :param alg: one of :data:`SIGNATURE_ALGORITHMS`.
        :returns: the signature octets (RFC 7518 §3.3 / §3.5).
        :raises KeyStoreError: unknown ``kid`` or ``alg``, or the store failed.
        """
        ...

    def unwrap_key(self, kid: str, encrypted_key: bytes, *, alg: str) -> bytes:
        """Decrypt a JWE encrypted key (RFC 7516 §5.2 step 10) with the ``enc`` key ``kid``.

        :param kid: one of :attr:`decryption_kids`.
        :param encrypted_key: the JWE Encrypted Key octets.
        :param alg: one of :data:`UNWRAP_ALGORITHMS`.
        :returns: the content-encryption key.
        :raises KeyUnwrapError: the octets do not decrypt with that key.
        :raises KeyStoreError: unknown ``kid`` or ``alg``, or the store failed.
        """
        ...

    def public_jwk(self, kid: str) -> dict[str, str]:
        """The public members of the key ``kid`` (any key that is not retired).

        :raises KeyStoreError: no such key, or the store cannot be reached.
        """
        ...

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK set to publish now: public members only (never one of
        :data:`PRIVATE_MEMBERS`), published keys only."""
        ...

    def statuses(self, now: float | None = None) -> list[KeyStatus]:
        """Each key's state at ``now`` (default: the store's clock); no key material.

        :param now: seconds since the epoch.
        """
        ...


#: What a :class:`KeyStore` class must have: methods, then properties (checked on the class, so a
#: property is never run just to see whether it exists).
_STORE_METHODS = ("sign", "unwrap_key", "public_jwk", "public_jwks", "statuses")
_STORE_PROPERTIES = ("signing_kid", "decryption_kids")


def open_key_store(
    setting: object, *, clock: Callable[[], float] = time.time
) -> tuple[KeyStore | None, list[KeyProblem]]:
    """Open the store the ``KEY_STORE`` setting names, without raising.

    ``KEY_STORE`` is one of: a mapping with ``"BACKEND": "pkcs11"`` (:mod:`.pkcs11_store`); a
    mapping ``{"BACKEND": "dotted.path.Class", "OPTIONS": {...}}``, the class called with the
    options as keyword arguments; a dotted path alone (called without arguments); or an object
    that already implements :class:`KeyStore` (for scripts using the core directly).

    :param setting: the ``KEY_STORE`` value.
    :param clock: seconds since the epoch (the PKCS#11 store's lifecycle follows it).
    :returns: the store (or None) and the problems: kind ``unreadable`` when the setting is
        wrong, ``unusable`` when the store cannot be opened or breaks the protocol.
    """
    from .keys import KeyProblem  # noqa: PLC0415 (keys imports this module)

    if isinstance(setting, Mapping) and setting.get("BACKEND") == "pkcs11":
        from .pkcs11_store import Pkcs11KeyStore  # noqa: PLC0415 (optional python-pkcs11)

        return Pkcs11KeyStore.open(setting, clock=clock)
    options: object = {}
    if isinstance(setting, str):
        path = setting
    elif isinstance(setting, Mapping):
        backend, options = setting.get("BACKEND"), setting.get("OPTIONS", {})
        unknown = sorted(str(k)[:40] for k in setting if k not in ("BACKEND", "OPTIONS"))
        if unknown or not isinstance(backend, str) or not isinstance(options, Mapping):
            message = (
                "KEY_STORE must be {'BACKEND': 'pkcs11', ...} or {'BACKEND': 'dotted.path.Class', "
                "'OPTIONS': {...}}."
            )
            return None, [KeyProblem("unreadable", message)]
        path = backend
    else:
        store = setting
        problem = _protocol_problem(type(store), store)
        return (None, [KeyProblem("unreadable", problem)]) if problem else (_as_store(store), [])
    module_name, _, class_name = path.rpartition(".")
    try:
        factory = getattr(importlib.import_module(module_name), class_name) if module_name else None
    except ImportError as exc:
        message = f"KEY_STORE {path[:200]!r} cannot be imported ({type(exc).__name__})."
        return None, [KeyProblem("unreadable", message)]
    if not isinstance(factory, type):
        return None, [KeyProblem("unreadable", f"KEY_STORE {path[:200]!r} is not a class.")]
    problem = _protocol_problem(factory)
    if problem:
        return None, [KeyProblem("unreadable", problem)]
    try:
        built = factory(**{str(k): v for k, v in dict(options).items()})  # type: ignore[call-overload]
    except ConfigurationError as exc:
        return None, [KeyProblem("unusable", f"KEY_STORE {path[:200]!r}: {exc}")]
    except Exception as exc:  # a plug-in's failure, shown by its type only
        message = f"KEY_STORE {path[:200]!r} could not be opened ({type(exc).__name__})."
        return None, [KeyProblem("unusable", message)]
    problem = _protocol_problem(factory, built)
    if problem:
        return None, [KeyProblem("unreadable", problem)]
    store = _as_store(built)
    try:
        published = store.public_jwks().get("keys", [])
    except ConfigurationError as exc:
        return None, [KeyProblem("unusable", f"KEY_STORE {path[:200]!r}: {exc}")]
    if any(PRIVATE_MEMBERS & set(key) for key in published):
        # TB: the published set never holds a private member; refused before it can be served.
        message = f"KEY_STORE {path[:200]!r} publishes a private key member: refused."
        return None, [KeyProblem("unusable", message)]
    return store, []


def _protocol_problem(cls: type, instance: object = None) -> str | None:
    """What ``cls`` (and, once built, ``instance``) lacks of the protocol, or None. Properties
    are looked up statically: a property is never run just to see whether it exists."""
    missing = [n for n in _STORE_METHODS if not callable(getattr(cls, n, None))]
    if instance is not None:
        missing += [n for n in _STORE_PROPERTIES if not _has_static(instance, n)]
    if missing:
        name = f"{cls.__module__}.{cls.__qualname__}"[:200]
        return f"KEY_STORE {name!r} does not implement the KeyStore protocol: no {missing[0]}."
    return None


def _has_static(instance: object, name: str) -> bool:
    try:
        inspect.getattr_static(instance, name)
    except AttributeError:
        return False
    return True


def _as_store(value: Any) -> KeyStore:
    """``value`` passed :func:`_protocol_problem`: typed as a store."""
    store: KeyStore = value
    return store
