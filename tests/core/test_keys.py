"""The site's private keys: every rule of protocol notes §2.1, and nothing private leaks."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from django_itsme.core.errors import ConfigurationError
from django_itsme.core.keygen import DEFAULT_BITS, generate_private_jwks, main
from django_itsme.core.keys import inspect_private_jwks, load_private_keys
from tests import keyfiles

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def rp_set() -> dict[str, Any]:
    return copy.deepcopy(keyfiles.load(keyfiles.RP_PRIVATE))


@pytest.mark.parametrize("kind", ["path", "str_path", "json", "dict"])
def test_sources(kind: str) -> None:
    source: Any = {
        "path": keyfiles.RP_PRIVATE,
        "str_path": str(keyfiles.RP_PRIVATE),
        "json": keyfiles.RP_PRIVATE.read_text(),
        "dict": rp_set(),
    }[kind]
    keys = load_private_keys(source)
    assert keys.signing_kid == "rp-sig-1"
    assert list(keys.decryption_keys) == ["rp-enc-1"]


def test_public_jwks_holds_public_members_only() -> None:
    keys = load_private_keys(keyfiles.RP_PRIVATE)
    published = keys.public_jwks()
    assert [k["kid"] for k in published["keys"]] == ["rp-sig-1", "rp-enc-1"]
    for key in published["keys"]:
        assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}
        assert not PRIVATE_MEMBERS & set(key)
    # Handing out a copy: changing it changes nothing inside.
    published["keys"][0]["kid"] = "tampered"
    assert keys.public_jwks()["keys"][0]["kid"] == "rp-sig-1"


def test_repr_names_kids_only() -> None:
    keys = load_private_keys(keyfiles.RP_PRIVATE)
    text = repr(keys)
    assert text == "PrivateKeys(sig='rp-sig-1', enc=[rp-enc-1])"
    secret = rp_set()["keys"][0]["d"]
    assert secret[:16] not in text


def test_first_sig_key_signs_and_every_enc_key_decrypts() -> None:
    data = rp_set()
    rotated = keyfiles.load(keyfiles.RP_ROTATED)["keys"]
    data["keys"] = [rotated[0], *data["keys"], rotated[1]]
    keys = load_private_keys(data)
    assert keys.signing_kid == "rp2-sig-1"
    assert sorted(keys.decryption_keys) == ["rp-enc-1", "rp2-enc-1"]
    assert len(keys.public_jwks()["keys"]) == 4


def _problems(source: Any) -> list[tuple[str, str]]:
    keys, problems = inspect_private_jwks(source)
    assert keys is None
    return [(p.kind, p.message) for p in problems]


def test_missing() -> None:
    assert _problems(None) == [("missing", "PRIVATE_JWKS is not set.")]
    assert _problems("") == [("missing", "PRIVATE_JWKS is not set.")]


def test_file_not_found(tmp_path: Path) -> None:
    ((kind, message),) = _problems(tmp_path / "nope.json")
    assert kind == "unreadable"
    assert "not found" in message


def test_unreadable_file(tmp_path: Path) -> None:
    ((kind, message),) = _problems(tmp_path)  # a directory
    assert kind == "unreadable"
    assert "cannot be read" in message


def test_bad_json_never_quotes_the_document() -> None:
    text = keyfiles.RP_PRIVATE.read_text()[:-10]
    ((kind, message),) = _problems(text)
    assert (kind, message) == ("unreadable", "PRIVATE_JWKS is not valid JSON.")


@pytest.mark.parametrize("data", [{"keys": []}, {"nokeys": 1}, [1, 2]])
def test_not_a_set(data: Any) -> None:
    ((kind, _message),) = _problems(data)
    assert kind == "unreadable"


def test_weak_keys_are_refused() -> None:
    problems = _problems(keyfiles.WEAK_PRIVATE)
    assert ("unusable", "PRIVATE_JWKS key 'weak-sig' has 1024 bits; at least 2048 needed.") in (
        problems
    )
    assert all(kind in ("unusable", "roles") for kind, _ in problems)


def test_public_only_keys_are_refused() -> None:
    data = keyfiles.public(keyfiles.RP_PRIVATE)
    problems = _problems(data)
    assert ("unusable", "PRIVATE_JWKS key 'rp-sig-1' has no private part ('d' is missing).") in (
        problems
    )


def test_non_rsa_key_is_refused() -> None:
    data = rp_set()
    data["keys"].append({"kty": "EC", "crv": "P-256", "kid": "ec", "use": "sig", "x": "", "y": ""})
    assert ("unusable", "PRIVATE_JWKS key 'ec' is not an RSA key (D-JOSE).") in _problems(data)


def test_corrupt_rsa_key_is_refused() -> None:
    data = rp_set()
    data["keys"][0]["n"] = "!!!"
    problems = _problems(data)
    assert problems[0] == ("unusable", "PRIVATE_JWKS key 'rp-sig-1' is not a valid RSA JWK.")


def test_key_not_an_object() -> None:
    data = rp_set()
    data["keys"].append("nope")
    assert ("unusable", "PRIVATE_JWKS key #3 is not a JSON object.") in _problems(data)


def test_exponent_must_be_aqab() -> None:
    from jwcrypto import jwk

    odd = json.loads(
        jwk.JWK.generate(kty="RSA", size=2048, public_exponent=3, kid="e3", use="sig").export()
    )
    data = rp_set()
    data["keys"].append(odd)
    assert ("unusable", "PRIVATE_JWKS key 'e3' must use e = AQAB (TB).") in _problems(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda ks: ks[0].pop("kid"), ("roles", "PRIVATE_JWKS key #1 has no 'kid' (D-JOSE).")),
        (
            lambda ks: ks[1].update(kid="rp-sig-1"),
            ("roles", "PRIVATE_JWKS repeats kid rp-sig-1."),
        ),
        (
            lambda ks: ks[0].update(use="enc", alg="RSA-OAEP"),
            ("roles", "PRIVATE_JWKS has no usable 'sig' key (D-JOSE)."),
        ),
        (
            lambda ks: ks[1].update(use="sig", alg="RS256"),
            ("roles", "PRIVATE_JWKS has no usable 'enc' key (D-JOSE)."),
        ),
        (
            lambda ks: ks[0].pop("use"),
            ("roles", "PRIVATE_JWKS key 'rp-sig-1' needs 'use': 'sig' or 'enc'."),
        ),
        (
            lambda ks: ks[0].update(alg="PS256"),
            ("roles", "PRIVATE_JWKS key 'rp-sig-1' is a sig key but alg is PS256."),
        ),
        (
            lambda ks: ks[1].update(alg="RSA1_5"),
            ("roles", "PRIVATE_JWKS key 'rp-enc-1' is an enc key but alg is RSA1_5."),
        ),
    ],
)
def test_roles_and_kids(change: Any, expected: tuple[str, str]) -> None:
    data = rp_set()
    change(data["keys"])
    assert expected in _problems(data)


def test_load_raises_the_first_problem() -> None:
    with pytest.raises(ConfigurationError, match="1024 bits"):
        load_private_keys(keyfiles.WEAK_PRIVATE)


def test_generated_sets_are_valid_and_fresh() -> None:
    first = generate_private_jwks(bits=2048)
    second = generate_private_jwks(bits=2048)
    keys = load_private_keys(first)
    assert keys.signing_kid.startswith("sig-")
    assert {k["kid"] for k in first["keys"]}.isdisjoint({k["kid"] for k in second["keys"]})
    with pytest.raises(ValueError, match="2048"):
        generate_private_jwks(bits=1024)


def test_keygen_command_writes_a_private_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "jwks.json"
    assert main(["--bits", "2048", "--out", str(target)]) == 0
    assert target.stat().st_mode & 0o777 == 0o600
    first = target.read_text(encoding="utf-8")
    load_private_keys(target)
    capsys.readouterr()
    # The same rules as ``manage.py itsme_keys``: an existing file is kept unless --force.
    with pytest.raises(SystemExit) as refused:
        main(["--bits", "2048", "--out", str(target)])
    assert refused.value.code == 2
    assert "already exists; pass --force to replace it" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == first
    assert main(["--bits", "2048", "--out", str(target), "--force"]) == 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8") != first
    load_private_keys(target)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bits", "1024"], "--bits must be between 2048 and 8192"),
        (["--bits", "8193"], "--bits must be between 2048 and 8192"),
        (["--force"], "--force only applies to --out"),
    ],
)
def test_keygen_command_refuses_bad_options(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    assert message in capsys.readouterr().err


def test_keygen_command_defaults_to_3072_bits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    keys = json.loads(capsys.readouterr().out)["keys"]
    moduli = [base64.urlsafe_b64decode(key["n"] + "==") for key in keys]
    assert [int.from_bytes(n).bit_length() for n in moduli] == [DEFAULT_BITS] * 2
    assert DEFAULT_BITS == 3072


def test_keygen_command_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bits", "2048"]) == 0
    load_private_keys(capsys.readouterr().out)
