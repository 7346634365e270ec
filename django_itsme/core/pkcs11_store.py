"""A :class:`~.key_store.KeyStore` whose private keys stay in a PKCS#11 token (an HSM, SoftHSM2).

The request object and the client assertion are signed on the token (``CKM_SHA256_RSA_PKCS`` for
RS256, ``CKM_SHA256_RSA_PKCS_PSS`` for PS256; RFC 7518 §3.3, §3.5) and the JWE key of the ID token
and the userinfo answer is decrypted on it (``CKM_RSA_PKCS_OAEP`` with SHA-1 or SHA-256, RFC 7518
§4.3). Only public keys are read: a private key marked extractable or not sensitive is refused, so
the key cannot have left, and cannot leave, the token (PKCS#11 v2.40 §4.9 ``CKA_SENSITIVE``,
``CKA_EXTRACTABLE``). :func:`create_keys` makes such keys; ``manage.py itsme_hsm_keys`` calls it.

Keys are found by ``CKA_LABEL``; the label is the key's ``kid``. A key entry may carry the
lifecycle dates of :mod:`.keys` (``NOT_BEFORE``, ``UNPUBLISH_AT``, ``RETIRE_AT``): a new signing key
is published first and signs after its date, a retiring encryption key decrypts unpublished
(D-AUTH "Key rotation procedure", protocol notes §2.2), with the same rules as the JWK file.

One logged-in session is kept per process and used under a lock (a PKCS#11 session runs one
operation at a time). A pool of sessions would not be safe: python-pkcs11 initialises the library
with ``C_Initialize(NULL)``, which tells it that the application never calls it from several
threads at once (PKCS#11 v2.40, C_Initialize), so the calls of one process stay serialised, those
of all its stores under one lock; scale with processes (gunicorn workers), each with its own
session. A process started by ``fork`` opens its own session at its first use. A session the token
dropped (token removed, HSM restarted) is reopened once before the operation fails with
:class:`~.key_store.KeyStoreError`. PKCS#11 login belongs to the application, not the session
(PKCS#11 v2.40 §5.6): while one session of this process is logged in to a token, another one shares
that login, so a second store on the same token is not asked for its PIN again. The PIN is read
once from an environment variable or a file; it is never logged, never in a message and never in
``repr``.

Needs ``python-pkcs11`` (``pip install django-itsme[hsm]``); imported only when a store is opened.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwcrypto.common import base64url_encode

from .key_store import (
    SIGNATURE_ALGORITHMS,
    UNWRAP_ALGORITHMS,
    KeyStatus,
    KeyStoreError,
    KeyUnwrapError,
)
from .keys import MIN_RSA_BITS, KeyProblem, PrivateKeys, inspect_private_jwks

__all__ = [
    "PKCS11_SETTINGS",
    "KeyEntry",
    "Pkcs11KeyStore",
    "create_keys",
    "import_pkcs11",
    "read_pin",
]

#: The ``KEY_STORE`` members of the ``pkcs11`` backend (README.rst, "Keys in an HSM or a cloud
#: KMS"); ``PIN_ENV`` or ``PIN_FILE``, exactly one.
PKCS11_SETTINGS = (
    "BACKEND",
    "MODULE",
    "TOKEN_LABEL",
    "PIN_ENV",
    "PIN_FILE",
    "SIG_KEY_LABEL",
    "ENC_KEY_LABEL",
    "ENC_ALG",
)
#: ``ENC_ALG`` by default: D-JOSE recommends RSA-OAEP-256. SoftHSM2 2.6 (Debian 12) decrypts OAEP
#: with SHA-1 only: there, ``ENC_ALG`` is ``"RSA-OAEP"`` (also allowed by D-JOSE and TB).
DEFAULT_ENC_ALG = "RSA-OAEP-256"
#: A key entry's lifecycle members, as the JWK file spells them (:data:`.keys.LIFECYCLE_MEMBERS`).
_ENTRY_DATES = {
    "NOT_BEFORE": "x-itsme-not-before",
    "UNPUBLISH_AT": "x-itsme-unpublish-at",
    "RETIRE_AT": "x-itsme-retire-at",
}
#: RFC 7518 §3.5: the PSS salt is as long as the hash (32 octets for SHA-256).
_PSS_SALT = 32


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One key of the token as the settings name it.

    :ivar label: ``CKA_LABEL`` of the private and the public key; also the ``kid``.
    :ivar use: ``"sig"`` or ``"enc"``.
    :ivar dates: lifecycle members (``x-itsme-not-before`` ...) to ISO 8601 times.
    """

    label: str
    use: str
    dates: Mapping[str, str]


