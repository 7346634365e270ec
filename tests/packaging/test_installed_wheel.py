"""The built sdist and wheel, and a newcomer's first hour with the installed wheel.

``tox -e package`` builds both into ``ITSME_TEST_DIST`` and runs this module. A fresh virtualenv
outside the source tree gets the wheel through README.rst's own install command; everything then
runs from a temporary directory, so ``import django_itsme`` can only find the installed copy.
There, a ``django-admin startproject`` site is set up from README.rst alone: the settings and
URLconf snippet of "The four edits" (only ``ENVIRONMENT`` is pointed at the simulator, as
"The simulator" says), the commands in the order the README gives them, the README's simulator
and runserver commands, and a login that must succeed on the first try.

The README is read, not copied: when one of its snippets changes, these tests follow it (or fail
with the README line they could not find). Without ``ITSME_TEST_DIST`` only the README tests run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.rst"
PACKAGE = ROOT / "django_itsme"
LANGUAGES = ("en", "fr", "nl", "de")
#: Seconds a server may take to accept connections; polled, so a fast start costs nothing.
SERVER_START_TIMEOUT = 60.0
#: Environment variables of the outer run that must not reach the fresh virtualenv.
LEAKY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE")
#: The test identity the simulator approves as.
IDENTITY = "alice"

DIST = os.environ.get("ITSME_TEST_DIST", "")
needs_dist = pytest.mark.skipif(
    not DIST, reason="ITSME_TEST_DIST (the built sdist and wheel) is set by `tox -e package`"
)


# ------------------------------------------------------------------ reading README.rst


def readme_section(title: str) -> str:
    """The text of the README section ``title``, up to the next heading of any level."""
    lines = README.read_text(encoding="utf-8").splitlines()
    underline = re.compile(r"^([=\-~^])\1{2,}$")
    for index, line in enumerate(lines[:-1]):
        if line == title and underline.match(lines[index + 1]):
            body: list[str] = []
            for following, nxt in zip(lines[index + 2 :], [*lines[index + 3 :], ""], strict=True):
                if following and underline.match(nxt) and len(nxt) >= len(following):
                    break
                body.append(following)
            return "\n".join(body)
    raise AssertionError(f"README.rst has no section {title!r}")


def code_blocks(section: str, language: str) -> list[str]:
    """The ``.. code-block:: <language>`` blocks of a section, dedented."""
    blocks: list[str] = []
    lines = section.splitlines()
    for index, line in enumerate(lines):
        if line.strip() != f".. code-block:: {language}":
            continue
        block: list[str] = []
        for following in lines[index + 1 :]:
            if following and not following.startswith("    "):
                break
            block.append(following[4:])
        blocks.append("\n".join(block).strip("\n") + "\n")
    return blocks


def commands(block: str) -> list[str]:
    """The commands of a shell block, without their comments."""
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


@dataclass(frozen=True)
class ReadmeSetup:
    """What README.rst tells a newcomer to do, in its own words."""

    wheel_install: str  # pip install ".../django_itsme-<version>-py3-none-any.whl[django]"
    settings: str  # appended to settings.py
    urls: str  # appended to urls.py
    setup_commands: list[str]  # python manage.py ... in the README's order
    simulator_issuer: str  # http://127.0.0.1:<port>/v2
    simulator_command: str  # python manage.py itsme_simulator --site-url ...
    runserver_command: str  # python manage.py runserver


def read_setup() -> ReadmeSetup:
    install = readme_section("Install")
    wheel_installs = [
        c
        for block in code_blocks(install, "shell")
        for c in commands(block)
        if c.startswith("pip install") and ".whl" in c
    ]
    assert len(wheel_installs) == 1, "Install: one pip install of the built wheel"

    edits = readme_section("The four edits")
    python = code_blocks(edits, "python")
    assert len(python) == 1, "The four edits: one python block"
    settings, separator, urls = python[0].partition("# urls.py\n")
    assert separator, "The four edits: the python block has a '# urls.py' part"
    setup = [c for block in code_blocks(edits, "shell") for c in commands(block)]
    assert setup, "The four edits: the shell block of setup commands"
    assert all(c.startswith("python manage.py ") for c in setup), setup

    simulator = readme_section("The simulator")
    issuer = re.search(r"point ``ENVIRONMENT`` at\s+``(http://127\.0\.0\.1:\d+/v2)``", simulator)
    assert issuer, "The simulator: 'point ``ENVIRONMENT`` at ``http://127.0.0.1:<port>/v2``'"
    run = [c for block in code_blocks(simulator, "shell") for c in commands(block)]
    simulator_commands = [c for c in run if c.startswith("python manage.py itsme_simulator")]
    runserver_commands = [c for c in run if c.startswith("python manage.py runserver")]
    assert len(simulator_commands) == len(runserver_commands) == 1, run
    return ReadmeSetup(
        wheel_install=wheel_installs[0],
        settings=settings,
        urls=urls,
        setup_commands=setup,
        simulator_issuer=issuer[1],
        simulator_command=simulator_commands[0],
        runserver_command=runserver_commands[0],
    )


def test_readme_gives_every_step_of_the_first_hour() -> None:
    """Runs everywhere: the steps the installed-wheel test follows are in README.rst."""
    setup = read_setup()
    assert setup.wheel_install.startswith('pip install "dist/django_itsme-<version>-')
    assert '"ENVIRONMENT": "e2e"' in setup.settings
    assert "LOGIN_REDIRECT_URL" in setup.settings
    # urls.py of `startproject` imports only `path`: the snippet imports what it uses.
    assert "include(" in setup.urls
    assert re.search(r"^from django\.urls import .*\binclude\b", setup.urls, re.MULTILINE)
    # Keys before anything that runs the system checks (E007 while the file is missing).
    names = [c.split()[2] for c in setup.setup_commands]
    assert names[0] == "itsme_keys", names
    assert "--out" in setup.setup_commands[0].split()
    assert "migrate" in names


# ------------------------------------------------------------------ the built distributions


def dist_file(pattern: str) -> Path:
    found = sorted(Path(DIST).glob(pattern))
    assert len(found) == 1, f"{pattern} in {DIST}: {found}"
    return found[0]


def package_files() -> set[str]:
    """Every file of the source package (compiled bytecode aside), relative to the root."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def data_files(names: set[str], prefix: str = "") -> set[str]:
    """The non-Python files a working install needs, as they must appear under ``prefix``."""
    required = {f"{prefix}django_itsme/py.typed", f"{prefix}django_itsme/migrations/__init__.py"}
    for language in LANGUAGES:
        for suffix in ("po", "mo"):
            required.add(f"{prefix}django_itsme/locale/{language}/LC_MESSAGES/django.{suffix}")
    templates = {n for n in names if n.startswith(f"{prefix}django_itsme/templates/")}
    assert {Path(t).name for t in templates} >= {"base.html", "button.html", "failure.html"}
    return required | templates


