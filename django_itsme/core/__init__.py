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
    pending = auth.pending()    # keep it server-side (to_session() / PendingFlow.from_session())
    # ... redirect the browser to auth.url; at the callback:
    user = client.finish_flow(pending, callback_query)            # 4. user details
    user.sub, user.identity.family_name

Only the Python standard library, ``requests``, ``jwcrypto`` (and its own ``cryptography``),
``python-stdnum`` and ``iso4217`` (the reference data of Confirm payment templates) are imported
here; ``python-pkcs11`` only when a PKCS#11 key store is opened (the ``hsm`` extra).
"""

from . import errors
from .cache import Cache, MemoryCache
from .client import ItsmeClient, UserDetails
from .config import PROBLEMS, ClientConfig, Problem, parse_config
from .confirm import FreeTextTemplate, PaymentTemplate
from .environments import ENVIRONMENTS
from .errors import *  # noqa: F403 - the whole tree, listed once in errors.__all__
from .flow import AuthenticationRequest, PendingFlow
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
    "Cache",
    "ClientConfig",
    "FreeTextTemplate",
    "HttpClient",
    "IdentityClaims",
    "ItsmeClient",
    "MemoryCache",
    "PaymentTemplate",
    "PendingFlow",
    "PrivateKeys",
    "Problem",
    "Service",
    "UserDetails",
    "load_private_keys",
    "parse_config",
    "parse_identity_claims",
]
__all__ += errors.__all__
