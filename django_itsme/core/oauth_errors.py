"""The OAuth ``error`` values itsme documents, who has to act on each, and how to read them safely.

An error reaches us three ways: in the authorization redirect (``error``, ``error_description``,
D-AUTH "Authorization Endpoint errors", protocol notes §9.1), in a token endpoint answer (JSON
``error`` and ``detail``, or ``error_description`` in v1/2020: §9.2, §11 #9) and in a userinfo
401 (``WWW-Authenticate: Bearer error="invalid_token"`` or a JSON body: §9.3, RFC 6750 §3).

Every documented value is mapped to an :data:`ErrorKind`, which decides the page the user sees:

``configuration``  itsme refused *our request*: the operator must act (client id, service code,
                   redirect URI, request object ``aud``/key/algorithm, JWKS). Not tampering.
``user``           the user cancelled or could not authenticate (nothing to fix).
``unavailable``    itsme is down, overloaded or in maintenance (retry later).
``expired``        the code expired or was used already (start again).
``unknown``        a value itsme does not document: shown as a refusal, logged for the operator.

Values and texts come from someone else: :func:`read_error_value` keeps only one short word
(letters, digits, ``_.-``), :func:`read_error_text` only printable text, cut, with anything that
looks like a token or key masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from .provider_json import MAX_JSON_DEPTH, text_depth

__all__ = [
    "ASSERTION_REFUSALS",
    "AUTHORIZATION_ERRORS",
    "MAX_ERROR_BODY_BYTES",
    "REQUEST_OBJECT_ERRORS",
    "TOKEN_ERRORS",
    "ErrorKind",
    "authorization_error_kind",
    "parse_bearer_challenge",
    "read_error_body",
    "read_error_text",
    "read_error_value",
]

ErrorKind = Literal["configuration", "user", "unavailable", "expired", "unknown"]

#: Every ``error`` an itsme authorization redirect may carry, and who must act. The v2 list
#: (D-AUTH; protocol notes §9.1) with its spelling ``temporary_unavailable``, RFC 6749 §4.1.2.1
#: (``server_error``, ``temporarily_unavailable``), OIDC Core §3.1.2.6 (``login_required`` ...,
#: ``request_not_supported``, ``registration_not_supported``), RFC 9101 §6.3 / OIDC Core §6
#: (``request_uri_not_supported``) and the v1 HTTP error ``not_implemented`` (S-LOGIN).
AUTHORIZATION_ERRORS: Mapping[str, ErrorKind] = {
    # itsme refused our request: an onboarding or settings mistake.
    "invalid_request": "configuration",
    "invalid_request_object": "configuration",
    "invalid_request_uri": "configuration",
    "invalid_client": "configuration",
    "invalid_client_id": "configuration",
    "invalid_redirect_uri": "configuration",
    "unauthorized_client": "configuration",
    "unsupported_response_type": "configuration",
    "unsupported_request": "configuration",
    "unsupported_display": "configuration",
    "unsupported_grant_type": "configuration",
    "invalid_scope": "configuration",
    "request_not_supported": "configuration",
    "request_uri_not_supported": "configuration",
    "registration_not_supported": "configuration",
    "not_implemented": "configuration",
    # the user said no, or could not go on.
    "access_denied": "user",
    "login_required": "user",
    "consent_required": "user",
    "interaction_required": "user",
    "account_selection_required": "user",
    # itsme cannot serve now.
    "server_error": "unavailable",
    "temporarily_unavailable": "unavailable",
    "temporary_unavailable": "unavailable",
    # D-AUTH lists it on the authorization page too: a code that cannot be used (any more).
    "invalid_grant": "expired",
}

#: The authorization errors that refuse the request object itself (its encryption, signature,
#: ``aud`` or ``request_uri``, RFC 9101 §6.3): itsme could not read it, so no ``state`` comes back
#: (protocol notes §9.1), and a key set cached from before itsme replaced its key may be the cause.
REQUEST_OBJECT_ERRORS: frozenset[str] = frozenset({"invalid_request_object", "invalid_request_uri"})
#: The token endpoint errors that refuse our client authentication: with
#: ``ENCRYPT_CLIENT_ASSERTION``, an assertion encrypted to a key itsme replaced is one cause.
#: D-AUTH lists both for the token endpoint without saying which an undecryptable assertion
#: gets; RFC 6749 §5.2 says ``invalid_client``, the simulator answers ``unauthorized_client``
#: (its ``faults.token_error`` plays the other): both are read alike.
ASSERTION_REFUSALS: frozenset[str] = frozenset({"invalid_client", "unauthorized_client"})

#: Every ``error`` the token endpoint may answer (D-AUTH; RFC 6749 §5.2) and who must act:
#: ``invalid_grant`` is an expired, used or mismatched code (start again), the others mean our
#: request or client authentication is wrong (``unauthorized_client`` also on a bad
#: ``client_assertion``, D-AUTH).
TOKEN_ERRORS: Mapping[str, ErrorKind] = {
    "invalid_grant": "expired",
    "invalid_client": "configuration",
    "unauthorized_client": "configuration",
    "invalid_request": "configuration",
    "unsupported_grant_type": "configuration",
    "invalid_scope": "configuration",
}

#: The most of an error answer we parse: itsme's are a few hundred bytes; a bigger one is not
#: read at all (its status still counts).
MAX_ERROR_BODY_BYTES = 16 * 1024
#: Characters of an ``error`` value kept: the longest documented one has 26.
ERROR_VALUE_LIMIT = 64
#: Characters of an ``error_description`` / ``detail`` kept, for the log line and the page.
ERROR_TEXT_LIMIT = 200
#: The most of a ``WWW-Authenticate`` header we parse.
MAX_CHALLENGE_CHARS = 2048

#: RFC 6749 §4.1.2.1 / §5.2 allow more in ``error`` (printable ASCII but ``"`` and ``\``); every
#: value anyone documents is letters and underscores, so anything beyond this is not kept.
_ERROR_VALUE = re.compile(rf"[A-Za-z0-9_.-]{{1,{ERROR_VALUE_LIMIT}}}")
#: A run that looks like a token, code or key (base64url with dots, 40+ characters): masked in
#: provider text, in case itsme ever echoes something of ours.
_SECRET_LOOKING = re.compile(r"[A-Za-z0-9_.~+/=-]{40,}")
#: RFC 6750 §3 / RFC 9110 §11.2: ``name=token`` or ``name="quoted string"``.
_AUTH_PARAM = re.compile(r'([A-Za-z0-9_!#$%&\'*+.^`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]*)')


def authorization_error_kind(error: str) -> ErrorKind:
    """Who must act on an authorization redirect's ``error``.

    :param error: the value (already read with :func:`read_error_value`).
    :returns: its :data:`ErrorKind`; ``unknown`` for a value itsme does not document.
    """
    return AUTHORIZATION_ERRORS.get(error, "unknown")


def read_error_value(value: object) -> str | None:
    """An ``error`` value someone sent, if it is one short word (letters, digits, ``_.-``).

    :param value: what the redirect or JSON body held.
    :returns: the value, or None when it is missing, not a string, too long or has other
        characters (it then never reaches a log line or page as it is).
    """
    if isinstance(value, str) and _ERROR_VALUE.fullmatch(value):
        return value
    return None


def read_error_text(value: object) -> str | None:
    """An ``error_description`` / ``detail`` someone sent, made safe to log and show.

    Only printable characters are kept (no line breaks, control or bidirectional characters),
    runs that look like a token or key are replaced by ``[...]``, and the text is cut to
    :data:`ERROR_TEXT_LIMIT` characters. HTML is *not* escaped here: pages do that.

    :param value: what the redirect or body held.
    :returns: the text, or None when there is none.
    """
    if not isinstance(value, str):
        return None
    printable = "".join(ch for ch in value[: ERROR_TEXT_LIMIT * 4] if ch.isprintable())
    masked = _SECRET_LOOKING.sub(_mask, printable)
    cut = masked[:ERROR_TEXT_LIMIT].strip()
    return cut or None


def _mask(match: re.Match[str]) -> str:
    # Only runs with a digit: plain words glued together are not secrets.
    run = match.group(0)
    return "[...]" if any(ch.isdigit() for ch in run) else run


def read_error_body(body: bytes) -> tuple[str | None, str | None]:
    """The ``error`` and its text from a JSON error answer (token or userinfo endpoint).

    The text is ``detail`` (itsme v2, D-AUTH) or ``error_description`` (v1/2020, RFC 6749 §5.2):
    both are read, ``detail`` first (protocol notes §11 #9).

    :param body: the answer's bytes; over :data:`MAX_ERROR_BODY_BYTES` it is not parsed.
    :returns: ``(error, text)``, each None when absent or unusable.
    """
    if len(body) > MAX_ERROR_BODY_BYTES:
        return None, None
    try:
        decoded = body.decode("utf-8")
        if text_depth(decoded) > MAX_JSON_DEPTH:
            return None, None  # never let json.loads recurse that deep (provider_json)
        document: Any = json.loads(decoded)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    text = read_error_text(document.get("detail")) or read_error_text(
        document.get("error_description")
    )
    return read_error_value(document.get("error")), text


def parse_bearer_challenge(header: str | None) -> dict[str, str]:
    """The parameters of a ``WWW-Authenticate: Bearer ...`` challenge (RFC 6750 §3).

    :param header: the header's value, or None.
    :returns: parameter name (lower case) -> value (unquoted); empty when the header is absent,
        names another scheme, or is too long to be itsme's.
    """
    if not header or len(header) > MAX_CHALLENGE_CHARS:
        return {}
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return {}
    params: dict[str, str] = {}
    for name, raw in _AUTH_PARAM.findall(rest):
        value = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\") if raw[:1] == '"' else raw
        params.setdefault(name.lower(), value)
    return params
