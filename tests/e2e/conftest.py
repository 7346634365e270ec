"""Browser tests of the example project: the real demo site and simulator, driven by chromium.

The example project has its own settings (``example_project/demo/settings.py``), so it runs as
two real processes, exactly as ``scripts/demo`` starts it: ``manage.py itsme_simulator`` and
``manage.py runserver --noreload``, each on a free loopback port, with a fresh SQLite database
and a fresh key set in a temporary directory. This process only drives the browser: it never
touches a database, so pytest-django (configured with ``tests.settings`` for the other suites)
has nothing to do here, and no test in this directory may use the ``db`` fixtures.

Each test gets a fresh browser context (no cookies shared between tests) and leaves a full-page
screenshot of its final page in ``artifacts/screenshots/<test name>.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PROJECT = ROOT / "example_project"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Seconds a process gets to answer HTTP after it starts, and to exit after SIGTERM.
STARTUP_TIMEOUT = 30
SHUTDOWN_TIMEOUT = 10
#: Milliseconds Playwright waits for an element or a navigation.
PAGE_TIMEOUT = 10_000
#: The default browser window.
DESKTOP = {"width": 1280, "height": 900}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: browser tests of the example project (Playwright and Debian chromium)"
    )


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def require_browser() -> None:
    """Skip the calling test module when the browser tests cannot run here; in CI, fail it.

    Call it at module level before importing playwright.
    """
    missing = browser_missing()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"The browser tests must run in CI, but {missing}.", pytrace=False)
    pytest.skip(f"Browser tests skipped: {missing}.", allow_module_level=True)


@dataclass(frozen=True)
class DemoSite:
    """The running example project.

    :ivar url: the site, e.g. ``http://127.0.0.1:40123`` (no trailing slash).
    :ivar issuer: the simulator's issuer, e.g. ``http://127.0.0.1:40124/v2``.
    :ivar logs: the directory holding each process's output.
    """

    url: str
    issuer: str
    logs: Path

    @property
    def simulator_url(self) -> str:
        """The simulator's origin: its approval page lives under it."""
        return self.issuer.removesuffix("/v2")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines each process wrote, to explain a failure."""
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            parts.append(f"--- {log.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _manage(*arguments: str) -> list[str]:
    return [sys.executable, "manage.py", *arguments]


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``url`` until it answers 200; fail early when the process dies."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            pytest.fail(f"{log.stem} exited with status {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as error:
            error.close()
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer within {STARTUP_TIMEOUT} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The example project and its simulator, running until the end of the session."""
    workdir = tmp_path_factory.mktemp("demo")
    site_port, simulator_port = _free_port(), _free_port()
    site = DemoSite(
        url=f"http://127.0.0.1:{site_port}",
        issuer=f"http://127.0.0.1:{simulator_port}/v2",
        logs=workdir,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "ITSME_DEMO_ISSUER": site.issuer,
        "ITSME_DEMO_DATABASE": str(workdir / "db.sqlite3"),
        "ITSME_DEMO_JWKS": str(workdir / "jwks_private.json"),
        # Every browser test starts flows from 127.0.0.1: far more than the 20 a minute one
        # address may start by default (the limit itself is tested in tests/app/test_throttle.py).
        "ITSME_DEMO_FLOW_START_LIMIT": "10000",
        "PYTHONUNBUFFERED": "1",
    }
    keygen = [sys.executable, "-m", "django_itsme.core.keygen", "--bits", "2048", "--out"]
    prepare = [[*keygen, env["ITSME_DEMO_JWKS"]], _manage("migrate", "--noinput", "-v", "0")]
    for command in prepare:
        done = subprocess.run(  # noqa: S603 - our own fixed command lines
            command, cwd=EXAMPLE_PROJECT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"

    servers = {
        "simulator": (
            _manage("itsme_simulator", "--site-url", site.url),
            site.issuer + "/.well-known/openid-configuration",
        ),
        "site": (
            _manage("runserver", f"127.0.0.1:{site_port}", "--noreload"),
            site.url + "/",
        ),
    }
    with ExitStack() as stack:
        for name, (command, ready_url) in servers.items():
            log_path = workdir / f"{name}.log"
            log: IO[bytes] = stack.enter_context(log_path.open("wb"))
            process = subprocess.Popen(  # noqa: S603 - our own fixed command lines
                command,
                cwd=EXAMPLE_PROJECT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, process)
            _wait_until_answering(ready_url, process, log_path)
        yield site


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest, demo_site: DemoSite) -> Iterator[Page]:
    """A page in a fresh browser context (English, desktop size); screenshotted at the end."""
    from playwright.sync_api import Error as PlaywrightError

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(PAGE_TIMEOUT)
    browser_page = context.new_page()
    try:
        yield browser_page
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            browser_page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
        except PlaywrightError as error:  # a crashed page must not hide the test's own failure
            sys.stderr.write(f"no screenshot for {request.node.name}: {error}\n")
        finally:
            context.close()


class Pages:
    """Opens pages, each in a fresh browser context; the ``pages`` fixture closes them all at
    the end of the test."""

    def __init__(self, chromium: Browser) -> None:
        self._chromium = chromium
        self._opened: list[Page] = []

    def open(
        self,
        site: DemoSite | None = None,
        *,
        language: str = "en",
        viewport: dict[str, int] = DESKTOP,
        locale: str = "en-US",
    ) -> Page:
        """A page of a fresh context asking for ``locale``; with ``site``, the demo's language
        cookie is set to ``language`` (what its language form sets), so the demo sends
        ``ui_locales`` in that language."""
        context = self._chromium.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
        context.set_default_timeout(PAGE_TIMEOUT)
        if site is not None:
            context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        page = context.new_page()
        self._opened.append(page)
        return page

    def close(self) -> None:
        for page in self._opened:
            page.context.close()
        self._opened.clear()


@pytest.fixture
def pages(chromium: Browser) -> Iterator[Pages]:
    """Open pages in fresh browser contexts, closed at the end of the test."""
    opened = Pages(chromium)
    try:
        yield opened
    finally:
        opened.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot in ``artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def log_in_with_itsme(page: Page, site: DemoSite, identity: str = "alice") -> None:
    """Log in on the demo with its itsme button, approving as ``identity`` on the simulator's
    page; ends on the profile page."""
    from playwright.sync_api import expect

    page.goto(site.url + "/login/")
    page.locator("main a.itsme-btn").first.click()
    page.locator(f"#identity-{identity}").check()
    page.locator("#approve").click()
    expect(page).to_have_url(site.url + "/profile/")