def import_pkcs11() -> Any:
    """Import ``python-pkcs11``.

    :returns: the ``pkcs11`` module.
    :raises KeyStoreError: it is not installed.
    """
    try:
        import pkcs11  # noqa: PLC0415 (an optional dependency: the extra "hsm")
    except ImportError:
        raise KeyStoreError(
            "KEY_STORE uses PKCS#11 but python-pkcs11 is not installed "
            "(pip install 'django-itsme[hsm]')."
        ) from None
    return pkcs11


def _describe(exc: BaseException) -> str:
    """A PKCS#11 failure as its class name only (messages may hold library detail)."""
    return type(exc).__name__


#: Held around every call into a PKCS#11 library, by every store of this process: the library was
#: initialised for one thread at a time (module docstring).
_LIBRARY_CALLS = threading.Lock()


class Pkcs11KeyStore:
    """Sign and decrypt with keys that never leave a PKCS#11 token (module docstring).

    Build it with :meth:`open`; ``repr`` shows the token label and the kids only.
    """

    __slots__ = (
        "_enc_alg",
        "_entries",
        "_lifecycle",
        "_lock",
        "_module",
        "_pid",
        "_pin",
        "_private",
        "_public",
        "_session",
        "_token_label",
    )

    def __init__(
        self,
        *,
        module: str,
        token_label: str,
        pin: str,
        entries: Sequence[KeyEntry],
        enc_alg: str = DEFAULT_ENC_ALG,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Log in to the token and read the public halves of the keys.

        :param module: path of the PKCS#11 library (``/usr/lib/softhsm/libsofthsm2.so``).
        :param token_label: ``CKA_LABEL`` of the token.
        :param pin: the user PIN; kept to reopen a dropped session, never shown.
        :param entries: the keys, at least one ``sig`` and one ``enc``.
        :param enc_alg: the JWE ``alg`` the ``enc`` keys are published with and accept; tried on
            the token at once, so a token that cannot do it is reported now, not at a login.
        :param clock: seconds since the epoch; the lifecycle dates follow it.
        :raises KeyStoreError: the library, the token, the login or a key fails.
        """
        self._module = module
        self._token_label = token_label
        self._pin = pin
        self._entries = tuple(entries)
        self._enc_alg = enc_alg
        self._lock = _LIBRARY_CALLS  # shared by every store of the process (module docstring)
        self._session: Any = None
        self._pid = 0
        self._private: dict[str, Any] = {}
        self._public: dict[str, rsa.RSAPublicKey] = {}
        with self._lock:
            jwks = self._open()
        keys, problems = inspect_private_jwks(jwks, clock=clock, private=False)
        if keys is None:
            self.close()
            message = problems[0].message if problems else "the keys are unusable."
            raise KeyStoreError(message.replace("PRIVATE_JWKS", f"KEY_STORE {self._where}", 1))
        self._lifecycle: PrivateKeys = keys

    @classmethod
    def open(
        cls, setting: Mapping[str, Any], *, clock: Callable[[], float] = time.time
    ) -> tuple[Pkcs11KeyStore | None, list[KeyProblem]]:
        """Open the store ``KEY_STORE`` describes, without raising.

        :param setting: the ``KEY_STORE`` mapping with ``BACKEND`` ``"pkcs11"``.
        :param clock: seconds since the epoch.
        :returns: the store (or None) and the problems: ``unreadable`` for a setting that is
            wrong, ``unusable`` for a token, login or key that fails.
        """
        problems: list[KeyProblem] = []
        for name in setting:
            if name not in PKCS11_SETTINGS:
                known = ", ".join(PKCS11_SETTINGS)
                problems.append(
                    KeyProblem(
                        "unreadable",
                        f"KEY_STORE has an unknown key {str(name)[:40]!r} (known: {known}).",
                    )
                )
        module, token = setting.get("MODULE"), setting.get("TOKEN_LABEL")
        if not isinstance(module, str) or not module:
            problems.append(
                KeyProblem(
                    "unreadable", "KEY_STORE['MODULE'] must be the path of the PKCS#11 library."
                )
            )
        if not isinstance(token, str) or not token:
            problems.append(
                KeyProblem("unreadable", "KEY_STORE['TOKEN_LABEL'] must be the token's label.")
            )
        entries = [
            *_read_entries(setting, "SIG_KEY_LABEL", "sig", problems),
            *_read_entries(setting, "ENC_KEY_LABEL", "enc", problems),
        ]
        enc_alg = setting.get("ENC_ALG", DEFAULT_ENC_ALG)
        if enc_alg not in UNWRAP_ALGORITHMS:
            allowed = " or ".join(repr(a) for a in UNWRAP_ALGORITHMS)
            problems.append(KeyProblem("unreadable", f"KEY_STORE['ENC_ALG'] must be {allowed}."))
        pin = _read_pin(setting, problems)
        if problems:
            return None, problems
        assert isinstance(module, str)
        assert isinstance(token, str)
        assert pin is not None
        try:
            store = cls(
                module=module,
                token_label=token,
                pin=pin,
                entries=entries,
                enc_alg=enc_alg,
                clock=clock,
            )
        except KeyStoreError as exc:
            return None, [KeyProblem("unusable", str(exc))]
        return store, []

    # ------------------------------------------------------------------ the token
    @property
    def _where(self) -> str:
        return f"(PKCS#11 token {self._token_label[:64]!r})"

    def _fail(self, what: str, exc: BaseException | None = None) -> KeyStoreError:
        reason = f" ({_describe(exc)})" if exc is not None else ""
        return KeyStoreError(f"KEY_STORE {self._where}: {what}{reason}.")

    def _open(self) -> dict[str, Any]:
        """Load the library, log in, find the keys; returns their public JWK set with dates.
        Called under the lock."""
        lib = import_pkcs11()
        try:
            library = lib.lib(self._module)
            if self._pid and self._pid != os.getpid():
                library.reinitialize()
        except (OSError, RuntimeError) as exc:
            raise self._fail(
                f"the PKCS#11 library {self._module[:200]!r} cannot be loaded", exc
            ) from None
        if self._session is not None:
            # Closed first: closing a logged-in session logs the whole process out (PKCS#11
            # v2.40 §5.6), which would also log out a session opened before it.
            with suppress(lib.exceptions.PKCS11Error):  # the old session may be gone already
                self._session.close()
            self._session = None
        try:
            token = library.get_token(token_label=self._token_label)
        except lib.exceptions.NoSuchToken:
            raise self._fail("no token with this label is present") from None
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail("the token cannot be found", exc) from None
        try:
            session = token.open(user_pin=self._pin)
        except lib.exceptions.UserAlreadyLoggedIn:
            # PKCS#11 v2.40 §5.6 (C_Login): the login belongs to the application, not the session.
            # Another store of this process is logged in to the token; a new session shares that.
            session = self._open_session(lib, token)
        except (
            lib.exceptions.PinIncorrect,
            lib.exceptions.PinInvalid,
            lib.exceptions.PinLenRange,
        ) as exc:
            raise self._fail("the PIN was refused", exc) from None
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail("login failed", exc) from None
        try:
            keys = [self._find(lib, session, entry) for entry in self._entries]
            for entry, (private, public) in zip(self._entries, keys, strict=True):
                if entry.use == "enc":
                    self._try_decryption(lib, entry.label, private, public)
        except BaseException:
            with suppress(lib.exceptions.PKCS11Error):  # logs out: no login is left behind
                session.close()
            raise
        self._session, self._pid = session, os.getpid()
        self._private = {
            entry.label: private for entry, (private, _) in zip(self._entries, keys, strict=True)
        }
        self._public = {
            entry.label: public for entry, (_, public) in zip(self._entries, keys, strict=True)
        }
        algs = {"sig": "RS256", "enc": self._enc_alg}
        return {
            "keys": [
                _public_jwk(entry, public, algs[entry.use])
                for entry, (_, public) in zip(self._entries, keys, strict=True)
            ]
        }

    def _try_decryption(self, lib: Any, label: str, private: Any, public: rsa.RSAPublicKey) -> None:
        """Encrypt a random key to ``label`` here and decrypt it on the token, with ENC_ALG."""
        sample = os.urandom(32)
        try:
            encrypted = public.encrypt(sample, _OAEP[self._enc_alg])
            decrypted = private.decrypt(encrypted, **_oaep_mechanism(lib, self._enc_alg))
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail(
                f"the key {label[:64]!r} cannot decrypt {self._enc_alg} on this token; a token "
                "with SHA-1 OAEP only (SoftHSM2 2.6) needs KEY_STORE['ENC_ALG'] = 'RSA-OAEP'",
                exc,
            ) from None
        if bytes(decrypted) != sample:
            raise self._fail(f"the key {label[:64]!r} decrypts to something else")

    def _open_session(self, lib: Any, token: Any) -> Any:
        try:
            return token.open()
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail("login failed", exc) from None

    def _find(self, lib: Any, session: Any, entry: KeyEntry) -> tuple[Any, rsa.RSAPublicKey]:
        attribute, object_class = lib.Attribute, lib.ObjectClass
        try:
            private = session.get_key(
                object_class=object_class.PRIVATE_KEY, key_type=lib.KeyType.RSA, label=entry.label
            )
            public = session.get_key(
                object_class=object_class.PUBLIC_KEY, key_type=lib.KeyType.RSA, label=entry.label
            )
            modulus = int.from_bytes(public[attribute.MODULUS], "big")
            exponent = int.from_bytes(public[attribute.PUBLIC_EXPONENT], "big")
            sensitive, extractable = private[attribute.SENSITIVE], private[attribute.EXTRACTABLE]
        except lib.exceptions.NoSuchKey:
            raise self._fail(f"no RSA key pair labelled {entry.label[:64]!r}") from None
        except lib.exceptions.MultipleObjectsReturned:
            raise self._fail(f"more than one key is labelled {entry.label[:64]!r}") from None
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail(f"the key {entry.label[:64]!r} cannot be read", exc) from None
        if not sensitive or extractable:
            raise self._fail(
                f"the private key {entry.label[:64]!r} is extractable or not sensitive: make one "
                "that cannot leave the token (CKA_SENSITIVE true, CKA_EXTRACTABLE false)"
            )
        if modulus.bit_length() < MIN_RSA_BITS:
            raise self._fail(
                f"the key {entry.label[:64]!r} has {modulus.bit_length()} bits; "
                f"at least {MIN_RSA_BITS} needed"
            )
        return private, rsa.RSAPublicNumbers(exponent, modulus).public_key()

    def _run(self, label: str, operation: Callable[[Any], bytes], what: str) -> bytes:
        lib = import_pkcs11()
        errors = lib.exceptions
        # The token dropped the session (removed, restarted, logged out): open a new one once.
        dropped = (
            errors.SessionHandleInvalid,
            errors.SessionClosed,
            errors.DeviceRemoved,
            errors.TokenNotPresent,
            errors.UserNotLoggedIn,
            errors.ObjectHandleInvalid,
            errors.KeyHandleInvalid,
        )
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._pid != os.getpid() or attempt == 2:
                        self._open()
                    return operation(self._private[label])
                except dropped as exc:
                    if attempt == 2:
                        raise self._fail(f"{what} failed", exc) from None
            raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ KeyStore
    @property
    def signing_kid(self) -> str:
        """The label of the ``sig`` key that signs now."""
        return self._lifecycle.signing_kid

    @property
    def decryption_kids(self) -> tuple[str, ...]:
        """The labels of the ``enc`` keys that decrypt now."""
        return self._lifecycle.decryption_kids

    def sign(self, signing_input: bytes, *, kid: str, alg: str) -> bytes:
        """Sign on the token with the ``sig`` key ``kid``; the signature is checked with the
        public key before it is used (a faulty signature may leak an RSA-CRT key).

        :raises KeyStoreError: unknown ``kid`` or ``alg``, or the token failed.
        """
        if alg not in SIGNATURE_ALGORITHMS or self._live_use(kid) != "sig":
            raise self._fail(f"cannot sign {alg[:16]!r} with kid {kid[:64]!r}")
        lib = import_pkcs11()
        if alg == "PS256":
            mechanism, param = (
                lib.Mechanism.SHA256_RSA_PKCS_PSS,
                (lib.Mechanism.SHA256, lib.MGF.SHA256, _PSS_SALT),
            )
            scheme: padding.AsymmetricPadding = padding.PSS(
                mgf=padding.MGF1(hashes.SHA256()), salt_length=_PSS_SALT
            )
        else:
            mechanism, param, scheme = lib.Mechanism.SHA256_RSA_PKCS, None, padding.PKCS1v15()

        def operation(key: Any) -> bytes:
            return bytes(key.sign(signing_input, mechanism=mechanism, mechanism_param=param))

        try:
            signature = self._run(kid, operation, "signing")
        except lib.exceptions.PKCS11Error as exc:
            raise self._fail("signing failed", exc) from None
        try:
            self._public[kid].verify(signature, signing_input, scheme, hashes.SHA256())
        except InvalidSignature:
            raise self._fail("the token returned a signature that does not verify") from None
        return signature

    def _live_use(self, kid: str) -> str | None:
        """``"sig"`` or ``"enc"`` for a key that is not retired, else None."""
        try:
            return self._lifecycle.public_jwk(kid).get("use")
        except KeyStoreError:
            return None

    def unwrap_key(self, kid: str, encrypted_key: bytes, *, alg: str) -> bytes:
        """Decrypt the JWE encrypted key on the token with the ``enc`` key ``kid``.

        :raises KeyUnwrapError: it does not decrypt with that key.
        :raises KeyStoreError: unknown ``kid`` or ``alg``, or the token failed.
        """
        if alg not in UNWRAP_ALGORITHMS or kid not in self._lifecycle.decryption_kids:
            raise self._fail(f"cannot decrypt {alg[:16]!r} with kid {kid[:64]!r}")
        if alg != self._enc_alg:
            # Our keys are published with ENC_ALG (the JWK's "alg", RFC 7517 §4.4): a token
            # encrypted otherwise is refused as one that does not decrypt.
            raise KeyUnwrapError
        lib = import_pkcs11()
        errors = lib.exceptions
        mechanism = _oaep_mechanism(lib, alg)

        def operation(key: Any) -> bytes:
            return bytes(key.decrypt(encrypted_key, **mechanism))

        try:
            return self._run(kid, operation, "decryption")
        except (
            errors.EncryptedDataInvalid,
            errors.EncryptedDataLenRange,
            errors.DataInvalid,
            errors.DataLenRange,
        ):
            raise KeyUnwrapError from None
        except errors.PKCS11Error as exc:
            raise self._fail("decryption failed", exc) from None

    def public_jwk(self, kid: str) -> dict[str, str]:
        """The public members of the key ``kid`` while it is not retired."""
        return self._lifecycle.public_jwk(kid)

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK set to publish now: public members only."""
        return self._lifecycle.public_jwks()

    def statuses(self, now: float | None = None) -> list[KeyStatus]:
        """Each key's state at ``now``; no key material."""
        return self._lifecycle.statuses(now)

    def close(self) -> None:
        """Log out and close the session (a later use opens a new one)."""
        with self._lock:
            if self._session is not None:
                lib = import_pkcs11()
                with suppress(lib.exceptions.PKCS11Error):  # already closed by the token
                    self._session.close()
                self._session, self._pid = None, 0

    def __repr__(self) -> str:
        sig = ", ".join(e.label for e in self._entries if e.use == "sig")
        enc = ", ".join(e.label for e in self._entries if e.use == "enc")
        return f"Pkcs11KeyStore(token={self._token_label!r}, sig=[{sig}], enc=[{enc}])"


#: RFC 7518 §4.3, for the self-test at open (:meth:`Pkcs11KeyStore._try_decryption`).
_OAEP = {
    "RSA-OAEP": padding.OAEP(
        mgf=padding.MGF1(hashes.SHA1()),  # noqa: S303 - RSA-OAEP is defined with SHA-1
        algorithm=hashes.SHA1(),  # noqa: S303
        label=None,
    ),
    "RSA-OAEP-256": padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    ),
}


