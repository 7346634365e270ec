"""A payment confirmed in French, in a real browser: the demo, the simulator's approval page and
the admin all speak French, and the description reads "250 EUR vers BE68 5390 0754 7034", while
the stored evidence stays canonical (tests/app/test_descriptions.py checks the database).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    DemoSite,
    Pages,
    log_in_with_itsme,
    require_browser,
    screenshot,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402 - only once the browser is known to exist

from tests.e2e.demo_admin import log_in_to_admin  # noqa: E402

if TYPE_CHECKING:
    pass

pytestmark = pytest.mark.e2e

FRENCH = "250 EUR vers BE68 5390 0754 7034"


def test_payment_confirmed_in_french(pages: Pages, demo_site: DemoSite) -> None:
    page = pages.open(viewport={"width": 1280, "height": 800}, locale="fr-BE")  # asks for French
    page.goto(demo_site.url + "/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    log_in_with_itsme(page, demo_site, "alice")

    page.goto(demo_site.url + "/confirm/")
    page.locator("#id_payment-amount").fill("250")
    page.locator("#id_payment-currency").select_option("EUR")
    page.locator("#id_payment-iban").fill("be68 5390 0754 7034")
    page.locator("#payment-form button[type=submit]").click()
    expect(page.locator("#iban")).to_have_text(re.compile(r"BE68 ?5390 ?0754 ?7034"))
    page.locator("#approve").click()

    expect(page).to_have_url(re.compile(re.escape(demo_site.url + "/confirm/?confirmation=")))
    expect(page.locator("#status")).to_have_text("Approuvée")
    expect(page.locator("#description")).to_have_text(FRENCH)
    expect(page.locator("#evidence")).to_contain_text("Preuve vérifiée")
    screenshot(page, "test_french_payment_result")
    found = re.search(r"confirmation=([0-9a-f-]{36})", page.url)
    assert found is not None

    log_in_to_admin(page, demo_site)
    page.goto(f"{demo_site.url}/admin/django_itsme/confirmation/{found.group(1)}/change/")
    expect(page).to_have_title(re.compile("^" + re.escape(f"{FRENCH} (approuvée) | ")))
    breadcrumbs = page.locator(".breadcrumbs")
    expect(breadcrumbs).to_contain_text(f"Confirmations \u203a {FRENCH} (approuvée)")
    expect(page.locator(".field-approved_content .readonly")).to_have_text(FRENCH)
    expect(page.locator(".field-approved_template .readonly")).to_have_text(
        "paiement (adv_payment)"
    )
    expect(page.locator(".field-acr .readonly")).to_have_text("avancé")
    screenshot(page, "test_french_payment_admin")
