"""Nested JWTs as itsme uses them: sign then encrypt, decrypt then verify, with allow-lists.

Sources: D-JOSE (protocol notes §3.2 and §8.1). Everything we sign is JWS ``RS256`` with a ``kid``;
everything we encrypt is JWE ``RSA-OAEP-256`` (or ``RSA-OAEP`` when that is the only algorithm the
recipient key allows) with ``cty: JWT`` and the recipient key's ``kid``. Everything we receive is
checked against the allow-lists below *before* any key is used, so ``alg: none``, HS256 and
``RSA1_5`` never reach the crypto code.

Client-secret partners (D-AUTH "Secret key method", protocol notes §1.2, §8.1) are the one
exception, and only through :class:`SharedSecret`: their ID token is a JWE ``dir`` whose content
key is derived from the client secret (OIDC Core §10.2; D-AUTH example header
``{"alg":"dir","enc":"A256GCM"}``), its inner JWS is RS256 or HS256 as registered, and what they
sign themselves (the request object) is HS256 with the secret (OIDC Core §10.1; S-RO
``clientsecretreqobjectuat.json``). An algorithm is bound to the kind of key the caller holds:
``dir`` is accepted only when the decryption keys are a :class:`SharedSecret`'s, HS256 only when
the key lookup *is* a :class:`SharedSecret`, and then nothing else is. A ``private_key_jwt``
client never holds either, so its allow-lists stay exactly the ones above.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeAlias

from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException, base64url_decode, base64url_encode, json_encode

from .errors import SignatureError, TokenDecryptionError, TokenValidationError
from .key_store import KeyStore, KeyStoreError, KeyUnwrapError
from .provider_json import FOREIGN_ERRORS, parse_json

__all__ = [
    "ALLOWED_JWE_ALGORITHMS",
    "ALLOWED_JWE_ENCRYPTIONS",
    "ALLOWED_JWS_ALGORITHMS",
    "MAX_TOKEN_BYTES",
    "PREFERRED_JWE_ALGORITHMS",
    "PREFERRED_JWE_ENCRYPTIONS",
    "SECRET_JWE_ALGORITHMS",
    "SECRET_JWS_ALGORITHMS",
    "SECRET_KID",
    "DecodedJWT",
    "DecryptionKeys",
    "SharedSecret",
    "SigningKey",
    "decrypt",
    "decrypt_and_verify",
    "derive_content_key",
    "encode_claims",
    "encrypt",
    "read_header",
    "sign",
    "sign_then_encrypt",
    "verify",
]

#: D-JOSE: itsme signs with RS256 and so do we. Never ``none``, never HS* (protocol notes §8.1).
ALLOWED_JWS_ALGORITHMS = ("RS256",)
#: D-JOSE recommends RSA-OAEP-256; v1, TB and older registrations use RSA-OAEP. RSA1_5 is refused
#: (padding-oracle prone; protocol notes §11 #2).
ALLOWED_JWE_ALGORITHMS = ("RSA-OAEP-256", "RSA-OAEP")
#: D-JOSE: ``enc`` comes from discovery; examples use A128CBC-HS256 and A256GCM is also listed
#: (protocol notes §8.1). All four are authenticated encryption.
ALLOWED_JWE_ENCRYPTIONS = ("A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM")
#: What we send when the recipient does not say otherwise (D-JOSE example).
DEFAULT_JWE_ENCRYPTION = "A128CBC-HS256"
#: What we encrypt with, best first, among what itsme's discovery lists: D-JOSE says ``alg``
#: SHOULD be RSA-OAEP-256 (RSA-OAEP for older registrations and TB); ``enc`` A128CBC-HS256 is the
#: D-JOSE example and BMID's own request objects (S-RO), A256GCM is also listed (protocol notes
#: §8.1, COMM), then the two other authenticated encryptions jwcrypto supports.
PREFERRED_JWE_ALGORITHMS = ALLOWED_JWE_ALGORITHMS
PREFERRED_JWE_ENCRYPTIONS = ("A128CBC-HS256", "A256GCM", "A256CBC-HS512", "A128GCM")
#: Client-secret partners only (see :class:`SharedSecret`): D-AUTH's secret-key example ID token
#: is ``dir`` (protocol notes §8.1). Never on the list of a ``private_key_jwt`` client.
SECRET_JWE_ALGORITHMS = ("dir",)
#: Client-secret partners only, and only when registered so (D-AUTH "Secret key method": RS256
#: or HS256 chosen at registration). Never ``none``.
SECRET_JWS_ALGORITHMS = ("HS256",)
#: The name a :class:`SharedSecret`'s key goes by in a decryption-key mapping.
SECRET_KID = "client_secret"  # noqa: S105
#: OIDC Core §10.2: the hash a ``dir`` content key of up to 256 / 384 / 512 bits is cut from.
_DERIVATION_HASHES = ((32, hashlib.sha256), (48, hashlib.sha384), (64, hashlib.sha512))
#: Content-key lengths in octets (RFC 7518 §5.2.3-5.2.5, §5.3): what ``dir`` needs per ``enc``.
_CONTENT_KEY_OCTETS = {"A128CBC-HS256": 32, "A256CBC-HS512": 64, "A128GCM": 16, "A256GCM": 32}
#: The largest token we try to parse. An ID token or userinfo answer holding a 200x140 JPEG photo
#: is some tens of kilobytes.
MAX_TOKEN_BYTES = 512 * 1024

KeyLookup = Callable[[str], jwk.JWK]


class DecodedJWT:
    """A verified JWS: its protected header, its claims and the compact form that was verified.

    ``compact`` is kept for evidence (it is the signed ID token anyone can re-verify offline);
    ``repr`` never shows it.
    """

    __slots__ = ("claims", "compact", "header")

    def __init__(self, header: Mapping[str, Any], claims: dict[str, Any], compact: str) -> None:
        self.header = dict(header)
        self.claims = claims
        self.compact = compact

    def __repr__(self) -> str:
        return f"DecodedJWT(kid={self.header.get('kid')!r}, claims={sorted(self.claims)})"


class SharedSecret:
    """A client secret (D-AUTH "Secret key method") as the only key source of a client-secret
    partner: the HMAC key of HS256 (OIDC Core §10.1: the UTF-8 octets of the secret) and the
    ``dir`` content keys derived from it (OIDC Core §10.2).

    Call it as a key lookup (:data:`KeyLookup`) to accept HS256 signatures, and pass
    :meth:`decryption_keys` to accept ``dir`` JWEs. ``repr`` and ``str`` never show the secret.
    """

    __slots__ = ("_key",)

    def __init__(self, secret: str) -> None:
        """:param secret: the client secret itsme onboarding issued."""
        self._key = jwk.JWK(kty="oct", k=base64url_encode(secret.encode("utf-8")))

    def __call__(self, kid: str) -> jwk.JWK:
        """The HMAC key, whatever ``kid`` the header names (there is one secret)."""
        return self._key

    def decryption_keys(self) -> dict[str, jwk.JWK]:
        """The mapping :func:`decrypt` reads ``dir`` JWEs with (and nothing else)."""
        return {SECRET_KID: self._key}

    def __repr__(self) -> str:
        return "SharedSecret(***)"

    __str__ = __repr__


#: What :func:`sign` signs with: our key store (RS256 with its ``kid``, D-JOSE), a private key in
#: memory, or a client-secret partner's secret (HS256).
SigningKey: TypeAlias = KeyStore | jwk.JWK | SharedSecret
#: What :func:`decrypt` opens a JWE with: our key store, or keys by ``kid`` (a
#: :class:`SharedSecret`'s ``dir`` keys, or RSA keys in memory).
DecryptionKeys: TypeAlias = KeyStore | Mapping[str, jwk.JWK]


def derive_content_key(secret_key: jwk.JWK, enc: str) -> jwk.JWK:
    """The ``dir`` content key for ``enc``: the left-most octets of SHA-256/384/512 of the secret
    (OIDC Core §10.2: the smallest SHA-2 at least as long as the key, truncated).

    :param secret_key: the ``oct`` key holding the secret's octets (:class:`SharedSecret`).
    :param enc: the JWE content encryption, one of :data:`ALLOWED_JWE_ENCRYPTIONS`.
    :returns: an ``oct`` JWK of the length ``enc`` needs.
    :raises ValueError: ``enc`` is not on the allow-list.
    """
    octets = _CONTENT_KEY_OCTETS.get(enc)
    if octets is None or enc not in ALLOWED_JWE_ENCRYPTIONS:
        raise ValueError(f"JWE encryption {_safe(enc)} is not on the allow-list.")
    secret = base64url_decode(str(secret_key.get("k", "")))
    digest = next(hash_(secret).digest() for size, hash_ in _DERIVATION_HASHES if octets <= size)
    return jwk.JWK(kty="oct", k=base64url_encode(digest[:octets]))


def read_header(token: str) -> dict[str, Any]:
    """Return the (unverified) protected header of a compact JWS or JWE.

    :raises TokenValidationError: when ``token`` is not a compact serialization.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
        raise TokenValidationError("The token is missing or larger than allowed.")
    head = token.split(".", 1)[0]
    try:
        decoded = base64url_decode(head)
    except FOREIGN_ERRORS as exc:
        raise TokenValidationError("The token header is not base64url-encoded JSON.") from exc
    header = parse_json(decoded, error=TokenValidationError, what="The token header")
    if not isinstance(header, dict):
        raise TokenValidationError("The token header is not a JSON object.")
    return header


