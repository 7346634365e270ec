"""An itsme®-compatible OpenID Provider for tests and local development.

Django-free (standard library, jwcrypto and requests only) and written independently of
``django_itsme.core``, so that tests of the relying party exercise real protocol behaviour.

Example::

    from django_itsme.simulator import RegisteredClient, Simulator

    client = RegisteredClient(
        client_id="OIDC_TEST",
        jwks_uri="http://127.0.0.1:8123/jwks.json",
        redirect_uris=["http://127.0.0.1:8000/itsme/callback/"],
        services={"TEST_LOGIN": "login"},
    )
    with Simulator(clients=[client], auto_approve="alice") as sim:
        print(sim.issuer)  # http://127.0.0.1:<port>/v2

Run it in the foreground with ``python -m django_itsme.simulator --help``.
"""

from __future__ import annotations

from .confirm import ConfirmTemplate
from .facade import Simulator
from .faults import Faults
from .identities import IDENTITIES, PHOTO_JPEG, Identity, pairwise_sub
from .protocol import ACR_ADVANCED, ACR_BASIC, CLAIM_PREFIX
from .provider import IDENTITY_HEADER, AuthorizationRecord
from .registry import RegisteredClient, ServiceType
from .requestlog import LoggedRequest

__all__ = [
    "ACR_ADVANCED",
    "ACR_BASIC",
    "CLAIM_PREFIX",
    "IDENTITIES",
    "IDENTITY_HEADER",
    "PHOTO_JPEG",
    "AuthorizationRecord",
    "ConfirmTemplate",
    "Faults",
    "Identity",
    "LoggedRequest",
    "RegisteredClient",
    "ServiceType",
    "Simulator",
    "pairwise_sub",
]
