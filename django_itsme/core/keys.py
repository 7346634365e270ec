"""The site's own RSA keys: parsed once, checked against itsme's rules, exported public-only.

Rules (protocol notes §2.1): RSA only (D-JOSE), modulus at least 2048 bits and ``e`` = AQAB (TB),
at least one ``"use": "sig"`` and one ``"use": "enc"`` key (D-JOSE "Creating your JWK Set URI"),
every key with a unique ``kid`` (D-JOSE, mandatory since 2024-01), and the published set never
holds a private member (TB).

Rotation (D-AUTH "Key rotation procedure"): the first ``sig`` key of the set is the one we sign
with, every ``sig`` key is published (publish the new key first, then move it to the front); every
``enc`` key is published and used to decrypt, chosen by the ``kid`` of the JWE header (D-JOSE §3).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jwcrypto import jwk
from jwcrypto.common import JWException, base64url_decode

from .errors import ConfigurationError

__all__ = [
    "MIN_RSA_BITS",
    "KeyProblem",
    "PrivateKeys",
    "inspect_private_jwks",
    "load_private_keys",
]

#: TB ``index.html``: the modulus must be at least 256 bytes.
MIN_RSA_BITS = 2048
#: D-JOSE: request objects and client assertions are signed with RS256.
SIGNING_ALGORITHMS = frozenset({"RS256"})
#: D-JOSE / TB: the ``enc`` key is used with RSA-OAEP (TB) or RSA-OAEP-256 (recommended).
ENCRYPTION_ALGORITHMS = frozenset({"RSA-OAEP", "RSA-OAEP-256"})
_PUBLIC_MEMBERS = ("kty", "kid", "use", "alg", "n", "e")

KeySource = str | os.PathLike[str] | Mapping[str, Any]
ProblemKind = Literal["missing", "unreadable", "unusable", "roles"]


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """One reason a private JWK set cannot be used; ``kind`` groups them for system checks."""

    kind: ProblemKind
    message: str


class PrivateKeys:
    """The site's private keys, parsed once per process.

    Never prints key material: ``repr`` shows kids only, and :meth:`public_jwks` exports the
    public members listed in ``_PUBLIC_MEMBERS`` and nothing else.
    """

    __slots__ = ("_decryption_keys", "_public_jwks", "_signing_key", "_signing_keys")

    def __init__(self, signing_keys: list[jwk.JWK], decryption_keys: list[jwk.JWK]) -> None:
        if not signing_keys or not decryption_keys:
            raise ConfigurationError("A private JWK set needs a 'sig' key and an 'enc' key.")
        self._signing_keys = tuple(signing_keys)
        self._signing_key = signing_keys[0]
        self._decryption_keys = {str(k.get("kid")): k for k in decryption_keys}
        self._public_jwks = {
            "keys": [_public_member_dict(k) for k in (*signing_keys, *decryption_keys)]
        }

    @property
    def signing_key(self) -> jwk.JWK:
        """The key request objects and client assertions are signed with."""
        return self._signing_key

    @property
    def signing_kid(self) -> str:
        """The ``kid`` put in the JWS header of everything we sign (D-JOSE)."""
        return str(self._signing_key.get("kid"))

    @property
    def decryption_keys(self) -> Mapping[str, jwk.JWK]:
        """Every ``enc`` key, by ``kid``."""
        return self._decryption_keys

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK set to publish at the ``jwks_uri`` registered with itsme: public members only."""
        return {"keys": [dict(k) for k in self._public_jwks["keys"]]}

    def __repr__(self) -> str:
        enc = ", ".join(self._decryption_keys)
        return f"PrivateKeys(sig={self.signing_kid!r}, enc=[{enc}])"


def _public_member_dict(key: jwk.JWK) -> dict[str, str]:
    exported: dict[str, Any] = key.export_public(as_dict=True)
    return {name: str(exported[name]) for name in _PUBLIC_MEMBERS if name in exported}


