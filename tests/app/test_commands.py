"""``manage.py itsme_keys`` and ``manage.py itsme_check``, run with ``call_command``.

The online check talks to the real simulator over loopback HTTP.
"""

from __future__ import annotations

import copy
import gc
import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.test import override_settings

from django_itsme.core.keys import inspect_private_jwks
from tests import keyfiles
from tests.app.conftest import Capture

try:
    from django_itsme.simulator import Simulator
except ImportError:  # pragma: no cover - only while the simulator is being written
    Simulator = None  # type: ignore[assignment,misc]

needs_simulator = pytest.mark.skipif(
    Simulator is None, reason="django_itsme.simulator is not importable yet"
)

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}
FILE_BASED = "django.core.cache.backends.filebased.FileBasedCache"


def itsme(**changes: Any) -> dict[str, Any]:
    """The test ITSME setting with ``changes`` applied."""
    result: dict[str, Any] = copy.deepcopy(dict(settings.ITSME))
    result.update(changes)
    return result


def run(*args: str, **options: Any) -> tuple[str, str]:
    """Call a command; return what it wrote to stdout and stderr."""
    out, err = Capture(), Capture()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def simulator() -> Iterator[Any]:
    """A running simulator with the committed provider keys (no client is needed)."""
    if Simulator is None:  # pragma: no cover
        pytest.skip("django_itsme.simulator is not importable yet")
    with Simulator(keys=keyfiles.load(keyfiles.PROVIDER_PRIVATE)) as sim:
        yield sim


# ------------------------------------------------------------------ itsme_keys


def test_keys_to_stdout_is_a_usable_private_set() -> None:
    out, err = run("itsme_keys", "--bits", "2048")
    data = json.loads(out)
    assert [key["use"] for key in data["keys"]] == ["sig", "enc"]
    assert all(set(key) >= PRIVATE_MEMBERS for key in data["keys"])
    keys, problems = inspect_private_jwks(data)
    assert problems == []
    assert keys is not None
    assert err == ""


def test_keys_to_file_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "jwks_private.json"
    out, err = run("itsme_keys", "--bits", "2048", "--out", str(target))
    assert out == ""
    assert str(target) in err
    assert "keep it secret" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert inspect_private_jwks(target)[1] == []


def test_keys_refuse_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "jwks_private.json"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(CommandError, match="already exists"):
        run("itsme_keys", "--bits", "2048", "--out", str(target))
    assert target.read_text(encoding="utf-8") == "precious"


