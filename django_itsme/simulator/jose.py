"""Small JOSE helpers on top of jwcrypto: nested JWTs as itsme® builds and expects them.

Rules (D-JOSE): signatures are RS256 with a ``kid``; encryption uses RSA-OAEP or
RSA-OAEP-256 with one of the discovery ``enc`` values, ``cty`` ``JWT``; a nested JWT is
signed first, then encrypted.

Clients registered with a client secret (D-AUTH "Secret key method") differ: their request object
is HS256 with the secret (S-RO ``clientsecretreqobjectuat.json``), and what they receive is a JWE
``dir`` + A256GCM whose key is derived from the secret (D-AUTH secret-key example; OIDC Core
§10.2) around a JWS RS256 or HS256, as registered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from .protocol import CONTENT_ENCS, DEFAULT_CONTENT_ENC, DEFAULT_KEY_ALG, KEY_ALGS, SIGNING_ALG
from .registry import KeyFetchError

#: HS256: how clients with a secret sign, and how their ID tokens may be signed (D-AUTH).
SECRET_SIGNING_ALG = "HS256"  # noqa: S105
#: The ``enc`` of the D-AUTH secret-key example ID token (header ``{"alg":"dir","enc":"A256GCM"}``).
SECRET_CONTENT_ENC = "A256GCM"  # noqa: S105


class JoseError(Exception):
    """A JWS or JWE could not be parsed, decrypted or verified."""


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url.

    :param data: the bytes.
    :returns: the text.
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url.

    :param text: the text.
    :returns: the bytes.
    :raises JoseError: when the text is not base64url.
    """
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        msg = "invalid base64url"
        raise JoseError(msg) from None


def to_json_bytes(claims: Mapping[str, Any]) -> bytes:
    """Serialise claims compactly as UTF-8 JSON.

    :param claims: the claims.
    :returns: the JSON bytes.
    """
    return json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def load_json_object(data: str | bytes, what: str) -> dict[str, Any]:
    """Parse JSON that must be an object (a JOSE header or a JWT claims set, RFC 7515 §4, RFC
    7519 §7.2).

    :param data: the JSON text.
    :param what: what it is, for the error message (``"JWS payload"``).
    :returns: the object.
    :raises JoseError: when the text is not JSON, or not an object.
    """
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        msg = f"{what} is not JSON"
        raise JoseError(msg) from None
    if not isinstance(parsed, dict):
        msg = f"{what} is not a JSON object"
        raise JoseError(msg)
    return parsed


def compact_header(token: str) -> dict[str, Any]:
    """Read the protected header of a compact JWS or JWE without checking anything else.

    :param token: the compact serialisation.
    :returns: the header object.
    :raises JoseError: when the header is not a base64url JSON object.
    """
    return load_json_object(b64url_decode(token.split(".", 1)[0]), "the JOSE header")


def decrypt(token: str, keys: Sequence[jwk.JWK]) -> tuple[str, dict[str, Any]]:
    """Decrypt a compact JWE that must carry a nested JWT (D-JOSE, D-AREQ).

    The header must name ``alg`` RSA-OAEP or RSA-OAEP-256, an ``enc`` from the discovery
    list and ``cty`` ``JWT``. A ``kid``, when present, must name one of ``keys``; a missing
    ``kid`` is tolerated because BMID's own request objects omit it (S-RO).

    :param token: the compact JWE (five dot-separated parts).
    :param keys: the provider's private decryption keys.
    :returns: the plaintext (a compact JWS) and the JWE header.
    :raises JoseError: on any violation or decryption failure.
    """
    if token.count(".") != 4:
        msg = "not a compact JWE (it must be signed, then encrypted)"
        raise JoseError(msg)
    header = compact_header(token)
    if header.get("alg") not in KEY_ALGS:
        msg = f"JWE alg must be one of {', '.join(KEY_ALGS)}, not {header.get('alg')!r}"
        raise JoseError(msg)
    if header.get("enc") not in CONTENT_ENCS:
        msg = f"JWE enc must be one of {', '.join(CONTENT_ENCS)}, not {header.get('enc')!r}"
        raise JoseError(msg)
    cty = header.get("cty")
    if not isinstance(cty, str) or cty.upper() != "JWT":
        msg = "JWE cty must be 'JWT' (a nested JWT)"
        raise JoseError(msg)
    candidates = list(keys)
    if "kid" in header:
        candidates = [key for key in keys if key.get("kid") == header["kid"]]
        if not candidates:
            msg = f"JWE kid {header['kid']!r} is not an encryption key of the provider"
            raise JoseError(msg)
    for key in candidates:
        envelope = jwe.JWE()
        envelope.allowed_algs = [*KEY_ALGS, *CONTENT_ENCS]
        try:
            envelope.deserialize(token, key=key)
        except (JWException, ValueError, TypeError):
            continue
        try:
            return envelope.payload.decode("utf-8"), header
        except UnicodeDecodeError:
            break
    msg = "the JWE cannot be decrypted with the provider's encryption key"
    raise JoseError(msg)


