"""One "did you mean" for settings keys, scopes and claim names (no Django)."""

from __future__ import annotations

from django_itsme.core.claim_names import CLAIM_PREFIX, claim_name_problem, scope_problem
from django_itsme.core.config import parse_config
from django_itsme.core.spelling import did_you_mean


def test_suggests_the_closest_name() -> None:
    assert did_you_mean("CLIENT_IDD", ["CLIENT_ID", "CACHE"]) == " Did you mean 'CLIENT_ID'?"


def test_nothing_close_gives_nothing() -> None:
    assert did_you_mean("qqqqqqqq", ["CLIENT_ID", "CACHE"]) == ""
    assert did_you_mean("anything", []) == ""


def test_case_is_ignored_and_the_known_spelling_offered() -> None:
    assert did_you_mean("client_id", ["CLIENT_ID"]) == " Did you mean 'CLIENT_ID'?"
    assert did_you_mean("IDDOCUMENT", ["idDocument"]) == " Did you mean 'idDocument'?"


def test_limit_offers_several_closest_first() -> None:
    choices = ["email", "emails", "e_mail", "phone"]
    assert did_you_mean("emal", choices, limit=2) == " Did you mean 'email' or 'emails'?"
    assert did_you_mean("emal", choices) == " Did you mean 'email'?"


def test_first_of_two_names_differing_only_in_case_wins() -> None:
    assert did_you_mean("Fooo", ["foo", "FOO"]) == " Did you mean 'foo'?"


def test_compare_as_compares_a_part_and_offers_the_whole() -> None:
    uri = CLAIM_PREFIX + "BEeidSn"
    suffix = did_you_mean("BEeidSm", [uri], compare_as=lambda name: name.split("/")[-1])
    assert suffix == f" Did you mean {uri!r}?"
    assert did_you_mean("BEeidSm", [uri]) == ""  # the whole URI is too far from the word


def test_a_mapping_offers_its_keys() -> None:
    assert did_you_mean("prod", {"prd": "https://x", "e2e": "https://y"}) == " Did you mean 'prd'?"


def test_every_caller_writes_the_same_sentence() -> None:
    _config, problems = parse_config({"CLIENT_IDD": "x"})
    assert any(p.message.endswith(" Did you mean 'CLIENT_ID'?") for p in problems)
    assert "'profle'. Did you mean 'profile'?" in (scope_problem("profle") or "")
    assert "'nationalty'. Did you mean 'nationality' or " in (
        claim_name_problem("nationalty") or ""
    )