def encode_claims(claims: Mapping[str, Any]) -> bytes:
    """Serialise claims as compact UTF-8 JSON, non-ASCII characters unescaped.

    RFC 7519 §7.1 signs the UTF-8 octets of the JSON (RFC 8259 §8.1: UTF-8). Escaping every
    non-ASCII character as ``\\uXXXX`` (Python's default) costs six bytes where UTF-8 needs two,
    and the request object is base64url-encoded twice (JWS, then JWE) into the authorization URL:
    a Confirm free text of accented letters grew the URL from 29 KB to 82 KB (issue 10).

    :param claims: JSON-serialisable claims.
    :returns: the payload bytes.
    """
    return json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(claims: Mapping[str, Any], key: SigningKey, *, typ: str = "JWT") -> str:
    """Sign ``claims`` as a compact JWS: RS256 with the key's ``kid`` (D-JOSE), or HS256 with a
    client secret (OIDC Core §10.1; S-RO's client-secret request object has no ``kid``).

    With a :class:`~.key_store.KeyStore` the compact serialisation is assembled here (RFC 7515
    §3.1, §5.1) and only the signing input goes to the store, which may keep its key in an HSM.

    :param claims: JSON-serialisable claims.
    :param key: our key store, a private RSA key with a ``kid``, or a :class:`SharedSecret`.
    :returns: the compact JWS.
    :raises KeyStoreError: the store cannot sign now.
    """
    if not isinstance(key, SharedSecret | jwk.JWK):
        return _sign_with_store(encode_claims(claims), key, typ=typ)
    token = jws.JWS(encode_claims(claims))
    if isinstance(key, SharedSecret):
        token.add_signature(
            key(""), alg="HS256", protected=json_encode({"alg": "HS256", "typ": typ})
        )
        return str(token.serialize(compact=True))
    header = {"alg": "RS256", "kid": key.get("kid"), "typ": typ}
    token.add_signature(key, alg="RS256", protected=json_encode(header))
    return str(token.serialize(compact=True))


