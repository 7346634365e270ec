"""The two Confirm forms: a payment and a free text, each giving a checked itsme template."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from django_itsme.core import FreeTextTemplate, PaymentTemplate
from django_itsme.core.confirm import (
    AMOUNT_MAX_DIGITS,
    FREE_TEXT_CHARSET,
    FREE_TEXT_MAX_LENGTH,
    format_iban,
)
from django_itsme.core.errors import TemplateError

__all__ = ["CURRENCIES", "FreeTextForm", "PaymentForm"]

#: The currencies offered (any active ISO 4217 code would do).
CURRENCIES = [
    ("EUR", _("EUR, euro")),
    ("USD", _("USD, US dollar")),
    ("GBP", _("GBP, pound sterling")),
    ("CHF", _("CHF, Swiss franc")),
]
#: A valid Belgian IBAN to start from (the example of the IBAN registry).
EXAMPLE_IBAN = "BE68 5390 0754 7034"
#: Control characters the itsme app cannot display (line breaks and tabs are ordinary text).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _template_error(message: Any, code: str, **params: Any) -> forms.ValidationError:
    """One short, translated sentence naming the rule broken (shown under the field)."""
    return forms.ValidationError(message, code=code, params=params)


def _free_text_message(text: str) -> tuple[Any, dict[str, Any]]:
    """A short translated sentence for the rule ``text`` breaks, and its parameters.

    The checks follow the order of the core's (``FreeTextTemplate``); the field has already
    checked the length, and its help text explains the rules in full. What is left after the
    character checks is the markup.
    """
    if not text.strip():
        return _("Enter some text to approve."), {}
    try:
        text.encode(FREE_TEXT_CHARSET)
    except UnicodeEncodeError as exc:
        params = {"character": text[exc.start], "position": exc.start + 1}
        return _("itsme cannot show %(character)s (position %(position)s)."), params
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character) == "Cc" and character not in _ALLOWED_CONTROLS:
            return _("Remove the invisible character at position %(position)s."), {
                "position": position
            }
    if "<" in text:
        return _("Only the tags <b>, <i>, <u> and <br> are allowed."), {}
    return _("itsme cannot show this text."), {}


class DescribedForm(forms.Form):
    """A form whose inputs name their help text and errors (``aria-describedby``) and say when
    they are invalid (``aria-invalid``), the same on Django 4.2 and 5.x.

    The ids match ``demo/form.html``: ``<auto_id>_helptext`` and ``<auto_id>_errors``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe_fields()

    def full_clean(self) -> None:
        """Validate, then point each invalid input at its errors."""
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self) -> None:
        errors = getattr(self, "_errors", None) or {}  # None until the form is validated
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            described_by = []
            if field.help_text:
                described_by.append(f"{auto_id}_helptext")
            if name in errors:
                described_by.append(f"{auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class PaymentForm(DescribedForm):
    """An amount in whole units, a currency and the beneficiary's IBAN."""

    kind = forms.CharField(widget=forms.HiddenInput, initial="payment")
    amount = forms.IntegerField(
        label=_("Amount"),
        min_value=1,
        max_value=10**AMOUNT_MAX_DIGITS - 1,
        initial=250,
        help_text=_("In whole euros (or whole units of the chosen currency), without cents."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="EUR")
    iban = forms.CharField(
        label=_("Beneficiary IBAN"),
        max_length=50,
        initial=EXAMPLE_IBAN,
        help_text=_("For example BE68 5390 0754 7034."),
    )

    template: PaymentTemplate

    def clean_iban(self) -> str:
        """The IBAN in groups of four, or a clear error."""
        try:
            return format_iban(self.cleaned_data["iban"])
        except TemplateError:
            raise forms.ValidationError(
                _("Enter a valid IBAN, for example BE68 5390 0754 7034."), code="invalid_iban"
            ) from None

    def clean(self) -> dict[str, Any]:
        """Build the itsme template from the cleaned values."""
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                self.template = PaymentTemplate(
                    amount=cleaned["amount"], currency=cleaned["currency"], iban=cleaned["iban"]
                )
            except TemplateError:
                # Not expected: the fields already hold a valid amount, currency and IBAN.
                message = _("itsme cannot show this payment.")
                raise _template_error(message, "invalid_payment") from None
        return cleaned


class FreeTextForm(DescribedForm):
    """A statement for the user to approve in the itsme app."""

    kind = forms.CharField(widget=forms.HiddenInput, initial="text")
    text = forms.CharField(
        label=_("Text to approve"),
        max_length=FREE_TEXT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        initial=_("I accept the <b>general terms</b> of the demo shop.<br>Version 2, May 2025."),
        help_text=_(
            "Up to 7500 characters, in the Latin-9 character set. The tags <b>, <i>, <u> and "
            "<br> are allowed."
        ),
    )

    template: FreeTextTemplate

    def clean_text(self) -> str:
        """The text, checked against itsme's rules (the messages say which one it breaks)."""
        text: str = self.cleaned_data["text"]
        try:
            self.template = FreeTextTemplate(text)
        except TemplateError:
            message, params = _free_text_message(text)
            raise _template_error(message, "invalid_text", **params) from None
        return text
