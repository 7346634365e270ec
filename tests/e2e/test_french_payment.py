"""A payment confirmed in French, in a real browser: the demo, the simulator's approval page and
the admin all speak French, and the description reads "250 EUR vers BE68 5390 0754 7034", while
the stored evidence stays canonical (tests/app/test_descriptions.py checks the database).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PAGE_TIMEOUT, SCREENSHOTS, DemoSite, browser_missing

_missing = browser_missing()
if _missing is not None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"The browser tests must run in CI, but {_missing}.", pytrace=False)
    pytest.skip(f"Browser tests skipped: {_missing}.", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402 - only once the browser is known to exist

from tests.e2e.demo_admin import log_in_to_admin  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

FRENCH = "250 EUR vers BE68 5390 0754 7034"


@pytest.fixture
def french_page(chromium: Browser) -> Iterator[Page]:
    """A desktop page whose browser asks for French."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="fr-BE")
    context.set_default_timeout(PAGE_TIMEOUT)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"test_french_payment_{name}.png", full_page=True)


def test_payment_confirmed_in_french(french_page: Page, demo_site: DemoSite) -> None:
    page = french_page
    page.goto(demo_site.url + "/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("a[href*='/itsme/login/']").first.click()
    page.locator("#identity-alice").check()
    page.locator("#approve").click()
    expect(page).to_have_url(demo_site.url + "/profile/")

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
    screenshot(page, "result")
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
    screenshot(page, "admin")