def _sign_with_store(payload: bytes, store: KeyStore, *, typ: str) -> str:
    """RFC 7515 §5.1: ``BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature)``, the
    header serialised as jwcrypto does for a key in memory (so both give the same token)."""
    kid = store.signing_kid
    header = {"alg": "RS256", "kid": kid, "typ": typ}
    signing_input = f"{base64url_encode(json_encode(header))}.{base64url_encode(payload)}"
    signature = store.sign(signing_input.encode("ascii"), kid=kid, alg="RS256")
    return f"{signing_input}.{base64url_encode(signature)}"


def choose_key_algorithm(key: jwk.JWK) -> str:
    """The JWE ``alg`` to encrypt to ``key``: its own ``alg`` when allowed, else RSA-OAEP-256."""
    alg = key.get("alg")
    return alg if alg in ALLOWED_JWE_ALGORITHMS else ALLOWED_JWE_ALGORITHMS[0]


def encrypt(payload: str, key: jwk.JWK, *, alg: str | None = None, enc: str | None = None) -> str:
    """Encrypt a compact JWS to ``key`` (header ``cty: JWT`` and the key's ``kid``, D-JOSE).

    :param payload: the compact JWS to wrap.
    :param key: the recipient's public ``enc`` key.
    :param alg: key management algorithm; default from the key (:func:`choose_key_algorithm`).
    :param enc: content encryption; default ``A128CBC-HS256``.
    :returns: the compact JWE.
    """
    alg = alg or choose_key_algorithm(key)
    enc = enc or DEFAULT_JWE_ENCRYPTION
    if alg not in ALLOWED_JWE_ALGORITHMS or enc not in ALLOWED_JWE_ENCRYPTIONS:
        raise ValueError(f"JWE {alg}/{enc} is not on the allow-list.")
    header = {"alg": alg, "enc": enc, "cty": "JWT", "kid": key.get("kid")}
    token = jwe.JWE(payload.encode("ascii"), protected=json_encode(header))
    token.add_recipient(key)
    return str(token.serialize(compact=True))


