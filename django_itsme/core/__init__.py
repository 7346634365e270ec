"""django_itsme.core: the itsme® OpenID Connect v2 protocol in pure Python, without Django.

The vendor SDK's workflow::

    from django_itsme.core import ItsmeClient

    client = ItsmeClient.configure(                               # 1. configure
        client_id="MY_PARTNER_CODE",
        private_jwks="jwks_private.json",
        environment="e2e",
        services={"login": {"CODE": "MY_LOGIN_CODE"}},
        redirect_uri="https://example.be/itsme/callback/",
    )
    auth = client.build_authentication_request("login")          # 2. URL (+ 3. request object)
    # ... redirect the browser to auth.url, keep auth.pending() server-side ...
    code = client.parse_callback(callback_query, expected_state=auth.state)
    user = client.get_user_details(                               # 4. user details
        code, redirect_uri=auth.redirect_uri, nonce=auth.nonce,
        code_verifier=auth.code_verifier, service="login",
    )
    user.sub, user.identity.family_name

Only the Python standard library, ``requests`` and ``jwcrypto`` are imported here.
"""

from .cache import Cache, MemoryCache
from .client import AuthenticationRequest, ItsmeClient, UserDetails
from .config import PROBLEMS, ClientConfig, Problem, parse_config
from .confirm import FreeTextTemplate, PaymentTemplate
from .environments import ENVIRONMENTS
from .errors import (
    AuthorizationDenied,
    ClaimValidationError,
    ConfigurationError,
    DiscoveryError,
    ItsmeError,
    ProviderError,
    ProviderKeysError,
    SignatureError,
    TemplateError,
    TokenDecryptionError,
    TokenEndpointError,
    TokenValidationError,
    TransportError,
    TransportTimeout,
    UserinfoError,
)
from .http import HttpClient
from .identity_claims import IdentityClaims, parse_identity_claims
from .keys import PrivateKeys, load_private_keys
from .services import ACR_ADVANCED, ACR_BASIC, Service

__all__ = [
    "ACR_ADVANCED",
    "ACR_BASIC",
    "ENVIRONMENTS",
    "PROBLEMS",
    "AuthenticationRequest",
    "AuthorizationDenied",
    "Cache",
    "ClaimValidationError",
    "ClientConfig",
    "ConfigurationError",
    "DiscoveryError",
    "FreeTextTemplate",
    "HttpClient",
    "IdentityClaims",
    "ItsmeClient",
    "ItsmeError",
    "MemoryCache",
    "PaymentTemplate",
    "PrivateKeys",
    "Problem",
    "ProviderError",
    "ProviderKeysError",
    "Service",
    "SignatureError",
    "TemplateError",
    "TokenDecryptionError",
    "TokenEndpointError",
    "TokenValidationError",
    "TransportError",
    "TransportTimeout",
    "UserDetails",
    "UserinfoError",
    "load_private_keys",
    "parse_config",
    "parse_identity_claims",
]
