"""Values from a request, made safe for one log line.

A log line is a record an operator trusts: a value a visitor controls (``?service=``, itsme's
``error_description``, a header) must not be able to end the line and forge another, hide text
with control or bidirectional characters, blow the line up, or fake the end of its own field.
:func:`quote_for_log` writes such a value as a bare token when it is one (``login``,
``access_denied``: so the usual lines stay readable and greppable), and otherwise as a
double-quoted string in which ``"`` and ``\\`` are escaped and every character that is not
plainly printable is written as a Python-style escape (``\\n``, ``\\x00``, ``\\u2028``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LOG_VALUE_LIMIT", "quote_for_log"]

#: Characters of a value kept in a log line: enough for any service name, error code or
#: ``error_description`` itsme sends (cut to 200 by the core), and a bound on what one request
#: can write into the log.
LOG_VALUE_LIMIT = 200

#: A value made only of these is written as it is: it cannot hold a space, ``=`` or a quote, so
#: it cannot be mistaken for more than one field.
_BARE = re.compile(r"[A-Za-z0-9_.:/@+-]+")

#: Unicode categories written as escapes: controls, formats (bidirectional overrides, zero
#: width characters), line and paragraph separators, surrogates, private use, unassigned.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES and char.isprintable():
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote_for_log(value: object, *, limit: int = LOG_VALUE_LIMIT) -> str:
    """Write ``value`` for a log line: a bare token, or a quoted string with escapes.

    :param value: the value; None is written ``-``, anything but a string by its ``str()``.
    :param limit: characters of the value kept (counted before escaping); the rest is replaced
        by ``...(+N chars)`` after the closing quote.
    :returns: one line of printable text: a bare token when the value is one, else ``"..."``.
    """
    if value is None:
        return "-"
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit and _BARE.fullmatch(text):
        return text
    kept, cut = text[:limit], len(text) - min(len(text), limit)
    quoted = '"' + "".join(_escape(char) for char in kept) + '"'
    return quoted + (f"...(+{cut} chars)" if cut else "")
