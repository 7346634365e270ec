"""Parse JSON someone else wrote (provider answers, token headers and payloads) without letting a
foreign exception escape.

``json.loads`` raises ``RecursionError`` on deeply nested input, ``UnicodeDecodeError`` on bad
bytes and ``ValueError`` on big integers (Python's digit limit): each is turned into the
:class:`~.errors.ItsmeError` the caller names, with ``raise ... from``, and a message that never
quotes the input. Nesting is also capped well below the recursion limit, so later code that walks
or re-serialises a document (the JWKS cache, the claims parser) cannot hit that limit either
(security review, issue 9).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # errors.py imports oauth_errors.py, which counts depth with this module
    from .errors import ItsmeError

__all__ = ["FOREIGN_ERRORS", "MAX_JSON_DEPTH", "json_depth", "parse_json", "text_depth"]

#: The deepest nesting accepted. itsme's deepest documents (an address or a Confirm template
#: inside the userinfo claims, protocol notes §4 and §6) nest fewer than ten levels.
MAX_JSON_DEPTH = 32

#: What parsing and checking untrusted data can raise besides our own errors: decoding and value
#: errors, type and lookup errors on unexpected shapes, overflow on huge numbers, and recursion on
#: deep nesting. ``MemoryError`` is deliberately not here: it is the process's problem.
FOREIGN_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,
    RecursionError,
)


#: A JSON string (skipped whole, in C) or one bracket: what :func:`text_depth` looks at.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def text_depth(text: str) -> int:
    """How deeply the JSON ``text`` nests, read from its brackets before anything parses it.

    Strings are skipped whole, so brackets inside them do not count; the scan stops as soon as
    :data:`MAX_JSON_DEPTH` is passed. ``json.loads`` recurses once per level and would raise
    ``RecursionError`` deep in the stack, where anything else that runs (a destructor, a
    tracer) fails too: too deep a document is refused before it is parsed.

    :param text: the raw JSON text (possibly invalid: the parser judges the rest).
    :returns: the depth reached, at most ``MAX_JSON_DEPTH + 1``.
    """
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        piece = match.group()
        if piece in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        elif piece in "]}":
            depth -= 1
    return deepest


def json_depth(document: Any) -> int:
    """How deeply ``document`` nests lists and objects (a scalar is 0), without recursion.

    :param document: parsed JSON.
    :returns: the depth.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth) for child in children)
    return deepest


def parse_json(data: bytes | str, *, error: Callable[[str], ItsmeError], what: str) -> Any:
    """Parse ``data`` as JSON nested at most :data:`MAX_JSON_DEPTH` levels.

    :param data: the raw text or bytes (UTF-8, RFC 8259 §8.1).
    :param error: builds the error to raise from a message (e.g. ``DiscoveryError``).
    :param what: names the document in the message ("The discovery document").
    :returns: the parsed value.
    :raises ItsmeError: (built by ``error``) when ``data`` is not such JSON.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        if text_depth(text) > MAX_JSON_DEPTH:
            raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels.")
        document = json.loads(text)
    except FOREIGN_ERRORS as exc:
        raise error(f"{what} is not valid JSON ({type(exc).__name__}).") from exc
    if json_depth(document) > MAX_JSON_DEPTH:
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels.")
    return document
