"""The protocol core and the simulator import and work with Django impossible to import."""

from __future__ import annotations

import subprocess
import sys
import textwrap


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