def _oaep_mechanism(lib: Any, alg: str) -> dict[str, Any]:
    """``CKM_RSA_PKCS_OAEP`` arguments for ``alg`` (RFC 7518 §4.3: RSA-OAEP is SHA-1 with
    MGF1-SHA-1, RSA-OAEP-256 is SHA-256 with MGF1-SHA-256; no label)."""
    sha256 = alg == "RSA-OAEP-256"
    return {
        "mechanism": lib.Mechanism.RSA_PKCS_OAEP,
        "mechanism_param": (
            lib.Mechanism.SHA256 if sha256 else lib.Mechanism.SHA_1,
            lib.MGF.SHA256 if sha256 else lib.MGF.SHA1,
            None,
        ),
    }


def _public_jwk(entry: KeyEntry, public: rsa.RSAPublicKey, alg: str) -> dict[str, Any]:
    numbers = public.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    return {
        "kty": "RSA",
        "kid": entry.label,
        "use": entry.use,
        "alg": alg,
        "n": base64url_encode(numbers.n.to_bytes(size, "big")),
        "e": base64url_encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        **entry.dates,
    }


def _read_entries(
    setting: Mapping[str, Any], name: str, use: str, problems: list[KeyProblem]
) -> list[KeyEntry]:
    raw = setting.get(name)
    items = [raw] if isinstance(raw, str | Mapping) else raw
    wrong = (
        f"KEY_STORE['{name}'] must be a key label, or a list of labels or of "
        "{'LABEL': ..., 'NOT_BEFORE' / 'UNPUBLISH_AT' / 'RETIRE_AT': ...}."
    )
    if not isinstance(items, list) or not items:
        problems.append(KeyProblem("unreadable", wrong))
        return []
    entries: list[KeyEntry] = []
    for item in items:
        if isinstance(item, str) and item:
            entries.append(KeyEntry(item, use, {}))
            continue
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("LABEL"), str)
            or not item["LABEL"]
            or not set(item) <= {"LABEL", *_ENTRY_DATES}
        ):
            problems.append(KeyProblem("unreadable", wrong))
            return []
        dates = {_ENTRY_DATES[key]: value for key, value in item.items() if key != "LABEL"}
        entries.append(KeyEntry(item["LABEL"], use, dates))
    return entries


