"""The example project in a real browser: log in, share data, confirm, refuse and cancel.

Every flow goes through the simulator's approval page the way a person would: pick a test
identity, press Approve or Refuse. See conftest.py for how the site and the simulator run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import DemoSite, require_browser

require_browser()

from playwright.sync_api import expect  # noqa: E402 - only once the browser is known to exist

from django_itsme.simulator import IDENTITIES  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

CLIENT_ID = "DEMO_PARTNER"  # example_project/demo/settings.py


def at_simulator(page: Page, site: DemoSite) -> None:
    """Check that the browser is on the simulator's approval page for the demo."""
    expect(page).to_have_url(re.compile("^" + re.escape(site.simulator_url + "/")))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{CLIENT_ID} asks you to approve")


def choose(page: Page, identity: str) -> None:
    """Pick a test person on the approval page."""
    page.locator(f"#identity-{identity}").check()


def log_in(page: Page, site: DemoSite, identity: str = "alice") -> None:
    """A whole itsme login from the login page, approved as ``identity``."""
    page.goto(site.url + "/login/")
    page.get_by_role("link", name="Log in with itsme").click()
    at_simulator(page, site)
    choose(page, identity)
    page.locator("#approve").click()
    expect(page).to_have_url(site.url + "/profile/")


def test_login_links_the_itsme_identity(page: Page, demo_site: DemoSite) -> None:
    page.goto(demo_site.url + "/")
    page.get_by_role("link", name="Log in with itsme").first.click()
    at_simulator(page, demo_site)
    expect(page.locator("#service")).to_contain_text("DEMO_LOGIN")
    choose(page, "alice")
    page.locator("#approve").click()

    expect(page).to_have_url(demo_site.url + "/profile/")
    expect(page.locator("#sub")).to_have_text(IDENTITIES["alice"].sub_for(CLIENT_ID))
    expect(page.locator("#identity")).to_contain_text("Linked at")
    # A login shares no personal data: no name to greet, and never the itsme-<sub> username.
    expect(page.locator("#who")).to_have_text("Signed in")
    # A login shares no personal data.
    expect(page.locator("#shared")).to_contain_text("Nothing shared yet")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_share_data_shows_the_verified_identity(page: Page, demo_site: DemoSite) -> None:
    page.goto(demo_site.url + "/share/")
    page.get_by_role("link", name="Share my data with itsme").click()
    at_simulator(page, demo_site)
    expect(page.locator("#acr")).to_contain_text("Advanced")
    requested = page.locator("#requested")
    expect(requested).to_contain_text("Belgian national register number")
    expect(requested).to_contain_text("Photo from the identity document")
    choose(page, "alice")
    page.locator("#approve").click()

    expect(page).to_have_url(demo_site.url + "/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice Peeters")
    expect(page.locator("#shared-name")).to_have_text("Alice Peeters")
    expect(page.locator("#shared-birthdate")).to_have_text("March 14, 1985")
    expect(page.locator("#shared-place-of-birth")).to_have_text("Gent, BEL")
    expect(page.locator("#shared-nationality")).to_have_text("Belgian (BEL)")
    expect(page.locator("#shared-address")).to_contain_text("Veldstraat 12")
    expect(page.locator("#shared-device")).to_contain_text("Google Pixel 8")
    number = page.locator("#shared-national-number")
    expect(number).to_contain_text("••.••.••-•••.73")
    expect(number).to_contain_text("Hidden, ending in 73")
    assert "85031424673" not in page.content()
    photo = page.locator("#photo")
    expect(photo).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    expect(photo).to_have_attribute("alt", "Photo from the identity document")
    assert photo.evaluate("image => image.complete && image.naturalWidth > 0")


def test_confirm_payment_approved_with_evidence(page: Page, demo_site: DemoSite) -> None:
    log_in(page, demo_site)
    page.goto(demo_site.url + "/confirm/")
    page.get_by_label("Amount").fill("1250")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Beneficiary IBAN").fill("be71 0961 2345 6769")
    page.get_by_role("button", name="Confirm this payment with itsme").click()

    at_simulator(page, demo_site)
    expect(page.locator("#amount")).to_have_text("1250")
    expect(page.locator("#currency")).to_have_text("EUR")
    expect(page.locator("#iban")).to_have_text("BE71 0961 2345 6769")
    expect(page.locator("#fixed-identity")).to_contain_text("Alice Peeters")
    page.locator("#approve").click()

    expect(page).to_have_url(re.compile(re.escape(demo_site.url + "/confirm/?confirmation=")))
    expect(page.locator("#status")).to_have_text("Approved")
    expect(page.locator("#description")).to_have_text("1250 EUR to BE71 0961 2345 6769")
    expect(page.locator("#evidence")).to_contain_text("Evidence verified")


def test_confirm_free_text_refused(page: Page, demo_site: DemoSite) -> None:
    log_in(page, demo_site)
    page.goto(demo_site.url + "/confirm/")
    text = "I order <b>three tickets</b> for the concert.<br>Total: 90 €"
    page.get_by_label("Text to approve").fill(text)
    page.get_by_role("button", name="Confirm this text with itsme").click()

    at_simulator(page, demo_site)
    message = page.locator("#free-text")
    expect(message).to_contain_text("I order three tickets for the concert.")
    expect(message).to_contain_text("Total: 90 €")
    expect(message.locator("b")).to_have_text("three tickets")
    page.locator("#refuse").click()

    expect(page).to_have_url(re.compile(re.escape(demo_site.url + "/itsme/callback/")))
    expect(page.locator("#failure-title")).to_have_text("Confirmation refused")
    expect(page.locator("#failure")).to_contain_text("Nothing was approved.")
    expect(page.get_by_role("link", name="Back to Confirm")).to_be_visible()


def test_cancelled_login_leaves_the_visitor_logged_out(page: Page, demo_site: DemoSite) -> None:
    page.goto(demo_site.url + "/login/")
    page.get_by_role("link", name="Log in with itsme").click()
    at_simulator(page, demo_site)
    page.locator("#refuse").click()

    expect(page).to_have_url(re.compile(re.escape(demo_site.url + "/itsme/callback/")))
    expect(page.locator("#failure-title")).to_have_text("itsme request cancelled")
    expect(page.locator("#failure")).to_contain_text("Nothing was changed.")
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator("#who")).to_have_count(0)


def test_share_data_as_another_person_switches_user_and_keeps_the_data(
    page: Page, demo_site: DemoSite
) -> None:
    # claire's itsme identity belongs to her own account...
    log_in(page, demo_site, "claire")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(demo_site.url + "/")
    # ...so sharing as claire while bruno is logged in logs claire in (a new session).
    log_in(page, demo_site, "bruno")
    page.goto(demo_site.url + "/share/")
    page.get_by_role("link", name="Share my data with itsme").click()
    choose(page, "claire")
    page.locator("#approve").click()

    expect(page).to_have_url(demo_site.url + "/profile/")
    expect(page.locator("#sub")).to_have_text(IDENTITIES["claire"].sub_for(CLIENT_ID))
    expect(page.locator("#shared-name")).to_have_text("Claire de Vries")
    expect(page.locator("#shared-nationality")).to_have_text("Dutch (NLD)")
    # A Dutch passport: no Belgian national register number.
    expect(page.locator("#shared-national-number")).to_have_count(0)
