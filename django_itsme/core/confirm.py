"""Confirm ("What You See Is What You Sign") templates, checked before anything is sent.

itsme shows the user a template and asks for approval; the template travels as claims in the
signed-then-encrypted request object (D-CONF; protocol notes §6). Two templates exist:

* :class:`FreeTextTemplate` (``free_text``): a text with ``<b>``, ``<i>``, ``<u>`` and ``<br>``
  only, at most 7500 characters, every character in ISO/IEC 8859-15 (D-CONF "WYSIWYS template";
  characters outside it stop the flow with an error, S-LOGIN §4.5);
* :class:`PaymentTemplate` (``adv_payment``): an amount, an ISO 4217 currency and an IBAN
  (D-CONF).

Both are frozen and validate on construction, raising :class:`TemplateError` with a message that
names the broken rule. :meth:`to_claims` gives the claim members, which the caller puts under
``claims.userinfo`` (protocol notes §11 #13); :meth:`canonical` gives a deterministic serialisation
used to bind a transaction to the exact content approved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, TypeAlias

import iso4217
from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, ValidationError

from django_itsme.core.claim_names import CLAIM_PREFIX
from django_itsme.core.errors import TemplateError

__all__ = [
    "AMOUNT_MAX_DIGITS",
    "CLAIM_APPROVAL_AMOUNT",
    "CLAIM_APPROVAL_CURRENCY",
    "CLAIM_APPROVAL_IBAN",
    "CLAIM_APPROVAL_TEMPLATE_NAME",
    "CLAIM_APPROVAL_TEXT",
    "DESCRIBE_MAX_LENGTH",
    "FREE_TEXT_ALLOWED_TAGS",
    "FREE_TEXT_CHARSET",
    "FREE_TEXT_MAX_LENGTH",
    "IBAN_LENGTHS",
    "ISO_4217_CURRENCIES",
    "TEMPLATE_ADV_PAYMENT",
    "TEMPLATE_FREE_TEXT",
    "ConfirmTemplate",
    "FreeTextTemplate",
    "PaymentTemplate",
    "format_iban",
    "normalize_iban",
    "template_from_dict",
]

# ----------------------------------------------------------------------------- claims (D-CONF)
CLAIM_APPROVAL_TEMPLATE_NAME: Final = CLAIM_PREFIX + "claim_approval_template_name"
CLAIM_APPROVAL_AMOUNT: Final = CLAIM_PREFIX + "claim_approval_amount_key"
CLAIM_APPROVAL_CURRENCY: Final = CLAIM_PREFIX + "claim_approval_currency_key"
CLAIM_APPROVAL_IBAN: Final = CLAIM_PREFIX + "claim_approval_iban_key"
CLAIM_APPROVAL_TEXT: Final = CLAIM_PREFIX + "claim_approval_text_key"

#: Template names (D-CONF). A 2018 draft said ``advanced_payment``; every later source says
#: ``adv_payment`` (S-HIST; protocol notes §6.1).
TEMPLATE_FREE_TEXT: Final = "free_text"
TEMPLATE_ADV_PAYMENT: Final = "adv_payment"
_LEGACY_PAYMENT_NAME: Final = "advanced_payment"

# ----------------------------------------------------------------------------- free-text rules
#: D-CONF: "up to 7500 characters" (since 2022-05-11; before: 3 lines of 50). Counted on the text
#: as sent, tags included, because that is what itsme receives.
FREE_TEXT_MAX_LENGTH: Final = 7500
#: D-CONF: ISO/IEC 8859-15 (Latin-9: Latin-1 with the euro sign, Š, Ž, Œ and Ÿ in place of the
#: currency sign, broken bar, diacritics and vulgar fractions). Curly quotes and long dashes are
#: outside it and stop the flow (S-LOGIN §4.5).
FREE_TEXT_CHARSET: Final = "iso8859_15"
#: D-CONF: the only HTML tags rendered. Tags take no attributes and are written in lower case;
#: ``<br/>`` and ``<br />`` are accepted too. Balance (``<b>`` ... ``</b>``) is not checked.
FREE_TEXT_ALLOWED_TAGS: Final = frozenset({"b", "i", "u", "br"})
#: Line breaks and tabs are ordinary text; other control characters, although ISO 8859-15 has
#: code points for them, cannot be displayed and are refused.
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# An allowed tag, exactly: "<", optional "/", a name, optional "/" (for <br/>), ">".
_ALLOWED_TAG: Final = re.compile(r"<(?P<close>/)?(?P<name>b|i|u|br)(?P<empty>\s*/)?\s*>")
# The name of whatever tag-like thing starts at a "<", for the error message.
_TAG_NAME: Final = re.compile(r"</?(?P<name>[A-Za-z][A-Za-z0-9:-]{0,30})")
#: Readable replacements for the characters most often pasted from word processors.
_CHARACTER_HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
    }
)

# ----------------------------------------------------------------------------- payment rules
#: D-CONF: the amount is "a string that contains an integer"; whether it counts euros or cents is
#: not documented (protocol notes §11 #12), so it is sent exactly as given. 18 digits fit a signed
#: 64-bit integer whatever the unit; anything longer is a bug, not a payment.
AMOUNT_MAX_DIGITS: Final = 18
_DIGITS: Final = re.compile(r"[0-9]+")
_DECIMAL: Final = re.compile(r"[0-9]*[.,][0-9]+|[0-9]+[.,][0-9]*")
_CURRENCY_SHAPE: Final = re.compile(r"[A-Z]{3}")

#: Active ISO 4217 alphabetic codes that can be the currency of a payment: list one of the ISO
#: 4217 maintenance agency as shipped by the ``iso4217`` package (its version is the list's
#: publication date), without the entries that have no minor unit ("N.A." in the list: precious
#: metals XAU, XAG, XPD, XPT, bond-market units XBA-XBD, the SDR XDR and its relatives XSU and
#: XUA, the testing code XTS and "no currency" XXX). A withdrawn code (BEF, HRK, and since the
#: 2026-01-01 list BGN, ANG, CUC) is refused because it is no longer in the list.
ISO_4217_CURRENCIES: Final = frozenset(
    currency.code for currency in iso4217.Currency if currency.exponent is not None
)

#: The IBAN registry of SWIFT (ISO 13616) as shipped by ``python-stdnum``, which also checks each
#: country's account-number structure and, where it has one, the national check (``stdnum.be``,
#: ``stdnum.es``, ...). Territories that use a parent country's IBANs (the French overseas
#: territories, Åland, the Crown Dependencies) are not in it: their IBANs start with FR, FI, GB.
_IBAN_REGISTRY: Final = numdb.get("iban")
#: One BBAN field of a registry entry: ``3!n`` is exactly three digits.
_BBAN_FIELD: Final = re.compile(r"([0-9]+)!")


def _registered_lengths() -> dict[str, int]:
    """Each registry country's IBAN length: four plus its BBAN's fields (``BE``: 4 + 3+7+2)."""
    return {
        low: 4 + sum(int(length) for length in _BBAN_FIELD.findall(props["bban"]))
        for _length, low, high, props, _children in _IBAN_REGISTRY.prefixes
        if low == high and "bban" in props
    }


#: IBAN length per country code of the registry, e.g. ``{"BE": 16, "NL": 18, ...}``.
IBAN_LENGTHS: Final[Mapping[str, int]] = MappingProxyType(_registered_lengths())

#: Length of :meth:`describe`'s one-line summary, for admin lists and log lines.
DESCRIBE_MAX_LENGTH: Final = 80
_ELLIPSIS: Final = "..."


# ----------------------------------------------------------------------------- free text
def _check_free_text(text: object) -> None:
    """Raise :class:`TemplateError` when ``text`` breaks a D-CONF free-text rule."""
    if not isinstance(text, str):
        raise TemplateError(f"The free text must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise TemplateError("The free text is empty; itsme needs something to show (D-CONF).")
    if len(text) > FREE_TEXT_MAX_LENGTH:
        raise TemplateError(
            f"The free text has {len(text)} characters; itsme accepts at most "
            f"{FREE_TEXT_MAX_LENGTH}, tags included (D-CONF)."
        )
    try:
        text.encode(FREE_TEXT_CHARSET)
    except UnicodeEncodeError as exc:
        character = text[exc.start]
        hint = _CHARACTER_HINTS.get(character)
        advice = f"; write {hint!r} instead" if hint else ""
        raise TemplateError(
            f"The character {character!r} (U+{ord(character):04X}) at position {exc.start + 1} "
            f"of the free text is outside ISO 8859-15, which itsme requires (D-CONF, S-LOGIN "
            f"§4.5){advice}."
        ) from None
    control = _CONTROL_CHARACTERS.search(text)
    if control is not None:
        raise TemplateError(
            f"The free text has the control character U+{ord(control.group()):04X} at position "
            f"{control.start() + 1}; only line breaks and tabs are allowed."
        )
    _check_tags(text)
    if not _strip_tags(text).strip():
        raise TemplateError("The free text has tags but no visible text (D-CONF).")


def _check_tags(text: str) -> None:
    """Raise :class:`TemplateError` at the first ``<`` that does not start an allowed tag."""
    position = text.find("<")
    while position != -1:
        allowed = _ALLOWED_TAG.match(text, position)
        where = f"at position {position + 1} of the free text"
        if allowed is not None:
            name = allowed.group("name")
            if allowed.group("empty") and (name != "br" or allowed.group("close")):
                raise TemplateError(
                    f"The tag {allowed.group()!r} {where} is malformed; only <br> may be "
                    f"written self-closing (<br/>)."
                )
            position = text.find("<", allowed.end())
            continue
        found = _TAG_NAME.match(text, position)
        if found is None:
            raise TemplateError(
                f"The '<' {where} does not start an allowed tag; the free text accepts only "
                f"<b>, <i>, <u> and <br> as markup (D-CONF)."
            )
        name = found.group("name")
        if name.lower() in FREE_TEXT_ALLOWED_TAGS and name != name.lower():
            raise TemplateError(f"The tag <{name}> {where} must be written in lower case.")
        if name in FREE_TEXT_ALLOWED_TAGS:
            raise TemplateError(
                f"The <{name}> tag {where} has attributes or is malformed; allowed tags take no "
                f"attributes (D-CONF)."
            )
        raise TemplateError(
            f"The tag <{name}> {where} is not allowed; the free text accepts only <b>, <i>, <u> "
            f"and <br> (D-CONF)."
        )


def _strip_tags(text: str) -> str:
    """The text without its (already validated) tags, ``<br>`` becoming a space."""
    return _ALLOWED_TAG.sub(lambda tag: " " if tag.group("name") == "br" else "", text)


def _essential(value: str) -> dict[str, object]:
    """One approval claim's request member: itsme must show exactly this value (D-CONF)."""
    return {"essential": True, "value": value}


