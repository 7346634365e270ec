"""Verifiable evidence of a Confirm approval, checkable offline, years later.

itsme returns nothing Confirm-specific: an approval is a normal code exchange whose ID token
carries our ``nonce`` (protocol notes §6.2 and §11 #14). So the nonce *is* the binding: it is
derived from the transaction id, a random salt and the canonical template content. The ID token
itsme signed (the inner JWS) carries that nonce and the approver's ``sub``; kept with the public
key that signed it, the salt and the content, it lets anyone recompute the nonce and check the
signature without calling itsme:

    nonce = BASE64URL(SHA-256(JSON([version, transaction id, salt, canonical content])))

Change one byte of the content, the salt, the id or the token and verification fails.

The key stored with the token is not trusted by itself: whoever can rewrite the stored evidence
can re-sign it with a key of their own. :func:`verify_evidence` therefore also asks trust anchors
kept outside the evidence (:class:`KeyAnchor`: itsme's live JWKS, an archive of itsme's keys,
see :mod:`.key_archive`) whether that key is itsme's, and takes the issuer and client id from the
caller's configuration, not from the evidence. A key no anchor vouches for is
:class:`UnanchoredKeyError`, never a success.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jwcrypto import jwk
from jwcrypto.common import JWException

from . import jose
from .errors import (
    EvidenceError,
    ItsmeError,
    KeyArchiveError,
    SignatureError,
    TokenValidationError,
    UnanchoredKeyError,
)
from .id_token import read_audiences
from .key_archive import rsa_thumbprint
from .key_store import PRIVATE_MEMBERS

__all__ = [
    "EVIDENCE_VERSION",
    "Evidence",
    "EvidenceError",
    "EvidenceResult",
    "KeyAnchor",
    "KnownKeysAnchor",
    "LiveKeysAnchor",
    "UnanchoredKeyError",
    "bind_nonce",
    "generate_salt",
    "verify_evidence",
]

#: Part of every bound nonce, so a future scheme can never collide with this one.
EVIDENCE_VERSION = "django-itsme/confirm/v1"
#: 32 random bytes: the salt makes the nonce unguessable even for a known template and id.
SALT_BYTES = 32


class KeyAnchor(Protocol):
    """Something outside the evidence that can say a public key is itsme's.

    ``vouch`` returns a sentence naming the anchor and why it vouches (shown in verdicts), or
    None when it does not know the key. It may raise :class:`~.errors.ItsmeError` when it cannot
    answer (itsme unreachable, archive unreadable): the verdict then notes it and asks the next.
    """

    @property
    def label(self) -> str:
        """The anchor's name in verdicts and notes."""
        ...

    def vouch(self, *, issuer: str, kid: str, thumbprint: str) -> str | None:
        """See the class docstring."""
        ...


@dataclass(frozen=True, slots=True)
class KnownKeysAnchor:
    """Vouches for a fixed set of keys of one issuer, e.g. the key the client has just fetched
    from itsme's JWKS over TLS to verify the token at approval time.

    :param issuer: the issuer the keys belong to.
    :param keys: public JWKs.
    :param label: how the anchor is named in verdicts.
    """

    issuer: str
    keys: Sequence[Mapping[str, Any]] = field(repr=False)
    label: str = "itsme live JWKS"

    def vouch(self, *, issuer: str, kid: str, thumbprint: str) -> str | None:
        """Vouch when one of ``keys`` has this thumbprint (and the issuer matches)."""
        if issuer != self.issuer:
            return None
        for key in self.keys:
            try:
                if rsa_thumbprint(key) == thumbprint:
                    return self.label
            except KeyArchiveError:
                continue
        return None


@dataclass(frozen=True, slots=True)
class LiveKeysAnchor:
    """Vouches for a key itsme publishes right now, looked up by ``kid``.

    :param issuer: the issuer whose JWKS ``lookup`` reads.
    :param lookup: ``kid`` -> public JWK, e.g. ``client.provider_keys().public_jwk`` (cached,
        one refetch on an unknown kid); raises :class:`~.errors.ItsmeError` for a kid itsme
        does not publish (any more) or when itsme cannot be reached.
    :param label: how the anchor is named in verdicts.
    """

    issuer: str
    lookup: Callable[[str], Mapping[str, Any]] = field(repr=False)
    label: str = "itsme live JWKS"

    def vouch(self, *, issuer: str, kid: str, thumbprint: str) -> str | None:
        """Vouch when itsme's JWKS publishes ``kid`` with exactly this key."""
        if issuer != self.issuer:
            return None
        published = self.lookup(kid)  # an unknown kid raises: the verdict notes why
        try:
            return self.label if rsa_thumbprint(published) == thumbprint else None
        except KeyArchiveError:
            return None


def generate_salt() -> str:
    """A fresh random salt, as URL-safe text."""
    return secrets.token_urlsafe(SALT_BYTES)


