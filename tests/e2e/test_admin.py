"""The demo's admin at 1280 x 800 in a real browser: an approved payment, made through a real
Confirm flow, and the identities and confirmations lists and the confirmation's page, with
nothing past the right edge, the columns that matter in view and the brand written "itsme".

Each page leaves a screenshot in ``artifacts/screenshots/test_admin_<language>_<page>.png``.
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

from tests.e2e.demo_admin import log_in_to_admin, past_the_right_edge  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1280, "height": 800}
#: Per language: the title of the identities' level filter and the approved status.
LANGUAGES = {
    "en": ("By authentication level", "approved"),
    "fr": ("Par niveau d'authentification", "approuvée"),
    "nl": ("Op authenticatieniveau", "goedgekeurd"),
    "de": ("Nach Authentifizierungsstufe", "genehmigt"),
}


def approve_a_payment(pages: Pages, site: DemoSite) -> str:
    """alice logs in with itsme and approves 250 EUR to BE68 5390 0754 7034, in a browser
    context of her own.

    :returns: the confirmation's id.
    """
    page = pages.open(viewport=VIEWPORT)
    log_in_with_itsme(page, site, "alice")
    page.goto(site.url + "/confirm/")
    page.get_by_label("Amount").fill("250")
    page.get_by_label("Beneficiary IBAN").fill("BE68539007547034")
    page.get_by_role("button", name="Confirm this payment with itsme").click()
    page.locator("#approve").click()
    expect(page.locator("#status")).to_have_text("Approved")
    found = re.search(r"confirmation=([0-9a-f-]{36})", page.url)
    assert found is not None, page.url
    return found.group(1)


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
def test_admin_fits_1280_pixels(pages: Pages, demo_site: DemoSite, language: str) -> None:
    filter_title, approved = LANGUAGES[language]
    confirmation_id = approve_a_payment(pages, demo_site)
    page = pages.open(viewport=VIEWPORT, locale=language)
    log_in_to_admin(page, demo_site)
    assert_brand_as_written(page)

    page.goto(demo_site.url + "/admin/django_itsme/itsmeidentity/")
    screenshot(page, f"test_admin_{language}_identities")
    assert_fits(page)
    for column in ("who", "short_sub", "level", "last_login", "linked"):
        assert_in_view(page, f"#result_list th.column-{column}")
        assert_in_view(page, f"#result_list tbody .field-{column}")
    expect(page.locator("#changelist-filter")).to_contain_text(filter_title)
    assert_brand_as_written(page)

    page.goto(demo_site.url + "/admin/django_itsme/confirmation/")
    screenshot(page, f"test_admin_{language}_confirmations")
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
    screenshot(page, f"test_admin_{language}_confirmation")
    assert_fits(page)
    assert_in_view(page, ".field-signed_id_token .itsme-long")
    assert_in_view(page, ".field-itsme_signing_key .itsme-long")
    expect(page.locator(".field-evidence_check .readonly")).not_to_contain_text("INVALID")
    assert_brand_as_written(page)