def _canonical(content: Mapping[str, str]) -> str:
    """Compact JSON, keys sorted, ASCII only: one string per template content, byte-stable."""
    return json.dumps(dict(content), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True, slots=True)
class FreeTextTemplate:
    """A ``free_text`` Confirm template (D-CONF "WYSIWYS template").

    :param text: the text to approve; ``<b>``, ``<i>``, ``<u>`` and ``<br>`` (also ``<br/>``)
        only, lower case, no attributes; at most :data:`FREE_TEXT_MAX_LENGTH` characters; every
        character in ISO 8859-15; some visible text. Kept exactly as given.
    :raises TemplateError: the text breaks one of these rules; the message names which and where.
    """

    text: str
    name: ClassVar[Literal["free_text"]] = TEMPLATE_FREE_TEXT

    def __post_init__(self) -> None:
        _check_free_text(self.text)

    def to_claims(self) -> dict[str, dict[str, object]]:
        """The approval claims to put under ``claims.userinfo`` (D-CONF; protocol notes §11 #13).

        :returns: claim URI -> ``{"essential": True, "value": ...}``.
        """
        return {
            CLAIM_APPROVAL_TEMPLATE_NAME: _essential(self.name),
            CLAIM_APPROVAL_TEXT: _essential(self.text),
        }

    def as_dict(self) -> dict[str, str]:
        """The template as plain data, read back by :func:`template_from_dict`.

        :returns: ``{"template": "free_text", "text": ...}``.
        """
        return {"template": self.name, "text": self.text}

    def canonical(self) -> str:
        """A deterministic serialisation of the exact content, to bind a nonce to it.

        :returns: compact JSON of :meth:`as_dict` with sorted keys, ASCII only.
        """
        return _canonical(self.as_dict())

    def describe(self) -> str:
        """A plain-text one-line summary for admin lists and logs.

        :returns: the text without tags and with white space collapsed, cut to
            :data:`DESCRIBE_MAX_LENGTH` characters (ending in ``...`` when cut).
        """
        return _shorten(" ".join(_strip_tags(self.text).split()))


