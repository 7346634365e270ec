"""Claim names, scopes and the ``claims`` request parameter (no Django)."""

from __future__ import annotations

import pytest

from django_itsme.core.claim_names import (
    CLAIM_BE_EID_SN,
    CLAIM_BE_NATIONAL_NUMBER,
    CLAIM_CITIZENSHIP,
    CLAIM_CITIZENSHIP_AS_ISO,
    CLAIM_DEVICE,
    CLAIM_ID_DOCUMENT_SN,
    CLAIM_ID_DOCUMENT_TYPE,
    CLAIM_ID_ISSUING_COUNTRY,
    CLAIM_ISSUANCE_LOCALITY,
    CLAIM_PHOTO,
    CLAIM_PLACE_OF_BIRTH,
    CLAIM_PREFIX,
    CLAIM_VALIDITY_FROM,
    CLAIM_VALIDITY_TO,
    FRIENDLY_CLAIMS,
    SCOPE_CLAIMS,
    STANDARD_CLAIMS,
    SUPPORTED_SCOPES,
    build_claims_request,
    claim_name_problem,
    resolve_claim_names,
    scope_problem,
)
from django_itsme.core.errors import ConfigurationError


# ----------------------------------------------------------------------------- constants
def test_claim_uris_share_the_v2_prefix() -> None:
    assert CLAIM_PREFIX == "http://itsme.services/v2/claim/"
    assert CLAIM_BE_EID_SN == "http://itsme.services/v2/claim/BEeidSn"
    for uris in FRIENDLY_CLAIMS.values():
        assert all(uri.startswith(CLAIM_PREFIX) for uri in uris)


def test_friendly_names_of_the_vendor_sdk() -> None:
    assert FRIENDLY_CLAIMS["eid"] == (
        CLAIM_BE_NATIONAL_NUMBER,
        CLAIM_BE_EID_SN,
        CLAIM_ISSUANCE_LOCALITY,
        CLAIM_VALIDITY_FROM,
        CLAIM_VALIDITY_TO,
    )
    assert FRIENDLY_CLAIMS["city_of_birth"] == (CLAIM_PLACE_OF_BIRTH,)
    assert FRIENDLY_CLAIMS["nationality"] == (CLAIM_CITIZENSHIP, CLAIM_CITIZENSHIP_AS_ISO)
    assert FRIENDLY_CLAIMS["device"] == (CLAIM_DEVICE,)
    assert FRIENDLY_CLAIMS["photo"] == (CLAIM_PHOTO,)
    assert FRIENDLY_CLAIMS["id_document"] == (
        CLAIM_ID_DOCUMENT_SN,
        CLAIM_ID_DOCUMENT_TYPE,
        CLAIM_ID_ISSUING_COUNTRY,
        CLAIM_VALIDITY_TO,
    )


def test_friendly_claims_are_read_only() -> None:
    with pytest.raises(TypeError):
        FRIENDLY_CLAIMS["eid"] = ()  # type: ignore[index]


def test_scope_table() -> None:
    assert SCOPE_CLAIMS["profile"] == (
        "family_name",
        "given_name",
        "name",
        "gender",
        "locale",
        "picture",
        "birthdate",
    )
    assert SCOPE_CLAIMS["email"] == ("email", "email_verified")
    assert SCOPE_CLAIMS["address"] == ("address",)
    assert SCOPE_CLAIMS["phone"] == ("phone_number", "phone_number_verified")
    assert SCOPE_CLAIMS["eid"] == (CLAIM_BE_NATIONAL_NUMBER, CLAIM_BE_EID_SN)
    assert {"openid", "profile", "email", "address", "phone", "eid"} <= SUPPORTED_SCOPES


def test_standard_claims_include_oidc_and_age_checks() -> None:
    assert {"sub", "name", "birthdate", "address", "updated_at"} <= STANDARD_CLAIMS
    assert {"age_gte_16", "age_gte_18", "age_gte_21", "age_gte_30"} <= STANDARD_CLAIMS


# ----------------------------------------------------------------------------- claim names
def test_resolve_friendly_name() -> None:
    assert resolve_claim_names(["nationality"]) == (CLAIM_CITIZENSHIP, CLAIM_CITIZENSHIP_AS_ISO)


def test_resolve_keeps_order_and_drops_duplicates() -> None:
    resolved = resolve_claim_names(["photo", "eid", CLAIM_BE_EID_SN, "photo", "given_name"])
    assert resolved == (CLAIM_PHOTO, *FRIENDLY_CLAIMS["eid"], "given_name")


@pytest.mark.parametrize(
    "name",
    [
        CLAIM_BE_EID_SN,
        CLAIM_PREFIX + "some_future_claim",
        "https://example.com/claims/loyalty",
        "urn:example:claim",
        "birthdate",
        "age_gte_18",
    ],
)
def test_uris_and_standard_claims_pass_through(name: str) -> None:
    assert claim_name_problem(name) is None
    assert resolve_claim_names([name]) == (name,)


