"""What a person reads about a confirmation is in their language; the evidence stays canonical.

A payment's description is rendered from the bound ``content`` in the active language (fr, nl,
de), with the IBAN in groups of four; the stored ``content`` and ``description`` stay the
canonical English made at creation, whatever the language of the page that started the flow.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from django_itsme.core.confirm import FreeTextTemplate, PaymentTemplate
from django_itsme.descriptions import (
    describe_confirmation,
    describe_template,
    level_label,
    template_label,
)
from django_itsme.models import Confirmation, ItsmeIdentity
from tests.app.conftest import Browser

PAYMENT = PaymentTemplate(amount="250", currency="EUR", iban="be68539007547034")
CANONICAL = "250 EUR to BE68 5390 0754 7034"

PAYMENT_IN = {
    "en": CANONICAL,
    "fr": "250 EUR vers BE68 5390 0754 7034",
    "nl": "250 EUR naar BE68 5390 0754 7034",
    "de": "250 EUR an BE68 5390 0754 7034",
}


@pytest.mark.parametrize(("language", "expected"), PAYMENT_IN.items())
def test_payment_is_described_in_the_active_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert describe_template(PAYMENT) == expected


def test_english_rendering_is_the_canonical_description() -> None:
    with translation.override("en"):
        assert describe_template(PAYMENT) == PAYMENT.describe() == CANONICAL


def test_free_text_is_the_text_itself_in_every_language() -> None:
    template = FreeTextTemplate("I accept <b>the terms</b>.<br>Version 2")
    for language in PAYMENT_IN:
        with translation.override(language):
            assert describe_template(template) == "I accept the terms. Version 2"


def test_long_free_text_is_cut_for_titles() -> None:
    template = FreeTextTemplate("word " * 100)
    described = describe_template(template)
    assert len(described) <= 80
    assert described.endswith("...")
    assert described == template.describe()


@pytest.mark.parametrize(
    ("language", "advanced", "basic"),
    [("en", "advanced", "basic"), ("fr", "avancé", "de base"), ("de", "erweitert", "Basis")],
)
def test_levels_are_translated_from_the_name_or_the_uri(
    language: str, advanced: str, basic: str
) -> None:
    with translation.override(language):
        assert level_label("advanced") == advanced
        assert level_label("http://itsme.services/v2/claim/acr_advanced") == advanced
        assert level_label("http://itsme.services/v2/claim/acr_basic") == basic
        assert level_label("something-else") == "something-else"
        assert level_label("") == ""


def test_template_labels() -> None:
    with translation.override("fr"):
        assert template_label("adv_payment") == "paiement"
        assert template_label("free_text") == "texte libre"
        assert template_label("unknown") == "unknown"


@pytest.mark.django_db
def test_unreadable_content_falls_back_to_the_stored_description() -> None:
    confirmation = Confirmation(content="{not json", description="stored text")
    assert describe_confirmation(confirmation) == "stored text"
    tampered = Confirmation(content=json.dumps({"template": "adv_payment"}), description="kept")
    assert describe_confirmation(tampered) == "kept"


@pytest.mark.django_db
def test_str_of_a_confirmation_follows_the_language() -> None:
    confirmation = Confirmation(
        content=PAYMENT.canonical(),
        description=CANONICAL,
        status=Confirmation.Status.APPROVED,
    )
    with translation.override("fr"):
        assert str(confirmation) == "250 EUR vers BE68 5390 0754 7034 (approuvée)"
    with translation.override("en"):
        assert str(confirmation) == f"{CANONICAL} (approved)"


@pytest.mark.simulator
def test_a_french_visitor_stores_the_canonical_content_and_description(
    browser: Browser, client: Any
) -> None:
    """The evidence and the stored description never depend on the page's language."""
    assert browser.flow().status_code == 302
    user = ItsmeIdentity.objects.get().user
    assert isinstance(user, User)
    query = {"amount": "250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
    response = browser.get("/confirm/", data=query, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    browser.finish(browser.at_itsme(str(response["Location"])))
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.APPROVED
    assert confirmation.description == CANONICAL
    assert json.loads(confirmation.content) == {
        "template": "adv_payment",
        "amount": "250",
        "currency": "EUR",
        "iban": "BE68539007547034",
    }
    confirmation.verify()
    with translation.override("fr"):
        assert describe_confirmation(confirmation) == PAYMENT_IN["fr"]