# ----------------------------------------------------------------------------- payment
def _check_amount(amount: object) -> str:
    """The amount as the string to send; raise :class:`TemplateError` when it is not one."""
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise TemplateError(
            f"The payment amount must be a string of digits or an int, not "
            f"{type(amount).__name__} (D-CONF)."
        )
    if isinstance(amount, int):
        if amount < 0:
            raise TemplateError("The payment amount must not be negative (D-CONF).")
        amount = str(amount)
    if not amount:
        raise TemplateError("The payment amount is empty (D-CONF).")
    if not _DIGITS.fullmatch(amount):
        if amount.startswith("-"):
            reason = "must not be negative"
        elif _DECIMAL.fullmatch(amount):
            reason = (
                "must be a whole number: D-CONF asks for a string holding an integer, and the "
                "unit is not documented (protocol notes §11 #12)"
            )
        else:
            reason = "may hold only the digits 0-9"
        raise TemplateError(f"The payment amount {reason} (D-CONF).")
    if len(amount) > AMOUNT_MAX_DIGITS:
        raise TemplateError(
            f"The payment amount has {len(amount)} digits; at most {AMOUNT_MAX_DIGITS} are "
            f"accepted."
        )
    return amount


def _check_currency(currency: object) -> str:
    """Raise :class:`TemplateError` unless ``currency`` is an active ISO 4217 code."""
    if not isinstance(currency, str):
        raise TemplateError(
            f"The payment currency must be a string, not {type(currency).__name__} (D-CONF)."
        )
    shown = repr(currency[:10])
    if not _CURRENCY_SHAPE.fullmatch(currency):
        if currency.upper() in ISO_4217_CURRENCIES:
            raise TemplateError(
                f"The payment currency {shown} must be written in upper case "
                f"({currency.upper()!r})."
            )
        raise TemplateError(
            f"The payment currency {shown} is not three upper-case letters (ISO 4217; D-CONF "
            f"asks for a valid currency code)."
        )
    if currency not in ISO_4217_CURRENCIES:
        raise TemplateError(
            f"The payment currency {shown} is not an active ISO 4217 currency code (D-CONF)."
        )
    return currency


