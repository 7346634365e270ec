"""PKCE S256 (RFC 7636)."""

from __future__ import annotations

import re

import pytest

from django_itsme.core.pkce import code_challenge, generate_code_verifier


def test_rfc7636_appendix_b_vector() -> None:
    # RFC 7636 Appendix B: the worked S256 example.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_generated_verifiers_follow_rfc7636_section_4_1() -> None:
    verifiers = {generate_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for verifier in verifiers:
        assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", verifier)


@pytest.mark.parametrize("verifier", ["short", "a" * 129, "a" * 42 + "!", "é" * 50])
def test_bad_verifiers_are_refused(verifier: str) -> None:
    with pytest.raises(ValueError, match="43-128"):
        code_challenge(verifier)
