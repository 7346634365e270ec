"""Confirmation (Confirm) templates: validation of the approval claims and free-text rendering.

The template rides in ``claims.userinfo`` (D-CONF; protocol notes §6.1 and §11 #13).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .protocol import (
    APPROVAL_AMOUNT,
    APPROVAL_CURRENCY,
    APPROVAL_IBAN,
    APPROVAL_TEMPLATE,
    APPROVAL_TEXT,
    FREE_TEXT_CHARSET,
    FREE_TEXT_MAX_CHARS,
    TEMPLATE_FREE_TEXT,
    TEMPLATE_PAYMENT,
)

#: Any HTML-looking tag.
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
#: The tags itsme renders: <b>, <i>, <u> (open and close) and <br> (D-CONF).
_ALLOWED_TAG = re.compile(r"<(/?)(b|i|u)>|<br\s*/?>", re.IGNORECASE)
_AMOUNT = re.compile(r"\d+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


class TemplateError(ValueError):
    """The Confirm template claims are missing or invalid (answered as ``invalid_request``)."""


@dataclass(frozen=True)
class ConfirmTemplate:
    """What the itsme app shows the user of a Confirmation service.

    :param kind: ``"free_text"`` or ``"adv_payment"``.
    :param text: the free text (free-text template only).
    :param amount: the amount, a string holding an integer (payment template only).
    :param currency: three upper-case letters (payment template only).
    :param iban: the beneficiary IBAN (payment template only).
    """

    kind: Literal["free_text", "adv_payment"]
    text: str | None = None
    amount: str | None = None
    currency: str | None = None
    iban: str | None = None


def _value(userinfo: Mapping[str, Any], name: str) -> str:
    """Extract ``{"essential": true, "value": "..."}``'s value for one template claim.

    :param userinfo: the ``claims.userinfo`` member.
    :param name: the template claim name.
    :returns: the string value.
    :raises TemplateError: when missing or not a string.
    """
    entry = userinfo.get(name)
    if not isinstance(entry, Mapping) or not isinstance(entry.get("value"), str):
        msg = f'claims.userinfo must carry "{name}": {{"essential": true, "value": "..."}}'
        raise TemplateError(msg)
    value: str = entry["value"]
    return value


def iban_is_valid(iban: str) -> bool:
    """Check an IBAN's syntax and its ISO 13616 mod-97 check digits.

    :param iban: the IBAN, upper case, spaces allowed.
    :returns: whether the IBAN is well-formed and its checksum holds.
    """
    compact = iban.replace(" ", "")
    if not _IBAN.fullmatch(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def check_free_text(text: str) -> None:
    """Apply the free-text rules of D-CONF.

    Only ``<b>``, ``<i>``, ``<u>`` and ``<br>`` tags; at most 7500 characters; every
    character encodable in ISO/IEC 8859-15 (D-CONF; S-CONF §4.5).

    :param text: the text.
    :raises TemplateError: when a rule is broken.
    """
    if not text.strip():
        msg = "the free text is empty"
        raise TemplateError(msg)
    if len(text) > FREE_TEXT_MAX_CHARS:
        msg = f"the free text has {len(text)} characters; at most {FREE_TEXT_MAX_CHARS} allowed"
        raise TemplateError(msg)
    try:
        text.encode(FREE_TEXT_CHARSET)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        msg = f"the free text holds {bad!r}, which ISO-8859-15 cannot encode"
        raise TemplateError(msg) from None
    for match in _ANY_TAG.finditer(text):
        if not _ALLOWED_TAG.fullmatch(match.group(0)):
            msg = (
                f"the free text holds the tag {match.group(0)!r}; only <b> <i> <u> <br> are allowed"
            )
            raise TemplateError(msg)


def parse_template(userinfo: Mapping[str, Any]) -> ConfirmTemplate:
    """Read and validate the Confirm template from ``claims.userinfo`` (D-CONF).

    :param userinfo: the ``claims.userinfo`` member of the ``claims`` request.
    :returns: the validated template.
    :raises TemplateError: when the template is missing or breaks a rule.
    """
    kind = _value(userinfo, APPROVAL_TEMPLATE)
    if kind == TEMPLATE_FREE_TEXT:
        text = _value(userinfo, APPROVAL_TEXT)
        check_free_text(text)
        return ConfirmTemplate(kind=TEMPLATE_FREE_TEXT, text=text)
    if kind == TEMPLATE_PAYMENT:
        amount = _value(userinfo, APPROVAL_AMOUNT)
        currency = _value(userinfo, APPROVAL_CURRENCY)
        iban = _value(userinfo, APPROVAL_IBAN)
        if not _AMOUNT.fullmatch(amount):
            msg = f"the amount must be a string holding an integer, not {amount!r}"
            raise TemplateError(msg)
        if not _CURRENCY.fullmatch(currency):
            msg = f"the currency must be three upper-case letters, not {currency!r}"
            raise TemplateError(msg)
        if not iban_is_valid(iban):
            msg = f"the IBAN {iban!r} is not valid (syntax or mod-97 check)"
            raise TemplateError(msg)
        return ConfirmTemplate(kind=TEMPLATE_PAYMENT, amount=amount, currency=currency, iban=iban)
    msg = f"the template name must be {TEMPLATE_FREE_TEXT!r} or {TEMPLATE_PAYMENT!r}, not {kind!r}"
    raise TemplateError(msg)


def render_free_text(text: str) -> str:
    """Render free text as HTML, keeping only the tags the itsme app renders.

    Everything else is escaped; unbalanced tags are closed or dropped, so the output is
    always well-nested.

    :param text: the free text.
    :returns: safe HTML.
    """
    parts: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _ALLOWED_TAG.finditer(text):
        parts.append(html.escape(text[position : match.start()]))
        position = match.end()
        name = (match.group(2) or "br").lower()
        if name == "br":
            parts.append("<br>")
        elif not match.group(1):
            open_tags.append(name)
            parts.append(f"<{name}>")
        elif name in open_tags:
            while open_tags:
                closing = open_tags.pop()
                parts.append(f"</{closing}>")
                if closing == name:
                    break
    parts.append(html.escape(text[position:]))
    parts.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(parts)
