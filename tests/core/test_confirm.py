"""Confirm (WYSIWYS) templates: every D-CONF rule with a passing and a failing case (no Django)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from django_itsme.core.confirm import (
    AMOUNT_MAX_DIGITS,
    CLAIM_APPROVAL_AMOUNT,
    CLAIM_APPROVAL_CURRENCY,
    CLAIM_APPROVAL_IBAN,
    CLAIM_APPROVAL_TEMPLATE_NAME,
    CLAIM_APPROVAL_TEXT,
    FREE_TEXT_MAX_LENGTH,
    IBAN_LENGTHS,
    ISO_4217_CURRENCIES,
    ConfirmTemplate,
    FreeTextTemplate,
    PaymentTemplate,
    format_iban,
    normalize_iban,
    template_from_dict,
)
from django_itsme.core.errors import ConfigurationError, TemplateError

# Example IBANs of the SWIFT IBAN registry (ISO 13616), one per country.
IBAN_BE = "BE68539007547034"
IBAN_NL = "NL91ABNA0417164300"
IBAN_FR = "FR1420041010050500013M02606"
IBAN_DE = "DE89370400440532013000"
VALID_IBANS = [IBAN_BE, IBAN_NL, IBAN_FR, IBAN_DE]


def change_one_digit(iban: str) -> str:
    """The IBAN with its last digit (a BBAN digit) replaced by the next one."""
    position = max(i for i, ch in enumerate(iban) if ch.isdigit())
    return iban[:position] + str((int(iban[position]) + 1) % 10) + iban[position + 1 :]


# ----------------------------------------------------------------------------- free text
def test_claim_uris() -> None:
    prefix = "http://itsme.services/v2/claim/"
    assert {
        CLAIM_APPROVAL_TEMPLATE_NAME,
        CLAIM_APPROVAL_TEXT,
        CLAIM_APPROVAL_AMOUNT,
        CLAIM_APPROVAL_CURRENCY,
        CLAIM_APPROVAL_IBAN,
    } == {
        prefix + "claim_approval_template_name",
        prefix + "claim_approval_text_key",
        prefix + "claim_approval_amount_key",
        prefix + "claim_approval_currency_key",
        prefix + "claim_approval_iban_key",
    }


def test_template_error_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        FreeTextTemplate("")
    assert caught.value.code == "invalid_template"


@pytest.mark.parametrize(
    "text",
    [
        "Approve the transfer",
        "<b>bold</b> <i>italic</i> <u>underlined</u>",
        "line one<br>line two<br/>line three<br />four</br>",
        "<b >spaced closing bracket</b >",
        "Price: 10 €",
        "Œuvre, Šárka, Žižka, Ÿ",
        "tab\tand\nnewline\r\n",
        "a > b and a & b",
    ],
)
def test_free_text_accepted(text: str) -> None:
    template = FreeTextTemplate(text)
    assert template.text == text
    assert template.name == "free_text"


@pytest.mark.parametrize("text", ["", " ", "\n\t", "<br>", "<b> </b><br/>"])
def test_free_text_must_show_something(text: str) -> None:
    with pytest.raises(TemplateError, match=r"empty|no visible text"):
        FreeTextTemplate(text)


def test_free_text_at_length_limit_accepted() -> None:
    assert len(FreeTextTemplate("x" * FREE_TEXT_MAX_LENGTH).text) == 7500


def test_free_text_over_length_limit_refused() -> None:
    with pytest.raises(TemplateError, match=r"7501 characters.*at most 7500"):
        FreeTextTemplate("x" * (FREE_TEXT_MAX_LENGTH + 1))


def test_length_counts_tags() -> None:
    text = "<b>" + "x" * (FREE_TEXT_MAX_LENGTH - 6) + "</b>"
    with pytest.raises(TemplateError, match="7501"):
        FreeTextTemplate(text)


@pytest.mark.parametrize(
    ("character", "hint"),
    [
        ("\u2018", "'"),  # left single quotation mark
        ("\u2019", "'"),  # right single quotation mark
        ("\u201c", '"'),  # left double quotation mark
        ("\u201d", '"'),  # right double quotation mark
        ("\u2014", "-"),  # em dash
        ("\u2013", "-"),  # en dash
        ("\u2026", "..."),  # ellipsis
    ],
)
def test_word_processor_characters_refused_with_hint(character: str, hint: str) -> None:
    with pytest.raises(TemplateError) as caught:
        FreeTextTemplate(f"abc{character}def")
    message = caught.value.message
    assert f"U+{ord(character):04X}" in message
    assert "position 4" in message
    assert "ISO 8859-15" in message
    assert f"write {hint!r} instead" in message


@pytest.mark.parametrize("character", ["½", "¤", "😀", "中"])
def test_characters_outside_latin9_refused(character: str) -> None:
    with pytest.raises(TemplateError, match=r"position 1 .*ISO 8859-15"):
        FreeTextTemplate(character + " tail")


def test_euro_sign_accepted() -> None:
    assert FreeTextTemplate("€ 25").text == "€ 25"


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_refused(character: str) -> None:
    with pytest.raises(TemplateError, match=r"control character U\+00.. at position 2"):
        FreeTextTemplate(f"a{character}b")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("<p>paragraph</p>", "<p>"),
        ("<a href='https://example.org'>link</a>", "<a>"),
        ("<img src=x>", "<img>"),
        ("<strong>bold</strong>", "<strong>"),
        ("<em>em</em>", "<em>"),
        ("<s>struck</s>", "<s>"),
        ("<div>block</div>", "<div>"),
        ("<span>inline</span>", "<span>"),
        ("<bold>no</bold>", "<bold>"),
        ("text</p>", "<p>"),
    ],
)
def test_disallowed_tags_refused_by_name(text: str, tag: str) -> None:
    with pytest.raises(TemplateError, match=f"{tag} .*is not allowed"):
        FreeTextTemplate(text)


@pytest.mark.parametrize(
    "text",
    ['<b onclick="steal()">x</b>', "<i class=x>y</i>", "<u style='color:red'>z</u>", "<br clear>"],
)
def test_attributes_on_allowed_tags_refused(text: str) -> None:
    with pytest.raises(TemplateError, match="has attributes"):
        FreeTextTemplate(text)


@pytest.mark.parametrize("text", ["<B>x</B>", "<Br>", "<I>x</I>"])
def test_upper_case_tags_refused(text: str) -> None:
    with pytest.raises(TemplateError, match="lower case"):
        FreeTextTemplate(text)


@pytest.mark.parametrize("text", ["<b/>x", "<i />x", "</br/>x"])
def test_self_closing_only_for_br(text: str) -> None:
    with pytest.raises(TemplateError, match="malformed"):
        FreeTextTemplate(text)


@pytest.mark.parametrize(
    "text", ["a < b", "a<3", "< b>x", "<!-- comment -->x", "x <", "<?php ?>x", "<>x"]
)
def test_lone_angle_bracket_refused(text: str) -> None:
    with pytest.raises(TemplateError, match="does not start an allowed tag"):
        FreeTextTemplate(text)


def test_free_text_not_a_string() -> None:
    with pytest.raises(TemplateError, match="must be a string"):
        FreeTextTemplate(42)  # type: ignore[arg-type]


def test_free_text_to_claims() -> None:
    template = FreeTextTemplate("Sign <b>contract 42</b>")
    assert template.to_claims() == {
        CLAIM_APPROVAL_TEMPLATE_NAME: {"essential": True, "value": "free_text"},
        CLAIM_APPROVAL_TEXT: {"essential": True, "value": "Sign <b>contract 42</b>"},
    }


def test_free_text_describe_strips_tags() -> None:
    template = FreeTextTemplate("Sign <b>contract</b><br/>number   <i>42</i>")
    assert template.describe() == "Sign contract number 42"


def test_free_text_describe_truncates_to_80() -> None:
    described = FreeTextTemplate("word " * 100).describe()
    assert len(described) <= 80
    assert described.endswith("...")


def test_free_text_is_frozen() -> None:
    template = FreeTextTemplate("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.text = "y"  # type: ignore[misc]


# ----------------------------------------------------------------------------- payment
@pytest.mark.parametrize(
    ("amount", "expected"), [("100", "100"), (100, "100"), ("0", "0"), (0, "0")]
)
def test_amount_accepted(amount: str | int, expected: str) -> None:
    assert PaymentTemplate(amount, "EUR", IBAN_BE).amount == expected


def test_amount_sent_as_given() -> None:
    # protocol notes §11 #12: the unit is not documented, so nothing is rescaled or reformatted
    assert PaymentTemplate("007", "EUR", IBAN_BE).amount == "007"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-1", "must not be negative"),
        (-1, "must not be negative"),
        ("1.5", "whole number"),
        ("1,50", "whole number"),
        ("abc", "only the digits"),
        (" 100", "only the digits"),
        ("1e3", "only the digits"),
        ("\u0661\u0660\u0660", "only the digits"),  # Arabic-Indic digits are not 0-9
        ("", "empty"),
        (True, "not bool"),
        (1.0, "not float"),
        (None, "not NoneType"),
        ("1" * (AMOUNT_MAX_DIGITS + 1), "at most 18"),
    ],
)
def test_amount_refused(amount: Any, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        PaymentTemplate(amount, "EUR", IBAN_BE)


def test_amount_at_digit_limit_accepted() -> None:
    assert PaymentTemplate("9" * AMOUNT_MAX_DIGITS, "EUR", IBAN_BE).amount == "9" * 18


@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF", "JPY", "XCG"])
def test_currency_accepted(currency: str) -> None:
    assert PaymentTemplate("1", currency, IBAN_BE).currency == currency


@pytest.mark.parametrize(
    ("currency", "reason"),
    [
        ("eur", "upper case"),
        ("Eur", "upper case"),
        ("EURO", "three upper-case letters"),
        ("E1R", "three upper-case letters"),
        ("€", "three upper-case letters"),
        ("", "three upper-case letters"),
        ("ABC", "not an active ISO 4217"),
        ("BEF", "not an active ISO 4217"),  # Belgian franc, withdrawn
        ("XTS", "not an active ISO 4217"),  # testing code
        ("XAU", "not an active ISO 4217"),  # gold
        ("BGN", "not an active ISO 4217"),  # Bulgaria adopted the euro (list of 2026-01-01)
        ("ANG", "not an active ISO 4217"),  # replaced by XCG
        ("CUC", "not an active ISO 4217"),  # Cuban convertible peso, withdrawn
        (978, "must be a string"),
    ],
)
def test_currency_refused(currency: Any, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        PaymentTemplate("1", currency, IBAN_BE)


def test_currency_table() -> None:
    assert "EUR" in ISO_4217_CURRENCIES
    assert all(len(code) == 3 and code.isupper() for code in ISO_4217_CURRENCIES)
    assert {"XXX", "XTS", "HRK", "VEF"}.isdisjoint(ISO_4217_CURRENCIES)


def test_currency_table_is_the_iso_list_without_units_lacking_a_minor_unit() -> None:
    import iso4217

    listed = {currency.code for currency in iso4217.Currency}
    no_minor_unit = {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS"}
    no_minor_unit |= {"XUA", "XXX"}
    assert listed - ISO_4217_CURRENCIES == no_minor_unit
    assert listed > ISO_4217_CURRENCIES
    # Funds codes and supranational currencies with a minor unit stay payable, as before;
    # the Arab Monetary Fund's accounting dinar (XAD, new in the list) is accepted like them.
    assert {"BOV", "CHE", "CHW", "USN", "XAF", "XOF", "XCD", "XCG", "XAD"} <= ISO_4217_CURRENCIES


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_valid_ibans(iban: str) -> None:
    assert normalize_iban(iban) == iban
    assert PaymentTemplate("1", "EUR", iban).iban == iban


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_one_digit_changed_is_refused(iban: str) -> None:
    with pytest.raises(TemplateError, match="check digits do not match"):
        normalize_iban(change_one_digit(iban))


def test_swapped_check_digits_refused() -> None:
    with pytest.raises(TemplateError, match="check digits do not match"):
        normalize_iban("BE86539007547034")


@pytest.mark.parametrize(
    ("spelled", "normalised"),
    [
        ("be68 5390 0754 7034", IBAN_BE),
        ("  NL91 abna 0417 1643 00 ", IBAN_NL),
        ("fr14\t2004 1010 0505 0001 3m02 606", IBAN_FR),
        ("DE89 3704 0044 0532 0130 00", IBAN_DE),
    ],
)
def test_iban_normalised(spelled: str, normalised: str) -> None:
    assert normalize_iban(spelled) == normalised
    assert PaymentTemplate("1", "EUR", spelled).iban == normalised


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("XX68539007547034", "country code 'XX' is not known"),
        ("US68539007547034", "country code 'US' is not known"),
        ("1268539007547034", "two-letter country code"),
        ("BEAB539007547034", "check digits"),
        ("BE6853900754703", "BE has 16 characters; this one has 15"),
        ("BE685390075470341", "this one has 17"),
        ("BE68-5390-0754-7034", "only letters"),
        ("BE68 5390 0754 703€", "only letters"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_iban_refused(iban: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        normalize_iban(iban)


def test_iban_messages_do_not_repeat_the_iban() -> None:
    for iban in (change_one_digit(IBAN_BE), "BE6853900754703"):
        with pytest.raises(TemplateError) as caught:
            normalize_iban(iban)
        assert iban not in caught.value.message
        assert "53900754" not in caught.value.message


def test_iban_not_a_string() -> None:
    with pytest.raises(TemplateError, match="must be a string"):
        normalize_iban(68539007547034)  # type: ignore[arg-type]


def test_iban_table_has_sepa_countries() -> None:
    sepa = "AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL"
    sepa += " NO PL PT RO SE SI SK SM VA"
    assert set(sepa.split()) <= set(IBAN_LENGTHS)
    assert (IBAN_LENGTHS["BE"], IBAN_LENGTHS["NL"], IBAN_LENGTHS["MT"]) == (16, 18, 31)


# ----------------------------------------------------------------------------- IBAN rules
# The IBAN rules come from python-stdnum (SWIFT's registry, each country's account structure and,
# for BE, ES, ME and NO, the national check digits). These pin where it is stricter or looser
# than the hand-kept length table it replaced; check digits computed once and written out.
def test_registry_countries_beyond_the_old_table_are_accepted() -> None:
    assert normalize_iban("FK88 SC12 3456 7890 12") == "FK88SC123456789012"  # Falklands
    assert normalize_iban("YE15CBYE0001018861234567891234") == "YE15CBYE0001018861234567891234"


def test_territory_codes_outside_the_registry_are_refused() -> None:
    # Guadeloupe banks issue FR IBANs; GP is not an IBAN country (the old table accepted it).
    with pytest.raises(TemplateError, match="country code 'GP' is not known"):
        normalize_iban("GP1120041010050500013M02606")
    assert {"GP", "AX", "JE", "GG", "IM", "RE"}.isdisjoint(IBAN_LENGTHS)


def test_account_part_must_have_the_registered_shape() -> None:
    # Valid MOD 97-10 check digits, but Belgium's account part is 12 digits (3!n7!n2!n).
    with pytest.raises(TemplateError, match="not shaped as the registry says for BE"):
        normalize_iban("BE3453900754703A")


def test_national_check_digits_are_checked() -> None:
    # Valid IBAN check digits around a Belgian account number whose own check (mod 97) fails.
    with pytest.raises(TemplateError, match="fails BE's own check digits"):
        normalize_iban("BE41539007547035")


def test_bank_code_unknown_to_the_library_is_accepted() -> None:
    from stdnum.be import iban as belgian_iban

    assert not belgian_iban.is_valid(IBAN_BE)  # bank 539 is not in python-stdnum's list
    assert normalize_iban(IBAN_BE) == IBAN_BE


def test_format_iban_in_groups_of_four() -> None:
    assert format_iban("be68539007547034") == "BE68 5390 0754 7034"
    assert format_iban(IBAN_FR) == "FR14 2004 1010 0505 0001 3M02 606"


def test_format_iban_refuses_invalid() -> None:
    with pytest.raises(TemplateError):
        format_iban(change_one_digit(IBAN_DE))


def test_payment_to_claims() -> None:
    template = PaymentTemplate(100, "EUR", "be68 5390 0754 7034")
    assert template.name == "adv_payment"
    assert template.to_claims() == {
        CLAIM_APPROVAL_TEMPLATE_NAME: {"essential": True, "value": "adv_payment"},
        CLAIM_APPROVAL_AMOUNT: {"essential": True, "value": "100"},
        CLAIM_APPROVAL_CURRENCY: {"essential": True, "value": "EUR"},
        CLAIM_APPROVAL_IBAN: {"essential": True, "value": IBAN_BE},
    }


def test_payment_describe() -> None:
    assert PaymentTemplate("100", "EUR", IBAN_BE).describe() == "100 EUR to BE68 5390 0754 7034"


def test_payment_keyword_construction_and_replace() -> None:
    template = PaymentTemplate(amount="5", currency="EUR", iban=IBAN_NL)
    changed = dataclasses.replace(template, amount="7")
    assert changed.amount == "7"
    with pytest.raises(TemplateError):
        dataclasses.replace(template, currency="eur")


def test_payment_is_frozen_and_comparable() -> None:
    template = PaymentTemplate("5", "EUR", IBAN_NL)
    assert template == PaymentTemplate(5, "EUR", "nl91 abna 0417 1643 00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.amount = "6"  # type: ignore[misc]


# ----------------------------------------------------------------------------- common behaviour
TEMPLATES: list[ConfirmTemplate] = [
    FreeTextTemplate("Approve <b>order 7</b>: 10 €"),
    PaymentTemplate("100", "EUR", IBAN_BE),
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_canonical_is_compact_sorted_json(template: ConfirmTemplate) -> None:
    canonical = template.canonical()
    assert json.loads(canonical) == template.as_dict()
    assert canonical == json.dumps(template.as_dict(), sort_keys=True, separators=(",", ":"))
    assert canonical.isascii()
    assert '"template":"' + template.name + '"' in canonical


def test_canonical_differs_with_content() -> None:
    assert FreeTextTemplate("a").canonical() != FreeTextTemplate("a ").canonical()
    assert (
        PaymentTemplate("100", "EUR", IBAN_BE).canonical()
        != PaymentTemplate("1000", "EUR", IBAN_BE).canonical()
    )


def test_canonical_identical_for_equivalent_input() -> None:
    assert (
        PaymentTemplate(100, "EUR", "be68 5390 0754 7034").canonical()
        == PaymentTemplate("100", "EUR", IBAN_BE).canonical()
    )


@pytest.mark.parametrize("template", TEMPLATES)
def test_round_trip_through_dict(template: ConfirmTemplate) -> None:
    assert template_from_dict(template.as_dict()) == template
    assert template_from_dict(json.loads(template.canonical())) == template


def test_as_dict_shapes() -> None:
    assert FreeTextTemplate("hi").as_dict() == {"template": "free_text", "text": "hi"}
    assert PaymentTemplate(1, "EUR", IBAN_BE).as_dict() == {
        "template": "adv_payment",
        "amount": "1",
        "currency": "EUR",
        "iban": IBAN_BE,
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"template": "sms", "text": "x"}, "Unknown Confirm template 'sms'"),
        ({"text": "x"}, "Unknown Confirm template NoneType"),
        ({"template": 1}, "Unknown Confirm template int"),
        ({"template": "advanced_payment"}, "use 'adv_payment'"),
        ({"template": "free_text"}, "lacks text"),
        ({"template": "free_text", "text": "x", "sub": "y"}, "does not take sub"),
        ({"template": "adv_payment", "amount": "1", "currency": "EUR"}, "lacks iban"),
        (
            {"template": "adv_payment", "amount": "1", "currency": "EUR", "iban": IBAN_BE, "x": 1},
            "does not take x",
        ),
        ({"template": "free_text", "text": "“quoted”"}, "ISO 8859-15"),
        ({"template": "adv_payment", "amount": "1.5", "currency": "EUR", "iban": IBAN_BE}, "whole"),
        ({"template": "free_text", "text": None}, "must be a string"),
        ("free_text", "must be a mapping"),
    ],
)
def test_template_from_dict_refuses(data: Any, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        template_from_dict(data)
