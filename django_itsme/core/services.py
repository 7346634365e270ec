"""itsme services (one registered user flow each) and authentication levels (ACR).

A partner has several services; each has a code sent as the scope ``service:<CODE>``
(D-AUTH "Onboarding"). The ACR URIs come from D-AREQ ``acr_values`` (protocol notes §5).

Two per-service choices settle disagreements between the sources:

``acr_missing``
    The current v2 pages show ID tokens without ``acr``; D-IG2020 and S-LOGIN §2.8 say it is
    always returned (protocol notes §5, §8.2, §11 #5). ``"refuse"`` refuses an ID token without
    ``acr``; ``"assume_requested"`` accepts it, trusting the ``acr_values`` that travelled
    signed and encrypted in the request object (S-HIST). Default: refuse for ``advanced``
    (nothing else proves the itsme code was forced), accept otherwise (``basic`` is itsme's
    default level, D-AREQ). Either way the level recorded is what itsme asserted: None.
``claims_in``
    Where requested claims come back: ``"id_token"`` (D-AREQ ``claims``: itsme recommends it,
    it saves the userinfo call; protocol notes §4.2) or ``"userinfo"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .claim_names import CLAIM_PHOTO, DEFAULT_CLAIMS_MEMBER, SCOPE_CLAIMS, ClaimsMember

__all__ = [
    "ACR_ADVANCED",
    "ACR_BASIC",
    "ACR_LEVELS",
    "ACR_MISSING_CHOICES",
    "DEFAULT_CLAIMS_IN",
    "AcrLevel",
    "AcrMissing",
    "Service",
    "acr_level_of",
    "acr_satisfies",
    "default_acr_missing",
]

AcrLevel = Literal["basic", "advanced"]
#: What an ID token without ``acr`` means for a service (module docstring).
AcrMissing = Literal["refuse", "assume_requested"]
ACR_MISSING_CHOICES: tuple[AcrMissing, ...] = ("refuse", "assume_requested")
#: D-AREQ ``claims``: itsme recommends asking claims in the ID token, which saves the userinfo
#: call and its decryption (protocol notes §4.2).
DEFAULT_CLAIMS_IN: ClaimsMember = DEFAULT_CLAIMS_MEMBER

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


def default_acr_missing(required: AcrLevel | None) -> AcrMissing:
    """What a missing ``acr`` means when the service does not say (module docstring).

    :param required: the level the service requires, or None for itsme's default.
    :returns: ``"refuse"`` for ``advanced``, ``"assume_requested"`` otherwise.
    """
    return "refuse" if required == "advanced" else "assume_requested"


@dataclass(frozen=True, slots=True)
class Service:
    """One service of the partner, as configured in ``ITSME["SERVICES"]``.

    :param name: the site's own name for it (``"login"``, ``"share"``, ...).
    :param code: the service code itsme generated (sent as ``service:<code>``).
    :param scopes: extra OIDC scopes (``profile``, ``email``, ``address``, ``phone``, ``eid``).
    :param claims: friendly claim names or claim URIs, as written in the settings.
    :param acr: the authentication level required, or None for itsme's default (basic) with no
        ``acr_values`` sent.
    :param acr_missing: what an ID token without ``acr`` means; None: :func:`default_acr_missing`.
    :param claims_in: the ``claims`` member the user claims are requested in.
    """

    name: str
    code: str
    scopes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    acr: AcrLevel | None = None
    acr_missing: AcrMissing | None = None
    claims_in: ClaimsMember = DEFAULT_CLAIMS_IN

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
    def missing_acr_policy(self) -> AcrMissing:
        """What an ID token without ``acr`` means for this service (set or default)."""
        return self.acr_missing or default_acr_missing(self.acr)

    @property
    def acr_claim_request(self) -> dict[str, Any] | None:
        """The ``acr`` entry of ``claims.id_token``: essential, with the required level (OIDC
        Core §5.5.1.1), sent besides ``acr_values``; None when the service sets no level."""
        if self.acr is None:
            return None
        return {"essential": True, "values": [ACR_LEVELS[self.acr]]}

    @property
    def requests_user_data(self) -> bool:
        """Whether this service asks for any user claim beyond ``sub``."""
        return bool(self.claims) or any(s != "openid" for s in self.scopes)

    @property
    def wants_photo(self) -> bool:
        """Whether the site asked for the ID photo (``photo``, ``picture`` or the photo claim URI);
        only then is a ``picture`` URL fetched (D-AREQ)."""
        return any(name in ("photo", "picture", CLAIM_PHOTO) for name in self.claims)

    def needs_userinfo(self, id_token_claims: Mapping[str, Any]) -> bool:
        """Whether the userinfo endpoint must be called after this ID token.

        With ``claims_in`` ``"userinfo"``: whenever the service asks for user data. With
        ``"id_token"``: D-AREQ returns the claims listed under ``claims.id_token`` in the ID
        token, but OIDC Core §5.4 returns scope claims from userinfo and v2 does not say which
        applies to them (protocol notes §4.2, §11 #21). So userinfo is called only when the
        service asks for data scopes and not one of their claims came in the ID token.

        :param id_token_claims: the validated ID token's claims.
        :returns: True to call userinfo.
        """
        if not self.requests_user_data:
            return False
        if self.claims_in == "userinfo":
            return True
        scope_claims = [name for scope in self.scopes for name in SCOPE_CLAIMS.get(scope, ())]
        return bool(scope_claims) and not any(name in id_token_claims for name in scope_claims)