def _read_source(source: object) -> tuple[Any, list[KeyProblem]]:
    if source is None or source in ("", {}):
        return None, [KeyProblem("missing", "PRIVATE_JWKS is not set.")]
    if isinstance(source, Mapping):
        return source, []
    text: str
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    elif not isinstance(source, str | os.PathLike):
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS must be a path, JSON text or a dict.")]
    else:
        path = Path(os.fspath(source))
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, [KeyProblem("unreadable", f"PRIVATE_JWKS file {str(path)!r} not found.")]
        except (OSError, UnicodeDecodeError) as exc:
            reason = type(exc).__name__
            msg = f"PRIVATE_JWKS file {str(path)!r} cannot be read ({reason})."
            return None, [KeyProblem("unreadable", msg)]
    try:
        return json.loads(text), []
    except ValueError:
        # The decoder's message quotes the document, which may hold key material: not shown.
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS is not valid JSON.")]


def _check_key(index: int, data: Any, problems: list[KeyProblem]) -> jwk.JWK | None:
    label = f"key #{index + 1}"
    if not isinstance(data, Mapping):
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not a JSON object."))
        return None
    kid = data.get("kid")
    if isinstance(kid, str) and kid:
        label = f"key {kid!r}"
    if data.get("kty") != "RSA":
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not an RSA key (D-JOSE)."))
        return None
    try:
        key = jwk.JWK(**data)
    except (JWException, ValueError, TypeError):
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not a valid RSA JWK."))
        return None
    if not key.has_private:
        problems.append(
            KeyProblem("unusable", f"PRIVATE_JWKS {label} has no private part ('d' is missing).")
        )
        return None
    bits = int.from_bytes(base64url_decode(str(data.get("n", ""))), "big").bit_length()
    if bits < MIN_RSA_BITS:
        problems.append(
            KeyProblem("unusable", f"PRIVATE_JWKS {label} has {bits} bits; at least 2048 needed.")
        )
        return None
    if data.get("e") != "AQAB":
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} must use e = AQAB (TB)."))
        return None
    if not (isinstance(kid, str) and kid):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} has no 'kid' (D-JOSE)."))
        return None
    use = data.get("use")
    alg = data.get("alg")
    if use == "sig" and alg not in (None, *SIGNING_ALGORITHMS):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} is a sig key but alg is {alg}."))
        return None
    if use == "enc" and alg not in (None, *ENCRYPTION_ALGORITHMS):
        problems.append(
            KeyProblem("roles", f"PRIVATE_JWKS {label} is an enc key but alg is {alg}.")
        )
        return None
    if use not in ("sig", "enc"):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} needs 'use': 'sig' or 'enc'."))
        return None
    return key


def inspect_private_jwks(source: KeySource | None) -> tuple[PrivateKeys | None, list[KeyProblem]]:
    """Parse and check a private JWK set without raising.

    :param source: a path (``str`` or ``Path``), JSON text, or an already parsed mapping.
    :returns: the usable keys (or None) and every problem found.
    """
    data, problems = _read_source(source)
    if problems:
        return None, problems
    keys = data.get("keys") if isinstance(data, Mapping) else None
    if not isinstance(keys, list) or not keys:
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS must be a JWK set: {'keys': [...]}.")]
    parsed = [_check_key(i, item, problems) for i, item in enumerate(keys)]
    usable = [k for k in parsed if k is not None]
    kids = [str(k.get("kid")) for k in usable]
    duplicated = sorted({kid for kid in kids if kids.count(kid) > 1})
    if duplicated:
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS repeats kid {', '.join(duplicated)}."))
    signing = [k for k in usable if k.get("use") == "sig"]
    encryption = [k for k in usable if k.get("use") == "enc"]
    if not signing:
        problems.append(KeyProblem("roles", "PRIVATE_JWKS has no usable 'sig' key (D-JOSE)."))
    if not encryption:
        problems.append(KeyProblem("roles", "PRIVATE_JWKS has no usable 'enc' key (D-JOSE)."))
    if problems:
        return None, problems
    return PrivateKeys(signing, encryption), []


def load_private_keys(source: KeySource | None) -> PrivateKeys:
    """Parse and check a private JWK set.

    :param source: a path, JSON text or a mapping (see :func:`inspect_private_jwks`).
    :returns: the parsed keys.
    :raises ConfigurationError: naming the first problem; never quoting key material.
    """
    keys, problems = inspect_private_jwks(source)
    if keys is None:
        raise ConfigurationError(problems[0].message if problems else "PRIVATE_JWKS is unusable.")
    return keys