def test_single_string_is_one_name_not_letters() -> None:
    assert resolve_claim_names("photo") == (CLAIM_PHOTO,)


def test_unknown_name_suggests_close_match() -> None:
    with pytest.raises(ConfigurationError, match=r"'nationalty'.*Did you mean 'nationality'"):
        resolve_claim_names(["nationalty"])


def test_bare_itsme_suffix_suggests_full_uri() -> None:
    problem = claim_name_problem("BEeidSn")
    assert problem is not None
    assert repr(CLAIM_BE_EID_SN) in problem


def test_wrong_case_suggests_friendly_name() -> None:
    problem = claim_name_problem("EID")
    assert problem is not None
    assert "Did you mean 'eid'" in problem


def test_unknown_name_without_close_match_lists_friendly_names() -> None:
    problem = claim_name_problem("qqqqqqqq")
    assert problem is not None
    assert "Did you mean" not in problem
    assert "city_of_birth" in problem


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        ("tag:sixdots.be,2016-06:claim_eid", "'eid'"),
        ("tag:sixdots.be,2016-06:claim_nationality", "'nationality'"),
        ("tag:sixdots.be,2017-05:claim_photo", "'photo'"),
        ("tag:sixdots.be,2016-06:claim_city_of_birth", "'city_of_birth'"),
    ],
)
def test_v1_names_are_refused_with_replacement(name: str, replacement: str) -> None:
    with pytest.raises(ConfigurationError, match="v1") as caught:
        resolve_claim_names([name])
    assert "v2" in caught.value.message
    assert f"use {replacement} instead" in caught.value.message


def test_v1_name_without_known_replacement_is_refused() -> None:
    problem = claim_name_problem("tag:sixdots.be,2016-08:claim_approval_text_key")
    assert problem is not None
    assert "v1" in problem
    assert "instead" not in problem


def test_typo_v1_prefix_is_refused() -> None:
    problem = claim_name_problem("tag:itsmetag:sixdots.be,2016-06:claim_eid")
    assert problem is not None
    assert "v1" in problem


@pytest.mark.parametrize("name", ["", "   ", " eid", CLAIM_PREFIX])
def test_empty_padded_or_prefix_only_names_are_refused(name: str) -> None:
    assert claim_name_problem(name) is not None


def test_claim_name_problem_accepts_friendly_name() -> None:
    assert claim_name_problem("eid") is None


# ----------------------------------------------------------------------------- scopes
@pytest.mark.parametrize("scope", ["openid", "profile", "eid", "idDocument", "service:BANK"])
def test_scope_accepted(scope: str) -> None:
    assert scope_problem(scope) is None


def test_scope_unknown_suggests() -> None:
    problem = scope_problem("profle")
    assert problem is not None
    assert "Did you mean 'profile'" in problem


@pytest.mark.parametrize("scope", ["service:", "", "two words", "Profile2000xyz"])
def test_scope_refused(scope: str) -> None:
    assert scope_problem(scope) is not None


# ----------------------------------------------------------------------------- claims request
def test_claims_request_lists_scope_claims_then_claims() -> None:
    request = build_claims_request(scopes=["openid", "service:X", "email"], claims=["photo"])
    assert request == {
        "userinfo": {"email": None, "email_verified": None, CLAIM_PHOTO: None},
    }
    assert list(request["userinfo"]) == ["email", "email_verified", CLAIM_PHOTO]


def test_claims_request_in_id_token_member() -> None:
    request = build_claims_request(scopes=["phone"], claims=[], member="id_token")
    assert request == {"id_token": {"phone_number": None, "phone_number_verified": None}}


def test_claims_request_deduplicates_scope_and_friendly_eid() -> None:
    request = build_claims_request(scopes="openid eid", claims=["eid"])
    assert list(request["userinfo"]) == list(FRIENDLY_CLAIMS["eid"])


def test_claims_request_empty_when_nothing_asked() -> None:
    assert build_claims_request(scopes=["openid", "service:X"], claims=[]) == {}


def test_claims_request_refuses_unknown_scope() -> None:
    with pytest.raises(ConfigurationError, match="profle"):
        build_claims_request(scopes=["profle"], claims=[])


def test_claims_request_refuses_unknown_claim() -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'photo'"):
        build_claims_request(scopes=[], claims=["phto"])


def test_claims_request_refuses_unknown_member() -> None:
    with pytest.raises(ConfigurationError, match="userinfo"):
        build_claims_request(scopes=[], claims=["photo"], member="access_token")  # type: ignore[arg-type]


def test_fraud_signals_friendly_name() -> None:
    names = resolve_claim_names(["fraud_signals"])
    assert CLAIM_DEVICE in names
    for suffix in ("app", "account", "identification_mode", "transaction_ip", "ongoing_call"):
        assert CLAIM_PREFIX + suffix in names