def verify(
    token: str, key_for_kid: Callable[[str], jwk.JWK]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact RS256 JWS whose payload is a JSON object (D-JOSE).

    :param token: the compact JWS.
    :param key_for_kid: returns the public key for the header ``kid``; may raise
        :class:`~django_itsme.simulator.registry.KeyFetchError`.
    :returns: the claims and the JWS header.
    :raises JoseError: when the header, key, signature or payload is wrong.
    """
    token = token.strip()
    if token.count(".") != 2:
        msg = "not a compact JWS"
        raise JoseError(msg)
    header = compact_header(token)
    alg = header.get("alg")
    if alg not in (SIGNING_ALG, SECRET_SIGNING_ALG):
        msg = f"JWS alg must be {SIGNING_ALG}, not {alg!r}"
        raise JoseError(msg)
    kid = header.get("kid")
    if alg == SECRET_SIGNING_ALG:
        kid = kid if isinstance(kid, str) else ""  # one secret: no kid needed (S-RO sample)
    elif not isinstance(kid, str) or not kid:
        msg = "JWS header lacks the required kid"
        raise JoseError(msg)
    try:
        key = key_for_kid(kid)
    except KeyFetchError as exc:
        raise JoseError(str(exc)) from None
    # The key decides the algorithm: HS256 only with a client secret, RS256 only with RSA keys.
    expected = SECRET_SIGNING_ALG if key.get("kty") == "oct" else SIGNING_ALG
    if alg != expected:
        msg = f"JWS alg must be {expected} for this client, not {alg!r}"
        raise JoseError(msg)
    signed = jws.JWS()
    signed.allowed_algs = [expected]
    try:
        signed.deserialize(token)
        signed.verify(key, alg=expected)
    except (JWException, ValueError, TypeError):
        msg = f"JWS signature does not verify with key {kid!r}"
        raise JoseError(msg) from None
    return load_json_object(signed.payload, "JWS payload"), header


def sign(claims: Mapping[str, Any], key: jwk.JWK) -> str:
    """Sign claims as a compact RS256 JWT with header ``alg``, ``kid`` and ``typ`` (D-JOSE).

    :param claims: the claims.
    :param key: a private RSA key with a ``kid``.
    :returns: the compact JWS.
    """
    header = {"alg": SIGNING_ALG, "kid": key.get("kid"), "typ": "JWT"}
    token = jws.JWS(to_json_bytes(claims))
    token.add_signature(key, alg=SIGNING_ALG, protected=json.dumps(header))
    return str(token.serialize(compact=True))


def sign_hs256(claims: Mapping[str, Any], secret: bytes, kid: str) -> str:
    """Sign claims with HMAC-SHA256 (only for the ``id_token_hs256`` fault).

    :param claims: the claims.
    :param secret: the HMAC secret.
    :param kid: the ``kid`` to put in the header.
    :returns: the compact JWS.
    """
    key = jwk.JWK(kty="oct", k=b64url_encode(secret))
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    token = jws.JWS(to_json_bytes(claims))
    token.allowed_algs = ["HS256"]
    token.add_signature(key, alg="HS256", protected=json.dumps(header))
    return str(token.serialize(compact=True))


def sign_with_secret(claims: Mapping[str, Any], key: jwk.JWK) -> str:
    """Sign claims HS256 with a client secret's key, for clients registered so (D-AUTH
    "Secret key method").

    :param claims: the claims.
    :param key: the ``oct`` key of the secret (:func:`~.registry.secret_key`).
    :returns: the compact JWS, header ``alg`` and ``typ`` (no ``kid``: there is one secret).
    """
    token = jws.JWS(to_json_bytes(claims))
    token.allowed_algs = [SECRET_SIGNING_ALG]
    header = {"alg": SECRET_SIGNING_ALG, "typ": "JWT"}
    token.add_signature(key, alg=SECRET_SIGNING_ALG, protected=json.dumps(header))
    return str(token.serialize(compact=True))


def encrypt_with_secret(inner: str, secret: str) -> str:
    """Encrypt a compact JWT for a client with a secret: JWE ``dir`` + A256GCM, content key the
    SHA-256 of the secret's UTF-8 octets (OIDC Core §10.2: 256 bits, SHA-256, no truncation).

    :param inner: the compact JWS to wrap.
    :param secret: the client secret.
    :returns: the compact JWE (header as in the D-AUTH secret-key example, plus ``cty``).
    """
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    key = jwk.JWK(kty="oct", k=b64url_encode(digest))
    header = {"alg": "dir", "enc": SECRET_CONTENT_ENC, "cty": "JWT"}
    envelope = jwe.JWE(inner.encode("utf-8"), protected=json.dumps(header))
    envelope.allowed_algs = ["dir", SECRET_CONTENT_ENC]
    envelope.add_recipient(key)
    return str(envelope.serialize(compact=True))


def unsigned(claims: Mapping[str, Any]) -> str:
    """Build an unsecured JWT (``alg`` ``none``, only for the ``id_token_unsigned`` fault).

    :param claims: the claims.
    :returns: ``header.payload.`` with an empty signature.
    """
    header = b64url_encode(to_json_bytes({"alg": "none", "typ": "JWT"}))
    return f"{header}.{b64url_encode(to_json_bytes(claims))}."


def encrypt(inner: str, key: jwk.JWK) -> str:
    """Encrypt a compact JWT to a client's RSA key, as itsme encrypts ID tokens (D-JOSE).

    The JWE ``alg`` is the key's ``alg`` when that is RSA-OAEP or RSA-OAEP-256, otherwise
    RSA-OAEP-256; ``enc`` is A128CBC-HS256; ``cty`` is ``JWT``; ``kid`` names the key.

    :param inner: the compact JWS to wrap.
    :param key: the client's public encryption key.
    :returns: the compact JWE.
    """
    alg = key.get("alg") if key.get("alg") in KEY_ALGS else DEFAULT_KEY_ALG
    header: dict[str, Any] = {"alg": alg, "enc": DEFAULT_CONTENT_ENC, "cty": "JWT"}
    if key.get("kid"):
        header["kid"] = key.get("kid")
    envelope = jwe.JWE(inner.encode("utf-8"), protected=json.dumps(header))
    envelope.add_recipient(key)
    return str(envelope.serialize(compact=True))
