"""What a person sees of the simulator and the demo's details in a real browser: the approval
page in the visitor's language, the simulator's index page, IBANs on a phone, the header in every
language and the free-text error.

Each scenario keeps a screenshot in ``artifacts/screenshots/`` (the ``page`` fixture keeps the
final page; the others are named after the test).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    SCREENSHOTS,
    DemoSite,
    Pages,
    log_in_with_itsme,
    require_browser,
    screenshot,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402 - only once the browser is known to exist

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

CLIENT_ID = "DEMO_PARTNER"  # example_project/demo/settings.py
PHONE = {"width": 375, "height": 740}


def approve_as(page: Page, identity: str) -> None:
    page.locator(f"#identity-{identity}").check()
    page.locator("#approve").click()


def share_as_alice(page: Page, site: DemoSite) -> None:
    """Share data as alice from the Share page (the profile then knows her name)."""
    page.goto(site.url + "/share/")
    page.locator("main a.itsme-btn").first.click()
    expect(page).to_have_url(re.compile("^" + re.escape(site.simulator_url + "/")))
    approve_as(page, "alice")
    expect(page).to_have_url(site.url + "/profile/")


def assert_groups_unbroken(page: Page, selector: str, groups: list[str]) -> None:
    """The IBAN's groups are shown in order, and none is split over two lines."""
    group_boxes = page.locator(f"{selector} .iban-group")
    expect(group_boxes).to_have_text(groups)
    for index in range(group_boxes.count()):
        rects = group_boxes.nth(index).evaluate("element => element.getClientRects().length")
        assert rects == 1, f"group {groups[index]} breaks over {rects} lines"