def sign_then_encrypt(
    claims: Mapping[str, Any],
    signing_key: SigningKey,
    encryption_key: jwk.JWK,
    *,
    alg: str | None = None,
    enc: str | None = None,
) -> str:
    """Build a nested JWT: JWS RS256 inside a JWE (D-AREQ request object, D-JOSE)."""
    return encrypt(sign(claims, signing_key), encryption_key, alg=alg, enc=enc)


def decrypt(token: str, keys: DecryptionKeys) -> str:
    """Decrypt a compact JWE addressed to one of our ``enc`` keys.

    The key is chosen by the ``kid`` of the header (D-JOSE §3: itsme picks one of our published
    ``enc`` keys at random). A header without ``kid`` is tried against each key in turn. With a
    :class:`~.key_store.KeyStore`, the store unwraps the content-encryption key (RFC 7516 §5.2
    step 10) and jwcrypto does everything else, with the same checks as for a key in memory.

    :param token: the compact JWE.
    :param keys: our key store, or our decryption keys by ``kid``.
    :returns: the decrypted payload (normally a compact JWS).
    :raises TokenDecryptionError: not a JWE, disallowed algorithm, unknown kid, or bad data.
    :raises KeyStoreError: the key store cannot decrypt (HSM or KMS unavailable).
    """
    header = _read_jwe_header(token)
    alg = header["alg"]
    secret = alg in SECRET_JWE_ALGORITHMS
    if not isinstance(keys, Mapping):
        if secret:
            raise TokenDecryptionError(
                f"JWE algorithm {_safe(alg)} is not allowed for this client."
            )
        return _decrypt_with_store(token, header, keys)
    # The algorithm must fit the kind of key we hold, decided before any key is used: ``dir``
    # only with a client secret's key, RSA only with our RSA keys (RFC 8725 §3.1).
    usable = {kid: key for kid, key in keys.items() if (key.get("kty") == "oct") == secret}
    if not usable:
        raise TokenDecryptionError(f"JWE algorithm {_safe(alg)} is not allowed for this client.")
    kid = header.get("kid")
    if kid is not None and not secret:
        key = usable.get(str(kid))
        if key is None:
            raise TokenDecryptionError("The token is encrypted to a key we do not have.")
        candidates = [key]
    else:
        candidates = list(usable.values())
    for key in candidates:
        try:
            content_key = derive_content_key(key, header["enc"]) if secret else key
        except (JWException, *FOREIGN_ERRORS):
            continue
        payload = _open_jwe(token, header, content_key)
        if payload is not None:
            return payload
    raise TokenDecryptionError("The token could not be decrypted with our keys.")