def test_keys_force_replaces_and_keeps_0600(tmp_path: Path) -> None:
    target = tmp_path / "jwks_private.json"
    run("itsme_keys", "--bits", "2048", "--out", str(target))
    first = json.loads(target.read_text(encoding="utf-8"))
    target.chmod(0o644)
    run("itsme_keys", "--bits", "2048", "--out", str(target), "--force")
    second = json.loads(target.read_text(encoding="utf-8"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert {k["kid"] for k in first["keys"]}.isdisjoint(k["kid"] for k in second["keys"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwks_private.json"]


def test_keys_into_a_missing_directory_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot write"):
        run("itsme_keys", "--bits", "2048", "--out", str(tmp_path / "no" / "keys.json"))


@pytest.mark.parametrize("bits", ["1024", "2047", "8193"])
def test_keys_refuse_bad_sizes(bits: str) -> None:
    with pytest.raises(CommandError, match="--bits must be between 2048 and 8192"):
        run("itsme_keys", "--bits", bits)


def test_keys_force_needs_out() -> None:
    with pytest.raises(CommandError, match="--force"):
        run("itsme_keys", "--force")


def test_keys_public_prints_the_configured_public_set() -> None:
    out, _err = run("itsme_keys", "--public")
    published = json.loads(out)
    expected = keyfiles.public(keyfiles.RP_PRIVATE)
    assert [k["kid"] for k in published["keys"]] == [k["kid"] for k in expected["keys"]]
    for key, full in zip(published["keys"], expected["keys"], strict=True):
        assert not PRIVATE_MEMBERS & set(key)
        assert key["n"] == full["n"]


@pytest.mark.parametrize("extra", [["--out", "x.json"], ["--force"], ["--bits", "2048"]])
def test_keys_public_takes_no_generation_options(extra: list[str]) -> None:
    with pytest.raises(CommandError, match="--public prints to standard output"):
        run("itsme_keys", "--public", *extra)


def test_keys_public_with_broken_settings_points_at_itsme_check() -> None:
    with (
        override_settings(ITSME=itsme(PRIVATE_JWKS=keyfiles.WEAK_PRIVATE)),
        pytest.raises(CommandError, match="itsme_check"),
    ):
        run("itsme_keys", "--public")


def test_keys_work_while_itsme_is_broken(capsys: pytest.CaptureFixture[str]) -> None:
    # Making the first keys must not be blocked by the system checks that complain about them:
    # run as from the command line, where Django runs the checks the command requires.
    command = load_command_class("django_itsme", "itsme_keys")
    with override_settings(ITSME=itsme(PRIVATE_JWKS=None)):
        command.run_from_argv(["manage.py", "itsme_keys", "--bits", "2048"])
    del command
    gc.collect()  # its stream wrappers go while capsys's streams are still open
    assert json.loads(capsys.readouterr().out)["keys"]


# ------------------------------------------------------------------ itsme_check


def test_check_clean_configuration() -> None:
    with override_settings(DEBUG=True):
        out, _err = run("itsme_check")
    assert out.strip() == "itsme configuration: no problems."


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_check_reports_warnings_with_ids_and_hints() -> None:
    with override_settings(DEBUG=False, CACHES=LOCMEM):
        out, _err = run("itsme_check")
    lines = out.splitlines()
    assert lines[0].startswith("django_itsme.W001 ITSME['ENVIRONMENT']: ENVIRONMENT is a plain")
    assert lines[1].startswith("    hint: Use 'e2e' or 'prd'")
    assert lines[2].startswith("django_itsme.W002 ITSME['CACHE']: ")
    assert lines[3].startswith("    hint: ")
    assert lines[4] == "itsme configuration: 2 warnings."


def test_check_respects_silenced_ids() -> None:
    silenced = ["django_itsme.W001", "django_itsme.W002"]
    with override_settings(DEBUG=False, SILENCED_SYSTEM_CHECKS=silenced):
        out, _err = run("itsme_check")
    assert out.strip() == "itsme configuration: no problems."


def test_check_errors_exit_1() -> None:
    broken = itsme(CLIENT_ID="", PRIVATE_JWKS=keyfiles.WEAK_PRIVATE)
    out = Capture()
    with (
        override_settings(DEBUG=True, ITSME=broken),
        pytest.raises(CommandError, match=r"5 errors, 0 warnings") as raised,
    ):
        call_command("itsme_check", stdout=out)
    assert raised.value.returncode == 1
    text = out.getvalue()
    assert "django_itsme.E003 ITSME['CLIENT_ID']: CLIENT_ID must be" in text
    assert text.count("django_itsme.E008 ITSME['PRIVATE_JWKS']") == 2
    assert "hint: Find it in the itsme B2B portal" in text
    for key in keyfiles.load(keyfiles.WEAK_PRIVATE)["keys"]:
        assert key["d"][:16] not in text


def test_check_errors_stop_before_going_online() -> None:
    out = Capture()
    with (
        override_settings(DEBUG=True, MIDDLEWARE=[]),
        pytest.raises(CommandError, match="2 errors") as raised,
    ):
        call_command("itsme_check", "--online", stdout=out)
    assert raised.value.returncode == 1
    assert "Discovery" not in out.getvalue()


def test_check_from_the_command_line_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    # Django's own pre-command checks must not pre-empt the report.
    command = load_command_class("django_itsme", "itsme_check")
    # No pytest.raises here: its traceback would keep the command (and its wrappers around
    # capsys's streams) alive in a reference cycle until after capsys closes those streams.
    exit_code = None
    with override_settings(ITSME=itsme(LEEWAY=-1)):
        try:
            command.run_from_argv(["manage.py", "itsme_check"])
        except SystemExit as exc:
            exit_code = exc.code
    del command
    gc.collect()  # its stream wrappers go while capsys's streams are still open
    assert exit_code == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("django_itsme.E018 ITSME['LEEWAY']: ")
    assert "CommandError: itsme configuration: 1 error, " in captured.err


@needs_simulator
def test_check_online_against_the_simulator(simulator: Any) -> None:
    with override_settings(DEBUG=True, ITSME=itsme(ENVIRONMENT=simulator.issuer)):
        out, _err = run("itsme_check", "--online")
    issuer = simulator.issuer
    assert f"Discovery: {issuer}/.well-known/openid-configuration" in out
    assert f"  issuer: {issuer}\n" in out
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert f"  {name}: {issuer}" in out
    provider = keyfiles.load(keyfiles.PROVIDER_PRIVATE)["keys"]
    for key in provider:
        assert f"kid={key['kid']} kty=RSA use={key['use']}" in out
        assert key["d"][:16] not in out
    enc_kid = next(key["kid"] for key in provider if key["use"] == "enc")
    assert f"Request objects are encrypted to kid {enc_kid}." in out
    assert out.splitlines()[-1] == "itsme online check: OK."


@needs_simulator
@pytest.mark.parametrize(
    ("fault", "code"),
    [("discovery_status", "discovery_error"), ("jwks_status", "provider_keys_error")],
)
def test_check_online_provider_failures_exit_2(simulator: Any, fault: str, code: str) -> None:
    setattr(simulator.faults, fault, 503)
    with (
        override_settings(DEBUG=True, ITSME=itsme(ENVIRONMENT=simulator.issuer)),
        pytest.raises(CommandError, match=rf"itsme online check failed \[{code}\]") as raised,
    ):
        run("itsme_check", "--online")
    assert raised.value.returncode == 2


@needs_simulator
def test_check_online_compares_discovery_with_our_choices(simulator: Any) -> None:
    with override_settings(DEBUG=True, ITSME=itsme(ENVIRONMENT=simulator.issuer)):
        out, _err = run("itsme_check", "--online")
    assert "Request object encryption: RSA-OAEP-256 / A128CBC-HS256 (chosen from" in out
    assert (
        "Token endpoint authentication: private_key_jwt "
        "(discovery lists private_key_jwt, client_secret_post)." in out
    )
    assert "ID token signing alg: we accept RS256; discovery lists RS256, HS256." in out
    assert "ID token encryption alg: we accept RSA-OAEP-256, RSA-OAEP;" in out
    assert "Our sig key rp-sig-1: alg RS256." in out
    assert "Our enc key rp-enc-1: alg RSA-OAEP-256." in out
    assert "mismatch" not in out
    assert out.splitlines()[-1] == "itsme online check: OK."


@needs_simulator
@pytest.mark.parametrize(
    ("switch", "listed"),
    [
        ("request_object_encryption_algs", ["RSA1_5"]),
        ("request_object_encryption_encs", ["A192GCM"]),
    ],
)
def test_check_online_no_common_request_object_algorithm_exits_2(
    simulator: Any, switch: str, listed: list[str]
) -> None:
    setattr(simulator.faults, switch, listed)
    out = Capture()
    with (
        override_settings(DEBUG=True, ITSME=itsme(ENVIRONMENT=simulator.issuer)),
        pytest.raises(CommandError, match=r"1 mismatch between") as raised,
    ):
        call_command("itsme_check", "--online", stdout=out, stderr=Capture())
    assert raised.value.returncode == 2
    text = out.getvalue()
    assert "Request object encryption: none usable." in text
    assert "mismatch: [no_common_algorithm]" in text
    assert repr(listed[0]) in text
    assert "itsme online check: OK." not in text


@needs_simulator
def test_check_online_reports_a_client_secret_site_the_discovery_does_not_serve(
    simulator: Any,
) -> None:
    """A discovery that lists private_key_jwt and RS256 only: a client-secret site set for HS256
    gets every mismatch named, and never its secret printed."""
    simulator.faults.discovery_private_key_jwt_only = True
    secret = "test-only-client-secret-0123456789abcdefghijklmn"
    config = itsme(
        ENVIRONMENT=simulator.issuer,
        TOKEN_AUTH_METHOD="client_secret_post",
        CLIENT_SECRET=secret,
        ID_TOKEN_SIGNING_ALG="HS256",
        PRIVATE_JWKS=None,  # a client-secret partner has no keys
    )
    out = Capture()
    with (
        override_settings(DEBUG=True, ITSME=config),
        pytest.raises(CommandError, match=r"4 mismatches between") as raised,
    ):
        call_command("itsme_check", "--online", stdout=out, stderr=Capture())
    assert raised.value.returncode == 2
    text = out.getvalue()
    assert "authentication: client_secret_post (discovery lists private_key_jwt)" in text
    assert "mismatch: TOKEN_AUTH_METHOD 'client_secret_post' is not in discovery's" in text
    assert "ID token signing alg: we accept HS256; discovery lists RS256." in text
    assert "id_token_signing_alg_values_supported lists nothing we accept (HS256)" in text
    assert "id_token_encryption_alg_values_supported lists nothing we accept (dir)" in text
    assert "request_object_signing_alg_values_supported lacks HS256" in text
    assert "Our keys: not used by a client-secret partner" in text
    assert secret not in text


@needs_simulator
def test_check_online_a_client_secret_site_the_discovery_serves_is_ok(simulator: Any) -> None:
    secret = "test-only-client-secret-0123456789abcdefghijklmn"
    config = itsme(
        ENVIRONMENT=simulator.issuer,
        TOKEN_AUTH_METHOD="client_secret_post",
        CLIENT_SECRET=secret,
        ID_TOKEN_SIGNING_ALG="HS256",
    )
    out = Capture()
    with override_settings(DEBUG=True, ITSME=config):
        call_command("itsme_check", "--online", stdout=out, stderr=Capture())
    text = out.getvalue()
    assert text.splitlines()[-1] == "itsme online check: OK.", text
    assert "mismatch" not in text
    assert secret not in text


def test_check_online_unreachable_provider_exits_2() -> None:
    issuer = f"http://127.0.0.1:{free_port()}/v2"
    with (
        override_settings(DEBUG=True, ITSME=itsme(ENVIRONMENT=issuer, HTTP_TIMEOUT=5)),
        pytest.raises(CommandError, match=r"itsme online check failed \[transport_error\]") as e,
    ):
        run("itsme_check", "--online")
    assert e.value.returncode == 2


def test_check_online_warnings_do_not_block(tmp_path: Path, simulator: Any) -> None:
    caches = {"default": {"BACKEND": FILE_BASED, "LOCATION": str(tmp_path)}}
    with override_settings(DEBUG=False, CACHES=caches, ITSME=itsme(ENVIRONMENT=simulator.issuer)):
        out, _err = run("itsme_check", "--online")
    assert out.startswith("django_itsme.W001 ")
    assert "itsme configuration: 1 warning." in out
    assert out.splitlines()[-1] == "itsme online check: OK."


# --------------------------------------------------------------------------- itsme_simulator
def test_simulator_command_registers_this_site(settings: Any) -> None:
    import requests as http

    from django_itsme.management.commands.itsme_simulator import Command
    from django_itsme.simulator.__main__ import build_simulator

    config = dict(settings.ITSME)
    config["ENVIRONMENT"] = "http://127.0.0.1:0/v2"
    settings.ITSME = config
    with pytest.raises(CommandError, match="with a port"):
        Command().simulator_arguments()
    config["ENVIRONMENT"] = "http://127.0.0.1:8123/v2"
    settings.ITSME = config
    argv = Command().simulator_arguments(
        site_url="http://127.0.0.1:9000/", service_type=["share=login"], auto_approve="bruno"
    )
    assert argv[:4] == ["--host", "127.0.0.1", "--port", "8123"]
    argv[3] = "0"  # any free port for this test
    sim = build_simulator([*argv, "--quiet"])
    (client,) = sim.clients
    assert client.client_id == "OIDC_TEST"
    assert client.jwks_uri == "http://127.0.0.1:9000/itsme/jwks.json"
    assert client.redirect_uris == ["http://127.0.0.1:9000/itsme/callback/"]
    assert client.services == {
        "TEST_LOGIN": "login",
        "TEST_SHARE": "login",
        "TEST_CONFIRM": "confirm",
    }
    assert sim.auto_approve == "bruno"
    with sim:
        document = http.get(sim.discovery_url, timeout=5).json()
        assert document["issuer"] == sim.issuer


def test_simulator_command_passes_numbered_identities_on(settings: Any) -> None:
    # The load test's numbered people (user1 ... userN) from the site's own command too.
    from django_itsme.management.commands.itsme_simulator import Command
    from django_itsme.simulator.__main__ import build_simulator

    settings.ITSME = {**settings.ITSME, "ENVIRONMENT": "http://127.0.0.1:8123/v2"}
    parser = Command().create_parser("manage.py", "itsme_simulator")
    options = vars(parser.parse_args(["--numbered-identities", "50"]))
    argv = Command().simulator_arguments(**options)
    argv[argv.index("--port") + 1] = "0"
    assert build_simulator([*argv, "--quiet"]).numbered_identities == 50
    assert "--numbered-identities" not in Command().simulator_arguments()


def test_simulator_command_needs_a_loopback_issuer(settings: Any) -> None:
    config = dict(settings.ITSME)
    config["ENVIRONMENT"] = "e2e"
    settings.ITSME = config
    with pytest.raises(CommandError, match="loopback issuer with a port"):
        call_command("itsme_simulator")


def test_simulator_command_rejects_bad_service_types() -> None:
    with pytest.raises(CommandError, match="--service-type 'nope=login'"):
        call_command("itsme_simulator", "--service-type", "nope=login")
