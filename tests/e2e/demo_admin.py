"""The demo's admin for the browser tests: a superuser in the running demo's database, a login,
and a layout probe that finds anything past the right edge.

The demo itself (``scripts/demo``) prints a random admin password once; the tests never read
it. They create their own superuser with a fresh random password in the test demo's database
(the same ``manage.py`` and environment as the running site, see conftest.py).
"""

from __future__ import annotations

import functools
import os
import secrets
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.e2e.conftest import EXAMPLE_PROJECT, DemoSite

if TYPE_CHECKING:
    from playwright.sync_api import Page

ADMIN_USERNAME = "e2e-admin"

#: Elements inside the page that reach past the viewport's right edge, and scroll boxes whose
#: content is wider than the box (content hidden to the right): "tag#id.class (right/width)".
_OVERFLOW_PROBE = """() => {
    const width = document.documentElement.clientWidth;
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className
            ? '.' + e.className.split(' ').join('.') : '');
    const found = [];
    if (document.documentElement.scrollWidth > width) {
        found.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const e of document.querySelectorAll('body *')) {
        const box = e.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1) {
            found.push(`${name(e)} right=${Math.round(box.right)}`);
        }
        const style = getComputedStyle(e);
        // A screen-reader-only text is a 1 px box that hides its content on purpose.
        if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && e.clientWidth > 1
                && e.scrollWidth > e.clientWidth + 1) {
            found.push(`${name(e)} scrollWidth=${e.scrollWidth} clientWidth=${e.clientWidth}`);
        }
    }
    return found;
}"""


def _environment(site: DemoSite) -> dict[str, str]:
    """The environment the demo runs with (conftest.py's ``demo_site``)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "ITSME_DEMO_ISSUER": site.issuer,
        "ITSME_DEMO_DATABASE": str(site.logs / "db.sqlite3"),
        "ITSME_DEMO_JWKS": str(site.logs / "jwks_private.json"),
    }


@functools.cache
def admin_password(site: DemoSite) -> str:
    """Create the tests' superuser in the running demo's database, once per demo.

    :returns: its random password.
    """
    password = secrets.token_urlsafe(18)
    done = subprocess.run(  # noqa: S603 - our own fixed command line
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN_USERNAME,
            "--email",
            "e2e-admin@example.com",
        ],
        cwd=EXAMPLE_PROJECT,
        env={**_environment(site), "DJANGO_SUPERUSER_PASSWORD": password},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"createsuperuser:\n{done.stdout}\n{done.stderr}"
    return password


def log_in_to_admin(page: Page, site: DemoSite) -> None:
    """Log in to the demo's admin with the tests' superuser (the page's language applies)."""
    page.goto(site.url + "/admin/login/?next=/admin/")
    page.locator("#id_username").fill(ADMIN_USERNAME)
    page.locator("#id_password").fill(admin_password(site))
    page.locator("input[type=submit]").click()
    page.wait_for_url(site.url + "/admin/")


def past_the_right_edge(page: Page) -> list[str]:
    """What reaches past the viewport's right edge, or hides in a scroll box; [] when nothing.

    :returns: one line per element, naming it and its overflow.
    """
    found: list[str] = page.evaluate(_OVERFLOW_PROBE)
    return found