def _open_jwe(token: str, header: Mapping[str, Any], key: jwk.JWK) -> str | None:
    """One try with one key, only the header's (allowed) algorithms: the payload, or None when
    ``key`` does not open the token.

    :raises TokenDecryptionError: it opens, but to something that is not a compact JWT.
    """
    message = jwe.JWE()
    message.allowed_algs = [header["alg"], header["enc"]]
    try:
        message.deserialize(token, key=key)
    except (JWException, KeyUnwrapError, *FOREIGN_ERRORS):
        return None
    try:
        return bytes(message.payload).decode("ascii")
    except UnicodeDecodeError as exc:
        raise TokenDecryptionError("The decrypted token is not a compact JWT.") from exc


#: The key-store failures met while opening the current token, in this context (thread or
#: task): jwcrypto turns every exception of an unwrap into "no recipient matched", so
#: :func:`_decrypt_with_store` collects them here to raise the store's own error.
_UNWRAP_FAILURES: ContextVar[list[KeyStoreError] | None] = ContextVar(
    "django_itsme_unwrap_failures", default=None
)


class _StoreUnwrapper:
    """Stands in for the RSA private key jwcrypto would unwrap the content key with: it asks the
    store instead, and records a store failure (see :data:`_UNWRAP_FAILURES`)."""

    __slots__ = ("alg", "kid", "store")

    def __init__(self, store: KeyStore, kid: str, alg: str) -> None:
        self.store, self.kid, self.alg = store, kid, alg

    def decrypt(self, encrypted_key: bytes, _padding: object) -> bytes:
        try:
            return self.store.unwrap_key(self.kid, encrypted_key, alg=self.alg)
        except KeyStoreError as exc:
            failures = _UNWRAP_FAILURES.get()
            if failures is not None:
                failures.append(exc)
            raise


class _StoreKey(jwk.JWK):  # type: ignore[misc]
    """The public JWK of one of the store's ``enc`` keys whose private half is the store's."""

    def __init__(self, unwrapper: _StoreUnwrapper, **public: str) -> None:
        super().__init__(**public)
        self._unwrapper = unwrapper

    def get_op_key(self, operation: str | None = None, arg: Any = None) -> Any:
        if operation == "unwrapKey":
            return self._unwrapper
        return super().get_op_key(operation, arg)


#: Store keys already built, by (store, kid, alg): parsing the public JWK again cost each
#: decryption a tenth of a millisecond. They hold no per-call state (see _UNWRAP_FAILURES).
_STORE_KEYS: dict[tuple[int, str, str], _StoreKey] = {}
_STORE_KEYS_MAX = 64


def _store_key(store: KeyStore, kid: str, alg: str) -> _StoreKey:
    found = _STORE_KEYS.get((id(store), kid, alg))
    if found is not None and found._unwrapper.store is store:  # not a reused id
        return found
    key = _StoreKey(_StoreUnwrapper(store, kid, alg), **store.public_jwk(kid))
    if len(_STORE_KEYS) >= _STORE_KEYS_MAX:
        _STORE_KEYS.clear()
    _STORE_KEYS[(id(store), kid, alg)] = key
    return key


def _decrypt_with_store(token: str, header: Mapping[str, Any], store: KeyStore) -> str:
    kid = header.get("kid")
    usable = store.decryption_kids
    if kid is not None:
        if str(kid) not in usable:
            raise TokenDecryptionError("The token is encrypted to a key we do not have.")
        candidates: Sequence[str] = [str(kid)]
    else:
        candidates = usable
    for candidate in candidates:
        failures: list[KeyStoreError] = []
        collecting = _UNWRAP_FAILURES.set(failures)
        try:
            payload = _open_jwe(token, header, _store_key(store, candidate, header["alg"]))
        finally:
            _UNWRAP_FAILURES.reset(collecting)
        if failures:
            raise failures[0] from None
        if payload is not None:
            return payload
    raise TokenDecryptionError("The token could not be decrypted with our keys.")