@needs_dist
def test_twine_accepts_both() -> None:
    files = [str(dist_file("*.whl")), str(dist_file("*.tar.gz"))]
    result = subprocess.run(  # noqa: S603 - our own interpreter and files
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_dist
def test_wheel_holds_the_whole_package_and_nothing_else() -> None:
    with zipfile.ZipFile(dist_file("django_itsme-*-py3-none-any.whl")) as wheel:
        names = set(wheel.namelist())
    shipped = {n for n in names if not n.startswith("django_itsme-")}  # minus .dist-info
    assert shipped == package_files()
    assert data_files(names) <= names
    assert {n for n in names if "/migrations/0" in n}, "the migrations"


@needs_dist
def test_sdist_rebuilds_the_package_and_runs_the_tests() -> None:
    with tarfile.open(dist_file("django_itsme-*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {
        "pyproject.toml",
        "README.rst",
        "CHANGELOG.rst",
        "tox.ini",
        "tests/settings.py",
        "example_project/core_workflow.py",  # tests/core/test_readme_example.py runs it
    } <= names
    assert package_files() <= names
    # Nothing private or generated from a developer's checkout.
    private = (".sqlite3", "secret_key.txt", "jwks_private.json", ".pyc", ".coverage")
    leaked = [n for n in names if n.endswith(private) or n.startswith((".tox/", ".venv", "dist/"))]
    assert not leaked


# ------------------------------------------------------------------ the installed wheel


@dataclass(frozen=True)
class Venv:
    """A fresh virtualenv with the wheel installed, and a clean environment to run it in."""

    root: Path
    env: dict[str, str]

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    def run(
        self, args: list[str], cwd: Path, *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - the venv's own tools
            args, cwd=cwd, env=self.env, capture_output=True, text=True, check=False, timeout=300
        )
        if check:
            assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
        return result

    def manage(
        self, command: str, cwd: Path, *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a README ``python manage.py ...`` line with the venv's Python."""
        args = command.split()
        assert args[:2] == ["python", "manage.py"], command
        return self.run([self.python, *args[1:]], cwd, check=check)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """The wheel, installed the README's way into a virtualenv outside the source tree."""
    root = tmp_path_factory.mktemp("venv")
    assert ROOT not in root.parents
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)  # noqa: S603
    wheel = dist_file("django_itsme-*-py3-none-any.whl")
    command = read_setup().wheel_install.replace('"', "")
    version = wheel.name.split("-")[1]
    spec = command.removeprefix("pip install ").replace("<version>", version)
    spec = spec.replace("dist/", f"{wheel.parent}/", 1)
    installed = Venv(root, env)
    installed.run([installed.python, "-m", "pip", "install", "--quiet", spec], cwd=root)
    return installed


@pytest.mark.timeout(300)
@needs_dist
def test_installed_package_comes_from_site_packages_with_its_data(
    venv: Venv, tmp_path: Path
) -> None:
    found = venv.run(
        [venv.python, "-c", "import django_itsme; print(django_itsme.__file__)"], cwd=tmp_path
    ).stdout.strip()
    installed = Path(found).parent
    assert installed.parent.name == "site-packages"
    assert venv.root in installed.parents
    names = {
        path.relative_to(installed.parent).as_posix()
        for path in installed.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert data_files(names) <= names
    assert package_files() <= names  # static files and templates included
    assert {n for n in names if "/migrations/0" in n}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited: {process.communicate()}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.mark.timeout(300)
@needs_dist
def test_a_startproject_site_set_up_from_the_readme_logs_in_first_time(
    venv: Venv, tmp_path: Path, servers: list[subprocess.Popen[str]]
) -> None:
    setup = read_setup()
    site_port, simulator_port = free_port(), free_port()
    issuer = re.sub(r":\d+/", f":{simulator_port}/", setup.simulator_issuer)
    project = tmp_path / "scratch"
    project.mkdir()
    venv.run([str(venv.root / "bin" / "django-admin"), "startproject", "scratch", "."], project)

    # The four edits, as written; ENVIRONMENT points at the simulator, as "The simulator" says.
    settings = setup.settings.replace('"ENVIRONMENT": "e2e"', f'"ENVIRONMENT": "{issuer}"')
    assert settings != setup.settings
    with (project / "scratch" / "settings.py").open("a", encoding="utf-8") as file:
        file.write("\n" + settings)
    with (project / "scratch" / "urls.py").open("a", encoding="utf-8") as file:
        file.write("\n" + setup.urls)

    # The wrong order stops at E007, whose hint names the command that writes the key file.
    early = venv.manage("python manage.py migrate", project, check=False)
    assert early.returncode != 0
    assert "django_itsme.E007" in early.stderr
    assert "manage.py itsme_keys --out " in early.stderr

    # The README's order (it ends with `check`): every command succeeds, none reports an error.
    for command in setup.setup_commands:
        result = venv.manage(command, project)
        assert '"d"' not in result.stdout  # no private key on the terminal
        assert not re.search(r"django_itsme\.E\d", result.stdout + result.stderr)
    assert (project / "jwks_private.json").stat().st_mode & 0o777 == 0o600

    # The installed catalogues translate.
    french = venv.run(
        [
            venv.python,
            "manage.py",
            "shell",
            "-c",
            "from django.utils import translation; translation.activate('fr'); "
            "print(translation.gettext('Log in with itsme'))",
        ],
        project,
    )
    # (Django 5.2's shell first says how many objects it imported.)
    assert french.stdout.strip().splitlines()[-1] == "Se connecter avec itsme"

    # The simulator and the site, started with the README's commands on free ports.
    simulator = setup.simulator_command.replace(":8000", f":{site_port}").split()
    runserver = setup.runserver_command.split()
    for args in (
        [venv.python, *simulator[1:], "--auto-approve", IDENTITY, "--quiet"],
        [venv.python, *runserver[1:], f"127.0.0.1:{site_port}", "--noreload"],
    ):
        servers.append(
            subprocess.Popen(  # noqa: S603 - the venv's own manage.py
                args,
                cwd=project,
                env=venv.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    wait_for_port(simulator_port, servers[0])
    wait_for_port(site_port, servers[1])

    site = f"http://127.0.0.1:{site_port}"
    with requests.Session() as browser:
        start = browser.get(f"{site}/itsme/login/", allow_redirects=False, timeout=30)
        assert start.status_code == 302, start.text[:500]
        assert start.headers["Location"].startswith(issuer)
        approved = browser.get(start.headers["Location"], allow_redirects=False, timeout=30)
        assert approved.status_code == 302, approved.text[:500]
        callback = approved.headers["Location"]
        assert callback.startswith(f"{site}/itsme/callback/")
        assert "code" in parse_qs(urlsplit(callback).query)
        landed = browser.get(callback, allow_redirects=False, timeout=30)
        assert landed.status_code == 302, landed.text[:500]
        assert landed.headers["Location"] == "/"  # LOGIN_REDIRECT_URL, not /accounts/profile/
        # Logged in: the admin's login page knows who this is (a non-staff user).
        admin = browser.get(f"{site}/admin/login/", timeout=30)
        assert "You are authenticated as" in admin.text
    linked = venv.run(
        [
            venv.python,
            "manage.py",
            "shell",
            "-c",
            "from django_itsme.models import ItsmeIdentity; "
            "print(ItsmeIdentity.objects.count(), ItsmeIdentity.objects.get().user.is_active)",
        ],
        project,
    )
    assert linked.stdout.strip().splitlines()[-1].split() == ["1", "True"]
