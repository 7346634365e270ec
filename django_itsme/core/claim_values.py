"""Forgiving readers for single claim values, as itsme and its platforms send them.

The sources disagree on many formats (protocol notes §11 #15): booleans as strings, objects as
JSON text, member names in another case, dates with or without time, milliseconds and ``Z``, or
printed day first. Each reader here takes any JSON value, never raises, and returns ``None`` for
a value it cannot read. :mod:`django_itsme.core.identity_claims` builds the typed claims from them.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final

from django_itsme.core.claim_names import CLAIM_PREFIX
from django_itsme.core.provider_json import MAX_JSON_DEPTH, text_depth

__all__ = [
    "read_base64",
    "read_boolean",
    "read_date",
    "read_datetime",
    "read_ip_address",
    "read_member",
    "read_metadata",
    "read_object",
    "read_printed_date",
    "read_text",
]

_TRUE_WORDS: Final = frozenset({"true", "1"})
_FALSE_WORDS: Final = frozenset({"false", "0"})

#: The extended calendar date that starts every ISO 8601 / RFC 3339 §5.6 value itsme sends
#: (``YYYY-MM-DD``, then optionally a time). ISO 8601's basic (``20310530``), week
#: (``2031-W22-5``) and ordinal forms, which :meth:`datetime.fromisoformat` also reads, are not
#: itsme's and are refused: an 8-digit number is more likely something else.
_CALENDAR_DATE_FIRST: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ].*)?", re.DOTALL)
#: The printed form of Belgian documents, e.g. ``01.11.1978`` (D-AREQ ``birthdate_as_string``).
_DAY_FIRST_DATE: Final = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def read_text(value: object) -> str | None:
    """Read a text value.

    :param value: any JSON value.
    :returns: a non-empty string with surrounding white space removed (a JSON integer becomes its
        digits), or ``None``.
    """
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def read_boolean(value: object) -> bool | None:
    """Read a boolean: a JSON boolean, ``0``/``1``, or ``"true"``/``"false"`` sent as a string
    (protocol notes §11 #15).

    :param value: any JSON value.
    :returns: the boolean, or ``None``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {0: False, 1: True}.get(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def read_object(value: object) -> Mapping[str, Any] | None:
    """Read a JSON object, given as such or (seen from some platforms) as JSON text.

    :param value: any JSON value.
    :returns: the object, or ``None``; JSON text nested deeper than
        :data:`~django_itsme.core.provider_json.MAX_JSON_DEPTH` is never decoded.
    """
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        if text_depth(value) > MAX_JSON_DEPTH:
            return None  # never let json.loads recurse that deep (provider_json)
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return None
        return decoded if isinstance(decoded, dict) else None
    return None


def read_member(obj: Mapping[str, Any], *names: str) -> Any:
    """Find a member of an object under any of its spellings.

    :param obj: the object.
    :param names: the member's spellings, preferred first (``deviceID``, ``device_id``).
    :returns: the first non-null member among ``names``, matched exactly first, then ignoring
        case (the D-AUTH example writes ``deviceId``); ``None`` when none is there.
    """
    for name in names:
        if obj.get(name) is not None:
            return obj[name]
    lowered = {key.lower(): val for key, val in obj.items() if isinstance(key, str)}
    for name in names:
        if lowered.get(name.lower()) is not None:
            return lowered[name.lower()]
    return None


def read_metadata(value: object, preferred: Sequence[str]) -> Any:
    """Read a metadata claim (D-UD): an object keyed by the attribute it describes.

    :param value: the claim's value.
    :param preferred: the attributes whose entry to take, in order (bare names; the full claim
        URIs are tried too).
    :returns: the entry of the first of ``preferred`` that is present, else the first non-null
        entry; a plain value (a string) as it is.
    """
    obj = read_object(value)
    if obj is None:
        return value
    for attribute in preferred:
        found = read_member(obj, attribute, CLAIM_PREFIX + attribute)
        if found is not None:
            return found
    return next((entry for entry in obj.values() if entry is not None), None)


def _printed(text: str) -> datetime | None:
    """``DD.MM.YYYY`` (also with ``/`` or ``-``) as midnight UTC, or ``None``."""
    printed = _DAY_FIRST_DATE.fullmatch(text)
    if printed is None:
        return None
    day, month, year = (int(part) for part in printed.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:  # 30.02.2031, 00.00.1950
        return None


def _moment(value: object) -> datetime | None:
    """A date or date-time in its own offset (UTC when none was given), or ``None``.

    ISO 8601 / RFC 3339 through :meth:`datetime.fromisoformat` (the docs show ``.nnnZ``, the
    examples no fraction: protocol notes §11 #15; any fraction length, ``,`` or ``.``, ``Z`` or
    an offset as ``+hh``, ``+hhmm`` or ``+hh:mm``, lower-case ``t``/``z``), then the printed
    ``DD.MM.YYYY`` of Belgian documents.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _CALENDAR_DATE_FIRST.fullmatch(text):
        try:  # upper() only touches t and z: the rest is digits and punctuation
            moment = datetime.fromisoformat(text.upper())
        except ValueError:  # 30 February, hour 25, offset of a day or more, ...
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return _printed(text)


def read_date(value: object) -> date | None:
    """Read a calendar date as written: the time and offset, if any, are ignored.

    :param value: ``YYYY-MM-DD[Thh:mm[:ss[.fff]][Z|±hh:mm]]`` or ``DD.MM.YYYY``.
    :returns: the date, or ``None``.
    """
    moment = _moment(value)
    return None if moment is None else moment.date()


def read_datetime(value: object) -> datetime | None:
    """Read a date-time.

    :param value: as for :func:`read_date`.
    :returns: an aware date-time in UTC (a bare date means midnight UTC), or ``None``.
    """
    moment = _moment(value)
    return None if moment is None else moment.astimezone(UTC)


def read_printed_date(value: object) -> date | None:
    """Read only the day-first date printed on Belgian documents (D-AREQ
    ``birthdate_as_string``, e.g. ``01.11.1978``).

    :param value: any JSON value.
    :returns: the date, or ``None`` (also for ``00.00.1950``, a birth date known by year only).
    """
    moment = _printed(value.strip()) if isinstance(value, str) else None
    return None if moment is None else moment.date()


def read_ip_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Read an IPv4 or IPv6 address.

    :param value: any JSON value.
    :returns: the address, or ``None``.
    """
    text = read_text(value)
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def read_base64(text: str) -> bytes | None:
    """Decode standard or URL-safe base64, padded or not, white space ignored (RFC 4648 §4, §5).

    :param text: the encoded text.
    :returns: the bytes, or ``None`` when the text is not base64.
    """
    compact = "".join(text.split()).translate(str.maketrans("-_", "+/")).rstrip("=")
    if not compact or len(compact) % 4 == 1:
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