def normalize_iban(value: str) -> str:
    """Check an IBAN and return it in its electronic format (no spaces, upper case).

    Rules (ISO 13616): letters and digits only once spaces are removed; a country code known to
    :data:`IBAN_LENGTHS`; two check digits; the length registered for that country; the ISO 7064
    MOD 97-10 checksum equal to 1; the account part shaped as registered for the country, and its
    national check digits where python-stdnum knows them (Belgium, Spain, Montenegro, Norway). A
    bank code missing from python-stdnum's bank lists is accepted: those lists lag behind.
    The message of a refusal never repeats the IBAN.

    :param value: the IBAN, spaces and lower case allowed (``be68 5390 0754 7034``).
    :returns: the IBAN without spaces, upper case (``BE68539007547034``).
    :raises TemplateError: the value is not a valid IBAN; the message names the rule.
    """
    if not isinstance(value, str):
        raise TemplateError(f"The IBAN must be a string, not {type(value).__name__}.")
    iban = "".join(value.split()).upper()
    if not iban:
        raise TemplateError("The IBAN is empty (D-CONF asks for a valid IBAN).")
    if not (iban.isascii() and iban.isalnum()):
        raise TemplateError("The IBAN may hold only letters A-Z, digits and spaces (ISO 13616).")
    country = iban[:2]
    if not country.isalpha():
        raise TemplateError("The IBAN must start with a two-letter country code (ISO 13616).")
    expected = IBAN_LENGTHS.get(country)
    if expected is None:
        raise TemplateError(f"The IBAN country code {country!r} is not known (ISO 13616 registry).")
    if not iban[2:4].isdigit():
        raise TemplateError("The IBAN's third and fourth characters must be check digits.")
    if len(iban) != expected:
        raise TemplateError(
            f"An IBAN from {country} has {expected} characters; this one has {len(iban)}."
        )
    try:
        stdnum_iban.validate(iban, check_country=False)
    except InvalidChecksum:
        raise TemplateError(
            "The IBAN's check digits do not match (ISO 7064 MOD 97-10); look for a typing error."
        ) from None
    except ValidationError:
        raise TemplateError(
            f"The IBAN's account part is not shaped as the registry says for {country} "
            f"(ISO 13616); look for a typing error."
        ) from None
    try:
        stdnum_iban.validate(iban, check_country=True)
    except InvalidChecksum:
        raise TemplateError(
            f"The account number inside the IBAN fails {country}'s own check digits; look for a "
            f"typing error."
        ) from None
    except ValidationError:
        pass  # a bank code missing from python-stdnum's bank list: new banks come first
    return iban


