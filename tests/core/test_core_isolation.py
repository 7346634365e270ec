"""The protocol core and the simulator import and work with Django impossible to import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def test_core_and_simulator_never_import_django() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["django"] = None  # any "import django" now raises ImportError
        import django_itsme.core
        import django_itsme.core.keygen
        import django_itsme.simulator
        from django_itsme.core import ItsmeClient, MemoryCache
        from tests import keyfiles
        client = ItsmeClient.configure(
            client_id="OIDC_TEST",
            private_jwks=keyfiles.RP_PRIVATE,
            environment="e2e",
            services={"login": {"CODE": "X"}},
        )
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "django" and sys.modules[m])
        print("ok", client.config.issuer, loaded)
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok https://idp.e2e.itsme.services/v2 []"


def test_the_core_imports_only_its_declared_dependencies() -> None:
    # Every core module imported: the third-party modules loaded must come from the packages
    # pyproject.toml lists as ``dependencies`` (or what they need), never from an extra
    # (python-pkcs11 is imported only when a PKCS#11 store is opened, the "hsm" extra).
    script = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        import django_itsme.core as core
        for info in pkgutil.iter_modules(core.__path__, core.__name__ + "."):
            importlib.import_module(info.name)
        top = {name.split(".")[0] for name, module in list(sys.modules.items()) if module}
        print(json.dumps(sorted(top - set(sys.stdlib_module_names) - {"django_itsme", "tests"})))
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    owners = metadata.packages_distributions()
    distributions = {canonicalize_name(d) for name in loaded for d in owners.get(name, [])}
    assert "pkcs11" not in loaded
    assert distributions - {"coverage", "setuptools"} <= _declared_dependencies()


def _declared_dependencies() -> set[str]:
    """``[project] dependencies`` and, recursively, what they require (normalised names)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pending = [Requirement(text).name for text in project["dependencies"]]
    seen: set[str] = set()
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return seen
