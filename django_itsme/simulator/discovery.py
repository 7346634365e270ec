"""The OpenID Provider metadata document served at ``/v2/.well-known/openid-configuration``.

No copy of itsme's live v2 discovery document is public (protocol notes §1.5, §11 #1); the
values below are the ones the v2 documentation implies (D-AUTH, D-AREQ, D-JOSE).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .jose import SECRET_SIGNING_ALG
from .pages import CLAIM_LABELS
from .protocol import (
    ACR_LEVELS,
    CONTENT_ENCS,
    DATA_SCOPES,
    DISPLAY_VALUES,
    GRANT_TYPE,
    KEY_ALGS,
    PKCE_METHOD,
    SIGNING_ALG,
    UI_LOCALES,
)

#: How a client-secret partner authenticates at the token endpoint (D-AUTH "Token Request").
SECRET_AUTH_METHOD = "client_secret_post"  # noqa: S105 - a method name, not a secret
#: The JWE ``alg`` of a client-secret partner's ID token and userinfo (D-AUTH example header).
DIRECT_KEY_ALG = "dir"


def endpoint_urls(issuer: str) -> dict[str, str]:
    """Derive the endpoint URLs from the issuer (D-AUTH endpoint table).

    :param issuer: e.g. ``http://127.0.0.1:8123/v2``.
    :returns: endpoint name -> URL.
    """
    return {
        "authorization_endpoint": issuer + "/authorization",
        "token_endpoint": issuer + "/token",
        "userinfo_endpoint": issuer + "/userinfo",
        "jwks_uri": issuer + "/jwkSet",
    }


def discovery_document(
    issuer: str,
    *,
    encryption_algs: Sequence[str] | None = None,
    encryption_encs: Sequence[str] | None = None,
    client_secret: bool = True,
) -> dict[str, Any]:
    """Build the provider metadata.

    :param issuer: the issuer URL.
    :param encryption_algs: replaces the request-object JWE ``alg`` list (a variant: the real
        list is not public, protocol notes §1.5).
    :param encryption_encs: replaces the request-object JWE ``enc`` list.
    :param client_secret: list what client-secret partners use besides ``private_key_jwt``
        (v2 serves them since 2025-06-25, protocol notes §1.2): ``client_secret_post``, HS256
        request objects and ID tokens, ``dir`` ID-token and userinfo encryption. Whether itsme's
        live document lists them is not known (§1.5): False plays a private_key_jwt-only one.
    :returns: the JSON-compatible document.
    """
    secret_methods = [SECRET_AUTH_METHOD] if client_secret else []
    secret_signing = [SECRET_SIGNING_ALG] if client_secret else []
    secret_key_algs = [DIRECT_KEY_ALG] if client_secret else []
    claims = sorted({"sub", "iss", "aud", "exp", "iat", "acr", "auth_time", "nonce", *CLAIM_LABELS})
    return {
        "issuer": issuer,
        **endpoint_urls(issuer),
        "scopes_supported": ["openid", *DATA_SCOPES],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [GRANT_TYPE],
        "subject_types_supported": ["pairwise"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", *secret_methods],
        "token_endpoint_auth_signing_alg_values_supported": [SIGNING_ALG],
        "request_object_signing_alg_values_supported": [SIGNING_ALG, *secret_signing],
        "request_object_encryption_alg_values_supported": list(
            KEY_ALGS if encryption_algs is None else encryption_algs
        ),
        "request_object_encryption_enc_values_supported": list(
            CONTENT_ENCS if encryption_encs is None else encryption_encs
        ),
        "id_token_signing_alg_values_supported": [SIGNING_ALG, *secret_signing],
        "id_token_encryption_alg_values_supported": [*KEY_ALGS, *secret_key_algs],
        "id_token_encryption_enc_values_supported": list(CONTENT_ENCS),
        "userinfo_signing_alg_values_supported": [SIGNING_ALG, *secret_signing],
        "userinfo_encryption_alg_values_supported": [*KEY_ALGS, *secret_key_algs],
        "userinfo_encryption_enc_values_supported": list(CONTENT_ENCS),
        "claims_supported": claims,
        "claims_parameter_supported": True,
        "acr_values_supported": list(ACR_LEVELS),
        "code_challenge_methods_supported": [PKCE_METHOD],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "require_request_uri_registration": False,
        "display_values_supported": list(DISPLAY_VALUES),
        "ui_locales_supported": list(UI_LOCALES),
    }