def format_iban(value: str) -> str:
    """Check an IBAN and return its print format: groups of four separated by spaces.

    :param value: the IBAN, with or without spaces.
    :returns: e.g. ``BE68 5390 0754 7034``.
    :raises TemplateError: the value is not a valid IBAN (see :func:`normalize_iban`).
    """
    return stdnum_iban.format(normalize_iban(value))


@dataclass(frozen=True, slots=True, init=False)
class PaymentTemplate:
    """An ``adv_payment`` Confirm template (D-CONF "WYSIWYS template").

    :param amount: a non-negative whole number, as a string of digits or an int (converted to
        its decimal string). D-CONF asks for "a string that contains an integer" and does not say
        whether it counts euros or cents (protocol notes §11 #12): the value is sent as given.
    :param currency: an active ISO 4217 code in upper case, e.g. ``EUR``.
    :param iban: a valid IBAN; spaces and lower case are accepted and stored normalised
        (see :func:`normalize_iban`).
    :raises TemplateError: one of the values breaks its rule; the message names which.
    """

    amount: str
    currency: str
    iban: str
    name: ClassVar[Literal["adv_payment"]] = TEMPLATE_ADV_PAYMENT

    def __init__(self, amount: str | int, currency: str, iban: str) -> None:
        # A hand-written __init__ so that an int amount type-checks; the stored field is a str.
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "iban", iban)
        self.__post_init__()

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _check_amount(self.amount))
        object.__setattr__(self, "currency", _check_currency(self.currency))
        object.__setattr__(self, "iban", normalize_iban(self.iban))

    def to_claims(self) -> dict[str, dict[str, object]]:
        """The approval claims to put under ``claims.userinfo`` (D-CONF; protocol notes §11 #13).

        :returns: claim URI -> ``{"essential": True, "value": ...}``.
        """
        return {
            CLAIM_APPROVAL_TEMPLATE_NAME: _essential(self.name),
            CLAIM_APPROVAL_AMOUNT: _essential(self.amount),
            CLAIM_APPROVAL_CURRENCY: _essential(self.currency),
            CLAIM_APPROVAL_IBAN: _essential(self.iban),
        }

    def as_dict(self) -> dict[str, str]:
        """The template as plain data, read back by :func:`template_from_dict`.

        :returns: ``{"template": "adv_payment", "amount": ..., "currency": ..., "iban": ...}``.
        """
        return {
            "template": self.name,
            "amount": self.amount,
            "currency": self.currency,
            "iban": self.iban,
        }

    def canonical(self) -> str:
        """A deterministic serialisation of the exact content, to bind a nonce to it.

        :returns: compact JSON of :meth:`as_dict` with sorted keys, ASCII only.
        """
        return _canonical(self.as_dict())

    def describe(self) -> str:
        """A plain-text one-line summary for admin lists and logs.

        :returns: e.g. ``100 EUR to BE68 5390 0754 7034``.
        """
        return _shorten(f"{self.amount} {self.currency} to {format_iban(self.iban)}")