def read_pin(setting: Mapping[str, Any]) -> str:
    """The PIN ``KEY_STORE`` points at (``PIN_ENV`` or ``PIN_FILE``).

    :raises KeyStoreError: naming what is wrong, never the PIN.
    """
    problems: list[KeyProblem] = []
    pin = _read_pin(setting, problems)
    if pin is None:
        raise KeyStoreError(problems[0].message if problems else "KEY_STORE has no PIN.")
    return pin


def _read_pin(setting: Mapping[str, Any], problems: list[KeyProblem]) -> str | None:
    env, path = setting.get("PIN_ENV"), setting.get("PIN_FILE")
    if (env is None) == (path is None):
        problems.append(
            KeyProblem(
                "unreadable",
                "KEY_STORE needs exactly one of PIN_ENV (an environment variable's name) and "
                "PIN_FILE (a file's path).",
            )
        )
        return None
    if env is not None:
        if not isinstance(env, str) or not env:
            problems.append(
                KeyProblem("unreadable", "KEY_STORE['PIN_ENV'] must name an environment variable.")
            )
            return None
        pin = os.environ.get(env)
        if not pin:
            problems.append(
                KeyProblem(
                    "unusable",
                    f"The environment variable {env[:64]!r} (KEY_STORE['PIN_ENV']) is not set.",
                )
            )
            return None
        return pin
    if not isinstance(path, str | os.PathLike):
        problems.append(KeyProblem("unreadable", "KEY_STORE['PIN_FILE'] must be a file's path."))
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            pin = handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(
            KeyProblem("unusable", f"KEY_STORE['PIN_FILE'] cannot be read ({_describe(exc)}).")
        )
        return None
    if not pin:
        problems.append(KeyProblem("unusable", "KEY_STORE['PIN_FILE'] is empty."))
        return None
    return pin