def _read_jwe_header(token: str) -> dict[str, Any]:
    try:
        header = read_header(token)
    except TokenValidationError as exc:
        raise TokenDecryptionError(str(exc)) from exc
    if token.count(".") != 4:
        raise TokenDecryptionError("The token is not encrypted (a JWE was expected).")
    alg, enc = header.get("alg"), header.get("enc")
    if alg not in ALLOWED_JWE_ALGORITHMS and alg not in SECRET_JWE_ALGORITHMS:
        raise TokenDecryptionError(f"JWE algorithm {_safe(alg)} is not allowed.")
    if enc not in ALLOWED_JWE_ENCRYPTIONS:
        raise TokenDecryptionError(f"JWE encryption {_safe(enc)} is not allowed.")
    if "zip" in header:
        # Compressed plaintext is not used by itsme and enables decompression bombs.
        raise TokenDecryptionError("Compressed JWE payloads are not allowed.")
    return header


def verify(token: str, key_for: KeyLookup) -> DecodedJWT:
    """Verify a compact JWS signed with an allowed algorithm by the key its ``kid`` names.

    RS256 with a ``kid`` (D-JOSE), unless ``key_for`` is a :class:`SharedSecret`: then HS256
    only, ``kid`` optional (one secret), for a client-secret partner registered for HS256.

    :param token: the compact JWS.
    :param key_for: returns the public key for a ``kid``; may raise ``ProviderKeysError``.
    :returns: the header, the claims (a JSON object) and the compact token.
    :raises SignatureError: not a JWS, disallowed algorithm, no ``kid``, or a bad signature.
    :raises TokenValidationError: the payload is not a JSON object.
    """
    try:
        header = read_header(token)
    except TokenValidationError as exc:
        raise SignatureError(str(exc)) from exc
    if token.count(".") != 2:
        raise SignatureError("The token is not a signed JWT (a JWS was expected).")
    alg = header.get("alg")
    allowed = SECRET_JWS_ALGORITHMS if isinstance(key_for, SharedSecret) else ALLOWED_JWS_ALGORITHMS
    if alg not in allowed:
        raise SignatureError(f"JWS algorithm {_safe(alg)} is not allowed.")
    kid = header.get("kid")
    if isinstance(key_for, SharedSecret):
        kid = ""
    elif not isinstance(kid, str) or not kid:
        raise SignatureError("The token's header names no key ('kid' is missing, D-JOSE).")
    key = key_for(kid)
    message = jws.JWS()
    message.allowed_algs = list(allowed)
    try:
        message.deserialize(token)
        message.verify(key)
        payload = bytes(message.payload)
    except (JWException, *FOREIGN_ERRORS) as exc:
        raise SignatureError("The token's signature is invalid.") from exc
    claims = parse_json(payload, error=TokenValidationError, what="The token's payload")
    if not isinstance(claims, dict):
        raise TokenValidationError("The token's payload is not a JSON object.")
    return DecodedJWT(header, claims, token)


def decrypt_and_verify(
    token: str, *, decryption_keys: DecryptionKeys, key_for: KeyLookup
) -> DecodedJWT:
    """Open a nested JWT: decrypt with our key, then verify the inner JWS (D-JOSE §3).

    An unencrypted token is refused (D-IG2020, S-LOGIN: "reject it").

    :raises TokenDecryptionError: see :func:`decrypt`.
    :raises KeyStoreError: see :func:`decrypt`.
    :raises SignatureError: see :func:`verify`.
    """
    inner = decrypt(token, decryption_keys)
    return verify(inner, key_for)


def _safe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