def test_simulator_approval_page_in_dutch(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site, language="nl")
    page.goto(demo_site.url + "/share/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.locator("main a.itsme-btn").first.click()

    expect(page).to_have_url(re.compile("^" + re.escape(demo_site.simulator_url + "/")))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{CLIENT_ID} vraagt uw goedkeuring")
    expect(page.locator("#acr")).to_contain_text("Geavanceerd")
    expect(page.locator("#requested")).to_contain_text("Belgisch rijksregisternummer")
    expect(page.locator("#requested")).to_contain_text("Foto van het identiteitsdocument")
    expect(page.get_by_role("group", name="Wie keurt goed in de itsme-app?")).to_be_visible()
    expect(page.get_by_role("button", name="Goedkeuren")).to_be_visible()
    expect(page.get_by_role("button", name="Weigeren")).to_be_visible()
    screenshot(page, "test_simulator_approval_page_in_dutch")
    approve_as(page, "alice")

    expect(page).to_have_url(demo_site.url + "/profile/")
    expect(page.locator("#who")).to_have_text("Aangemeld als Alice Peeters")


def test_simulator_index_page_from_the_demo(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site)
    page.goto(demo_site.url + "/")
    page.get_by_role("link", name=demo_site.simulator_url + "/").click()

    expect(page).to_have_url(re.compile("^" + re.escape(demo_site.simulator_url + "/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("A local itsme® for tests and demos")
    expect(page.locator("#issuer")).to_have_text(demo_site.issuer)
    for endpoint in ("discovery", "jwks", "authorization", "token", "userinfo"):
        expect(page.locator(f"#endpoint-{endpoint}")).to_contain_text(demo_site.issuer)
    for key, name in (("alice", "Alice Peeters"), ("bruno", "Bruno Lambert")):
        expect(page.locator(f"#identity-{key}")).to_contain_text(name)
    expect(page.locator("#identity-claire")).to_contain_text("Dutch passport")
    expect(page.locator("#clients")).to_contain_text(CLIENT_ID)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "test_simulator_index_page_from_the_demo")
    # The discovery document opens from the page.
    page.locator("#endpoint-discovery a").click()
    expect(page.locator("body")).to_contain_text('"issuer"')
    page.go_back()


def test_simulator_index_page_follows_the_demo_language(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site, language="fr", viewport=PHONE)
    page.goto(demo_site.url + "/")
    page.get_by_role("link", name=demo_site.simulator_url + "/").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Identités de test")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "test_simulator_index_page_in_french_on_a_phone")


def test_iban_in_groups_of_four_on_a_phone(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site, language="nl", viewport=PHONE)
    page.goto(demo_site.url + "/login/")
    page.locator("main a.itsme-btn").first.click()
    approve_as(page, "bruno")
    page.goto(demo_site.url + "/confirm/")
    page.locator("#id_payment-amount").fill("1250")
    page.locator("#id_payment-iban").fill("be71 0961 2345 6769")
    page.locator("#payment-form button[type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("#iban")).to_have_text("BE71 0961 2345 6769")
    assert_groups_unbroken(page, "#iban", ["BE71", "0961", "2345", "6769"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "test_iban_in_groups_of_four_on_a_phone_simulator")
    page.locator("#approve").click()

    expect(page).to_have_url(re.compile(re.escape(demo_site.url + "/confirm/?confirmation=")))
    expect(page.locator("#result-iban")).to_have_text("BE71 0961 2345 6769")
    assert_groups_unbroken(page, "#result-iban", ["BE71", "0961", "2345", "6769"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#result").scroll_into_view_if_needed()
    screenshot(page, "test_iban_in_groups_of_four_on_a_phone_demo")


@pytest.mark.parametrize(
    ("language", "signed_in_as"),
    [
        ("en", "Signed in as Alice Peeters"),
        ("fr", "Connecté en tant que Alice Peeters"),
        ("nl", "Aangemeld als Alice Peeters"),
        ("de", "Angemeldet als Alice Peeters"),
    ],
)
def test_demo_header_on_one_row_at_1280_px(
    demo_site: DemoSite, pages: Pages, language: str, signed_in_as: str
) -> None:
    page = pages.open(demo_site, language=language)
    share_as_alice(page, demo_site)
    who = page.locator("#who")
    expect(who).to_have_text(signed_in_as)
    # Not cut off: the whole name is visible.
    assert who.evaluate("element => element.scrollWidth <= element.clientWidth")
    parts = [".brand", ".site-nav", ".header-end"]
    boxes = [page.locator(f".site-header {part}").bounding_box() for part in parts]
    assert all(box is not None for box in boxes)
    tops = [box["y"] for box in boxes if box is not None]
    bottoms = [box["y"] + box["height"] for box in boxes if box is not None]
    # One row: every part starts above where any other part ends.
    assert max(tops) < min(bottoms), f"the header wraps in {language}: {boxes}"
    page.locator(".site-header").screenshot(
        path=SCREENSHOTS / f"test_demo_header_on_one_row_at_1280_px_{language}.png"
    )


def test_header_without_a_known_name_says_only_signed_in(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site)
    log_in_with_itsme(page, demo_site, "claire")
    # A login shares no personal data: no name to show, and no meaningless username either.
    expect(page.locator("#who")).to_have_text("Signed in")
    expect(page.locator("#who")).not_to_contain_text("itsme-")


def test_free_text_error_is_one_short_line(demo_site: DemoSite, pages: Pages) -> None:
    page = pages.open(demo_site)
    log_in_with_itsme(page, demo_site, "alice")
    page.goto(demo_site.url + "/confirm/")
    page.get_by_label("Text to approve").fill('Pay <a href="x">here</a>')
    page.get_by_role("button", name="Confirm this text with itsme").click()

    errors = page.locator("#id_text-text_errors li")
    expect(errors).to_have_count(1)
    expect(errors).to_have_text("Only the tags <b>, <i>, <u> and <br> are allowed.")
    weight = errors.evaluate("element => getComputedStyle(element).fontWeight")
    assert int(weight) < 600
    line_height = errors.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    box = errors.bounding_box()
    assert box is not None
    assert box["height"] < 1.5 * line_height, "the error takes more than one line"
    expect(page.get_by_label("Text to approve")).to_have_attribute("aria-invalid", "true")
    page.locator("#text-form").screenshot(path=SCREENSHOTS / "test_free_text_error.png")
