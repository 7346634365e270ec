"""The admin pages as an operator reads them, in en, fr, nl and de: the brand as written
("itsme", never "Itsme"), levels and descriptions in the page's language, filter titles that read
as a sentence, list columns that fit, long tokens and keys in wrapping blocks.

The layout itself (nothing past the right edge at 1280 px) is checked in a browser:
tests/e2e/test_admin.py.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from django_itsme.core.confirm import FreeTextTemplate
from django_itsme.models import Confirmation, ItsmeIdentity
from tests.app.conftest import Browser

pytestmark = pytest.mark.simulator

LANGUAGES = ("en", "fr", "nl", "de")
PAYMENT = {"amount": "250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}
CONFIRMATIONS = "/admin/django_itsme/confirmation/"
IDENTITIES = "/admin/django_itsme/itsmeidentity/"
ACR_ADVANCED = "http://itsme.services/v2/claim/acr_advanced"


@pytest.fixture
def approved(browser: Browser) -> Confirmation:
    """alice logged in with itsme, then approved a payment of 250 EUR."""
    assert browser.flow().status_code == 302
    response = browser.get("/confirm/", data=PAYMENT)
    assert response.status_code == 302, response.content
    browser.finish(browser.at_itsme(str(response["Location"])))
    confirmation = Confirmation.objects.get()
    assert confirmation.status == Confirmation.Status.APPROVED
    return confirmation


def page(admin_client: Any, url: str, language: str) -> str:
    response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    assert response["Content-Language"] == language
    return html.unescape(response.content.decode())


def detail_url(confirmation: Confirmation) -> str:
    return f"{CONFIRMATIONS}{confirmation.pk}/change/"


def title(text: str) -> str:
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_brand_is_never_capitalised(
    admin_client: Any, approved: Confirmation, language: str
) -> None:
    """Django capfirsts verbose names (app list, breadcrumbs, field labels): no label of ours
    starts with the brand."""
    identity = ItsmeIdentity.objects.get()
    urls = [
        "/admin/",
        "/admin/django_itsme/",
        CONFIRMATIONS,
        IDENTITIES,
        detail_url(approved),
        f"{IDENTITIES}{identity.pk}/change/",
    ]
    for url in urls:
        text = page(admin_client, url, language)
        assert not re.search(r"\bItsme", text), (url, re.findall(r".{40}\bItsme.{40}", text))
        assert not re.search(r"\bITSME\b", text), url


@pytest.mark.parametrize(
    ("language", "description", "level"),
    [
        ("en", "250 EUR to BE68 5390 0754 7034 (approved)", "advanced"),
        ("fr", "250 EUR vers BE68 5390 0754 7034 (approuvée)", "avancé"),
        ("nl", "250 EUR naar BE68 5390 0754 7034 (goedgekeurd)", "geavanceerd"),
        ("de", "250 EUR an BE68 5390 0754 7034 (genehmigt)", "erweitert"),
    ],
)
def test_detail_title_and_levels_in_the_page_language(
    admin_client: Any, approved: Confirmation, language: str, description: str, level: str
) -> None:
    text = page(admin_client, detail_url(approved), language)
    assert title(text).startswith(description + " | ")
    # The signed level: its name in this language, and the acr itsme signed.
    assert f"{level} ({ACR_ADVANCED})" in text
    # The stored level, a site record, in this language too.
    stored = re.search(
        r'<div class="form-row field-acr">.*?<div class="readonly">(.*?)</div>', text, re.S
    )
    assert stored is not None
    assert stored.group(1).strip() == level


def test_long_token_and_key_are_in_wrapping_blocks(
    admin_client: Any, approved: Confirmation
) -> None:
    text = page(admin_client, detail_url(approved), "en")
    blocks = re.findall(r'<code class="itsme-long">([^<]*)</code>', text)
    assert approved.id_token in blocks
    assert approved.content.replace('"', "&quot;") in blocks or approved.content in blocks
    key = re.search(r'<pre class="itsme-long[^"]*"[^>]*>(.*?)</pre>', text, re.S)
    assert key is not None
    assert '"kty": "RSA"' in key.group(1)
    assert "django_itsme/admin.css" in text


@pytest.mark.parametrize(
    ("language", "filter_title"),
    [
        ("en", "By authentication level"),
        ("fr", "Par niveau d'authentification"),
        ("nl", "Op authenticatieniveau"),
        ("de", "Nach Authentifizierungsstufe"),
    ],
)
def test_identity_filter_title_reads_well(
    admin_client: Any, approved: Confirmation, language: str, filter_title: str
) -> None:
    text = page(admin_client, IDENTITIES, language)
    assert filter_title in text.replace("\u2019", "'")
    assert "Nach letzte" not in text


def test_list_columns_lead_with_what_and_status(
    admin_client: Any, approved: Confirmation, browser: Browser
) -> None:
    long_text = "I approve the purchase order number 2026-000123 for the renovation " * 3
    response = browser.get("/confirm/", data={"text": long_text})
    browser.finish(browser.at_itsme(str(response["Location"])))
    text = page(admin_client, CONFIRMATIONS, "en")
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', text)
    assert headers == ["described", "status", "created", "who"]
    # A long description is cut in the list; its full (one-line) text is in the title.
    full = FreeTextTemplate(long_text).describe()
    cell = re.search(r'<span class="itsme-cut" title="([^"]*)">([^<]*)</span>', text)
    assert cell is not None
    assert cell.group(1) == full
    assert len(cell.group(2)) < len(full)
    assert cell.group(2).endswith("…")


def test_identity_list_shows_short_sub_with_full_title(
    admin_client: Any, approved: Confirmation
) -> None:
    identity = ItsmeIdentity.objects.get()
    assert isinstance(identity.user, User)
    text = page(admin_client, IDENTITIES, "en")
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', text)
    assert headers == ["who", "short_sub", "level", "last_login", "linked"]
    assert f'title="{identity.sub}"' in text
    assert f'<td class="field-level">{identity.get_last_acr_display()}</td>' in text
    assert identity.last_acr in ("basic", "advanced")