def _shorten(text: str) -> str:
    if len(text) <= DESCRIBE_MAX_LENGTH:
        return text
    return text[: DESCRIBE_MAX_LENGTH - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


#: Either Confirm template; both offer ``name``, ``to_claims()``, ``as_dict()``, ``canonical()``
#: and ``describe()``.
ConfirmTemplate: TypeAlias = FreeTextTemplate | PaymentTemplate

_TEMPLATE_KEYS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        TEMPLATE_FREE_TEXT: frozenset({"template", "text"}),
        TEMPLATE_ADV_PAYMENT: frozenset({"template", "amount", "currency", "iban"}),
    }
)


def template_from_dict(data: Mapping[str, Any]) -> ConfirmTemplate:
    """Rebuild a template from the plain data of its ``as_dict()``.

    :param data: ``{"template": "free_text", "text": ...}`` or ``{"template": "adv_payment",
        "amount": ..., "currency": ..., "iban": ...}``, with no other keys.
    :returns: the validated template.
    :raises TemplateError: not a mapping, an unknown template name, a missing or extra key, or a
        value breaking its template's rules.
    """
    if not isinstance(data, Mapping):
        raise TemplateError(f"A Confirm template must be a mapping, not {type(data).__name__}.")
    name = data.get("template")
    if name == _LEGACY_PAYMENT_NAME:
        raise TemplateError(
            f"The template name {_LEGACY_PAYMENT_NAME!r} is from a 2018 draft; use "
            f"{TEMPLATE_ADV_PAYMENT!r} (D-CONF)."
        )
    if not isinstance(name, str) or name not in _TEMPLATE_KEYS:
        shown = repr(name[:40]) if isinstance(name, str) else type(name).__name__
        raise TemplateError(
            f"Unknown Confirm template {shown}; expected {TEMPLATE_FREE_TEXT!r} or "
            f"{TEMPLATE_ADV_PAYMENT!r} (D-CONF)."
        )
    expected = _TEMPLATE_KEYS[name]
    keys = {str(key) for key in data}
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing:
        raise TemplateError(f"The {name} template lacks {', '.join(missing)}.")
    if extra:
        raise TemplateError(f"The {name} template does not take {', '.join(extra)}.")
    if name == TEMPLATE_FREE_TEXT:
        return FreeTextTemplate(text=data["text"])
    return PaymentTemplate(amount=data["amount"], currency=data["currency"], iban=data["iban"])