def bind_nonce(*, transaction_id: str, salt: str, content: str) -> str:
    """The nonce that binds an itsme approval to exactly this transaction and content.

    :param transaction_id: the confirmation's id (e.g. a UUID as text).
    :param salt: from :func:`generate_salt`.
    :param content: the template's canonical serialisation (``template.canonical()``).
    :returns: 43 characters of base64url (a valid OIDC nonce).
    """
    message = json.dumps(
        [EVIDENCE_VERSION, transaction_id, salt, content], separators=(",", ":"), ensure_ascii=True
    )
    digest = hashlib.sha256(message.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything needed to re-verify an approval offline.

    :param id_token: the ID token's inner JWS, exactly as itsme signed it (compact form).
    :param signing_key: the public JWK of the key that signed it, *as stored*: trusted only
        once an anchor vouches for it.
    :param transaction_id: the confirmation's id.
    :param salt: the salt used for the nonce.
    :param content: the canonical template content that was shown and approved.
    :param sub: the ``sub`` of the user who had to approve.
    :param issuer: the issuer *recorded* with the evidence (compared with the expected one).
    :param client_id: the client id *recorded* with the evidence (compared likewise).
    """

    id_token: str
    signing_key: Mapping[str, Any]
    transaction_id: str
    salt: str
    content: str
    sub: str
    issuer: str
    client_id: str


@dataclass(frozen=True, slots=True)
class EvidenceResult:
    """A verdict of "valid": what was proved, and who vouched for itsme's key.

    :ivar claims: the verified ID token claims (``sub``, ``nonce``, ``acr``, ``iat``, ...).
    :ivar anchor: the anchor's sentence, e.g. ``"key archive keys.json (first seen ...)"``.
    :ivar kid: the signing key's ``kid``.
    :ivar thumbprint: the signing key's RFC 7638 thumbprint.
    :ivar notes: anchors asked before the one that vouched and could not answer.
    """

    claims: Mapping[str, Any] = field(repr=False)
    anchor: str
    kid: str
    thumbprint: str
    notes: tuple[str, ...] = ()


def verify_evidence(
    evidence: Evidence,
    *,
    issuer: str,
    client_id: str,
    anchors: Iterable[KeyAnchor],
) -> EvidenceResult:
    """Check that itsme signed an approval by ``evidence.sub`` for exactly ``evidence.content``.

    In order: the evidence was recorded for this ``issuer`` and ``client_id``; the token's
    signature (RS256 only) verifies with the stored key; its ``iss`` is ``issuer``, its ``aud``
    holds ``client_id`` (OIDC Core §3.1.3.7 items 2-3), its ``sub`` is the approver's and its
    ``nonce`` binds the content, salt and id; last, an anchor vouches for the stored key (asked
    in order, stopping at the first that does). Expiry is deliberately not checked: evidence is
    read long after the token expired.

    :param evidence: the stored evidence.
    :param issuer: the expected issuer, from the configuration (never from the evidence).
    :param client_id: our client id, from the configuration (never from the evidence).
    :param anchors: where itsme's keys are known from (:class:`KeyAnchor`).
    :returns: the verdict, naming the anchor that vouched for the key.
    :raises UnanchoredKeyError: everything holds, but no anchor knows the key.
    :raises EvidenceError: anything else does not match (code ``evidence_other_environment``
        when the evidence was recorded for another issuer or client id).
    """
    if evidence.issuer != issuer or evidence.client_id != client_id:
        raise EvidenceError(
            "This evidence was recorded for another environment or client "
            f"(issuer {evidence.issuer!r}, client id {evidence.client_id!r}) than this site is "
            f"configured for (issuer {issuer!r}, client id {client_id!r}).",
            code="evidence_other_environment",
        )
    key = _public_key(evidence.signing_key)
    kid = str(key.get("kid", ""))

    def key_for(token_kid: str) -> jwk.JWK:
        if token_kid != kid:
            raise EvidenceError("The stored token names another key than the stored one.")
        return key

    try:
        claims = jose.verify(evidence.id_token, key_for).claims
    except EvidenceError:
        raise
    except SignatureError as exc:
        raise EvidenceError("The stored token's signature does not verify.") from exc
    except TokenValidationError as exc:
        raise EvidenceError("The stored token is not a signed JWT.") from exc
    if claims.get("iss") != issuer:
        raise EvidenceError(
            "The stored token was issued by someone else than the configured issuer "
            "(another environment?)."
        )
    if client_id not in read_audiences(claims):
        raise EvidenceError("The stored token was meant for another client.")
    if claims.get("sub") != evidence.sub:
        raise EvidenceError("The stored token was approved by another user.")
    expected = bind_nonce(
        transaction_id=evidence.transaction_id, salt=evidence.salt, content=evidence.content
    )
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce, expected):
        raise EvidenceError(
            "The approved nonce does not match the stored content, salt and transaction id."
        )
    thumbprint = rsa_thumbprint(evidence.signing_key)
    notes: list[str] = []
    for anchor in anchors:
        try:
            vouched = anchor.vouch(issuer=issuer, kid=kid, thumbprint=thumbprint)
        except ItsmeError as exc:
            notes.append(f"{anchor.label}: could not answer [{exc.code}]: {exc.message}")
            continue
        if vouched:
            return EvidenceResult(
                claims=claims, anchor=vouched, kid=kid, thumbprint=thumbprint, notes=tuple(notes)
            )
    raise UnanchoredKeyError(
        "Signature valid but key not anchored: the token verifies with the key stored in the "
        f"evidence (kid {kid!r}, thumbprint {thumbprint}), but no trust anchor knows that key, so "
        "nothing shows it is itsme's.",
        kid=kid,
        thumbprint=thumbprint,
        notes=notes,
    )


def _public_key(data: Any) -> jwk.JWK:
    if (
        not isinstance(data, Mapping)
        or data.get("kty") != "RSA"
        or PRIVATE_MEMBERS & set(data)
        or not all(isinstance(data.get(m), str) for m in ("n", "e"))
    ):
        raise EvidenceError("The stored signing key is not a public RSA key.")
    try:
        return jwk.JWK(**dict(data))
    except (JWException, ValueError, TypeError) as exc:
        raise EvidenceError("The stored signing key cannot be read.") from exc
