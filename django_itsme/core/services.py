"""itsme services (one registered user flow each) and authentication levels (ACR).

A partner has several services; each has a code sent as the scope ``service:<CODE>``
(D-AUTH "Onboarding"). The ACR URIs come from D-AREQ ``acr_values`` (protocol notes §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACR_ADVANCED",
    "ACR_BASIC",
    "ACR_LEVELS",
    "AcrLevel",
    "Service",
    "acr_level_of",
    "acr_satisfies",
]

AcrLevel = Literal["basic", "advanced"]

#: D-AREQ: biometrics or itsme code; the default when no ``acr_values`` is sent.
ACR_BASIC = "http://itsme.services/v2/claim/acr_basic"
#: D-AREQ: the itsme code (PIN) is forced even when biometrics are enabled.
ACR_ADVANCED = "http://itsme.services/v2/claim/acr_advanced"

ACR_LEVELS: dict[str, str] = {"basic": ACR_BASIC, "advanced": ACR_ADVANCED}
_STRENGTH: dict[str, int] = {"basic": 1, "advanced": 2}


def acr_level_of(acr: object) -> AcrLevel | None:
    """Map a returned ``acr`` claim to a level.

    D-IG2020 and S-V2 print the returned value with a capital ``V2`` while requests use ``v2``
    (protocol notes §5 and §11 #5), so the comparison ignores case.

    :param acr: the ``acr`` claim as found in the ID token.
    :returns: ``"basic"``, ``"advanced"`` or None for anything else.
    """
    if not isinstance(acr, str):
        return None
    folded = acr.casefold()
    if folded == ACR_ADVANCED.casefold():
        return "advanced"
    if folded == ACR_BASIC.casefold():
        return "basic"
    return None


def acr_satisfies(obtained: AcrLevel | None, required: AcrLevel) -> bool:
    """Tell whether the level itsme reports meets the level the service requires.

    advanced > basic (D-AREQ: "only the strongest applies").
    """
    return obtained is not None and _STRENGTH[obtained] >= _STRENGTH[required]


@dataclass(frozen=True, slots=True)
class Service:
    """One service of the partner, as configured in ``ITSME["SERVICES"]``.

    :param name: the site's own name for it (``"login"``, ``"share"``, ...).
    :param code: the service code itsme generated (sent as ``service:<code>``).
    :param scopes: extra OIDC scopes (``profile``, ``email``, ``address``, ``phone``, ``eid``).
    :param claims: friendly claim names or claim URIs, as written in the settings.
    :param acr: the authentication level required, or None for itsme's default (basic) with no
        ``acr_values`` sent.
    """

    name: str
    code: str
    scopes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    acr: AcrLevel | None = None

    @property
    def scope(self) -> str:
        """The ``scope`` parameter: ``openid``, the service scope, then the extra scopes."""
        extra = [s for s in self.scopes if s not in ("openid", f"service:{self.code}")]
        return " ".join(["openid", f"service:{self.code}", *extra])

    @property
    def acr_values(self) -> str | None:
        """The ``acr_values`` parameter for this service, or None to send none."""
        return ACR_LEVELS[self.acr] if self.acr else None

    @property
    def requests_user_data(self) -> bool:
        """Whether this service asks for any user claim beyond ``sub``."""
        return bool(self.claims) or any(s != "openid" for s in self.scopes)