def create_keys(
    *,
    module: str,
    token_label: str,
    pin: str,
    labels: Mapping[str, str],
    bits: int = 3072,
) -> None:
    """Generate RSA key pairs on the token whose private halves can never leave it.

    :param module: path of the PKCS#11 library.
    :param token_label: the token's label.
    :param pin: the user PIN.
    :param labels: ``{"sig": label, "enc": label}``: which pairs to make (either may be left out).
    :param bits: the modulus size, at least :data:`.keys.MIN_RSA_BITS`.
    :raises KeyStoreError: the token fails, or a key with that label exists already.
    """
    if bits < MIN_RSA_BITS:
        raise KeyStoreError(f"RSA keys need at least {MIN_RSA_BITS} bits.")
    lib = import_pkcs11()
    attribute = lib.Attribute
    where = f"KEY_STORE (PKCS#11 token {token_label[:64]!r})"
    errors = lib.exceptions
    try:
        token = lib.lib(module).get_token(token_label=token_label)
        try:
            session = token.open(rw=True, user_pin=pin)
        except errors.UserAlreadyLoggedIn:  # PKCS#11 v2.40 §5.6: another session logged in
            session = token.open(rw=True)
        except (errors.PinIncorrect, errors.PinInvalid, errors.PinLenRange) as exc:
            raise KeyStoreError(f"{where}: the PIN was refused ({_describe(exc)}).") from None
        with session:
            for use, label in labels.items():
                if list(session.get_objects({attribute.LABEL: label})):
                    raise KeyStoreError(f"{where}: a key labelled {label[:64]!r} exists already.")
                signing = use == "sig"
                session.generate_keypair(
                    lib.KeyType.RSA,
                    bits,
                    label=label,
                    id=label.encode("utf-8"),
                    store=True,
                    public_template={
                        attribute.VERIFY: signing,
                        attribute.ENCRYPT: not signing,
                        attribute.WRAP: False,
                    },
                    private_template={
                        attribute.SENSITIVE: True,
                        attribute.EXTRACTABLE: False,
                        attribute.PRIVATE: True,
                        attribute.SIGN: signing,
                        attribute.DECRYPT: not signing,
                        attribute.UNWRAP: False,
                    },
                )
    except errors.NoSuchToken:
        raise KeyStoreError(f"{where}: no token with this label is present.") from None
    except (OSError, RuntimeError) as exc:
        raise KeyStoreError(f"{where}: creating the keys failed ({_describe(exc)}).") from None
