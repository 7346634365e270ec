"""The demo's admin at 1280 x 800 in a real browser: an approved payment, made through a real
Confirm flow, and the identities and confirmations lists and the confirmation's page, with
nothing past the right edge, the columns that matter in view and the brand written "itsme".

Each page leaves a screenshot in ``artifacts/screenshots/test_admin_<language>_<page>.png``.
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

from tests.e2e.demo_admin import log_in_to_admin, past_the_right_edge  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1280, "height": 800}
#: Per language: the title of the identities' level filter and the approved status.
LANGUAGES = {
    "en": ("By authentication level", "approved"),
    "fr": ("Par niveau d'authentification", "approuvée"),
    "nl": ("Op authenticatieniveau", "goedgekeurd"),
    "de": ("Nach Authentifizierungsstufe", "genehmigt"),
}


def approve_a_payment(chromium: Browser, site: DemoSite) -> str:
    """alice logs in with itsme and approves 250 EUR to BE68 5390 0754 7034, in a browser
    context of her own.

    :returns: the confirmation's id.
    """
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(PAGE_TIMEOUT)
    try:
        page = context.new_page()
        page.goto(site.url + "/login/")
        page.get_by_role("link", name="Log in with itsme").click()
        page.locator("#identity-alice").check()
        page.locator("#approve").click()
        expect(page).to_have_url(site.url + "/profile/")
        page.goto(site.url + "/confirm/")
        page.get_by_label("Amount").fill("250")
        page.get_by_label("Beneficiary IBAN").fill("BE68539007547034")
        page.get_by_role("button", name="Confirm this payment with itsme").click()
        page.locator("#approve").click()
        expect(page.locator("#status")).to_have_text("Approved")
        found = re.search(r"confirmation=([0-9a-f-]{36})", page.url)
        assert found is not None, page.url
        return found.group(1)
    finally:
        context.close()


@pytest.fixture
def admin_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A 1280 x 800 page in the test's language (its ``language`` parameter)."""
    language = request.node.callspec.params["language"]
    context = chromium.new_context(viewport=VIEWPORT, locale=language)
    context.set_default_timeout(PAGE_TIMEOUT)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"test_admin_{name}.png", full_page=True)


def assert_fits(page: Page) -> None:
    """Nothing past the right edge, nor hidden in a horizontally scrolling box."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert past_the_right_edge(page) == []


def assert_in_view(page: Page, selector: str) -> None:
    """The element is visible, inside the viewport's width."""
    element = page.locator(selector).first
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= VIEWPORT["width"], selector


def assert_brand_as_written(page: Page) -> None:
    """No "Itsme" in the title, breadcrumbs, navigation or content (as rendered)."""
    assert "Itsme" not in page.title()
    texts = page.locator("#header, .breadcrumbs, #nav-sidebar, #content").all_inner_texts()
    assert len(texts) >= 2
    for text in texts:
        assert "Itsme" not in text, text[:200]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_admin_fits_1280_pixels(
    chromium: Browser, admin_page: Page, demo_site: DemoSite, language: str
) -> None:
    filter_title, approved = LANGUAGES[language]
    confirmation_id = approve_a_payment(chromium, demo_site)
    page = admin_page
    log_in_to_admin(page, demo_site)
    assert_brand_as_written(page)

    page.goto(demo_site.url + "/admin/django_itsme/itsmeidentity/")
    screenshot(page, f"{language}_identities")
    assert_fits(page)
    for column in ("who", "short_sub", "level", "last_login", "linked"):
        assert_in_view(page, f"#result_list th.column-{column}")
        assert_in_view(page, f"#result_list tbody .field-{column}")
    expect(page.locator("#changelist-filter")).to_contain_text(filter_title)
    assert_brand_as_written(page)

    page.goto(demo_site.url + "/admin/django_itsme/confirmation/")
    screenshot(page, f"{language}_confirmations")
    assert_fits(page)
    row = page.locator("#result_list tbody tr").filter(
        has=page.locator(f"a[href*='{confirmation_id}']")
    )
    for column in ("described", "status", "created", "who"):
        assert_in_view(page, f"#result_list th.column-{column}")
    expect(row.locator("td.field-status")).to_have_text(approved)
    status_box = row.locator("td.field-status").bounding_box()
    assert status_box is not None
    assert status_box["x"] + status_box["width"] <= VIEWPORT["width"]
    # The description is one or two lines, never a word per line.
    line_height = row.locator("td.field-status").evaluate(
        "e => parseFloat(getComputedStyle(e).lineHeight) || 16"
    )
    described = row.locator("th.field-described, td.field-described").first
    described_box = described.locator(".itsme-cut").bounding_box()
    assert described_box is not None
    assert described_box["height"] <= 2.5 * line_height
    assert_brand_as_written(page)

    page.goto(f"{demo_site.url}/admin/django_itsme/confirmation/{confirmation_id}/change/")
    screenshot(page, f"{language}_confirmation")
    assert_fits(page)
    assert_in_view(page, ".field-signed_id_token .itsme-long")
    assert_in_view(page, ".field-itsme_signing_key .itsme-long")
    expect(page.locator(".field-evidence_check .readonly")).not_to_contain_text("INVALID")
    assert_brand_as_written(page)
