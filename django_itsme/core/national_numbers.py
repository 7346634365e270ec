"""National identification numbers: the Belgian register number's rules, and which country a
``<CC>NationalNumber`` claim belongs to (D-AREQ, D-CLAIMS; protocol notes §4.4 and §11 #15).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "NationalNumber",
    "is_valid_belgian_national_number",
    "national_number_country",
    "normalize_belgian_national_number",
]

_NATIONAL_NUMBER_LENGTH: Final = 11  # YYMMDD xxx cd (D-AREQ)
#: Separators of the printed form ``YY.MM.DD-xxx.cd`` (v1, protocol notes §11 #15).
_NATIONAL_NUMBER_SEPARATORS: Final = re.compile(r"[\s./-]")
_ELEVEN_DIGITS: Final = re.compile(r"[0-9]{11}")


def normalize_belgian_national_number(value: object) -> str | None:
    """Reduce a Belgian national register number to its 11 digits.

    Accepts ``YYMMDDxxxcd`` (v2, D-AREQ) and the printed ``YY.MM.DD-xxx.cd`` (v1; protocol notes
    §11 #15), and a JSON integer (zero-padded back to 11 digits). The check digits are *not*
    verified here; see :func:`is_valid_belgian_national_number`.

    :param value: the value as sent by itsme.
    :returns: 11 digits, or ``None`` when the value has another shape.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not 0 <= value < 10**_NATIONAL_NUMBER_LENGTH:
            return None
        value = f"{value:0{_NATIONAL_NUMBER_LENGTH}d}"
    if not isinstance(value, str):
        return None
    digits = _NATIONAL_NUMBER_SEPARATORS.sub("", value)
    return digits if _ELEVEN_DIGITS.fullmatch(digits) else None


def is_valid_belgian_national_number(value: str) -> bool:
    """Check the mod-97 check digits of a Belgian national register number.

    The last two digits equal ``97 - (first nine digits % 97)``; for people born in 2000 or later
    the nine digits are prefixed with ``2`` before the division. The century is not part of the
    number, so either form is accepted. Separators of the printed form are ignored.

    :param value: the number, as 11 digits or ``YY.MM.DD-xxx.cd``.
    :returns: ``True`` when the number has 11 digits and a matching check.
    """
    digits = normalize_belgian_national_number(value)
    if digits is None:
        return False
    body, check = digits[:9], int(digits[9:])
    return check in (97 - int(body) % 97, 97 - int("2" + body) % 97)


@dataclass(frozen=True, slots=True)
class NationalNumber:
    """A national identification number with the country that issued it (D-AREQ, D-CLAIMS:
    ``BENationalNumber``, ``RONationalNumber``, ...; protocol notes §4.4).

    :ivar country: ISO 3166-1 alpha-2 code from the claim name (``BE``, ``RO``, ...). D-AREQ's
        ``SVNationalNumber`` and D-CLAIMS' ``SINationalNumber`` are both Slovenia's (§11 #15):
        ``SI``.
    :ivar number: for ``BE`` the 11 digits (separators of ``YY.MM.DD-xxx.cd`` removed); for
        other countries the value exactly as sent (trimmed): their formats are not documented.
    """

    country: str
    number: str

    @property
    def is_valid(self) -> bool | None:
        """The mod-97 check for a Belgian number; None (not checked) for other countries."""
        if self.country != "BE":
            return None
        return is_valid_belgian_national_number(self.number)


#: ``<CC>NationalNumber`` claim suffixes (D-AREQ, D-CLAIMS).
_NATIONAL_NUMBER_CLAIM: Final = re.compile(r"([A-Z]{2})NationalNumber")
#: D-AREQ spells Slovenia's claim ``SVNationalNumber``, D-CLAIMS ``SINationalNumber`` (protocol
#: notes §11 #15); ``SV`` would be El Salvador, which itsme does not serve.
_COUNTRY_OF_CLAIM: Final[Mapping[str, str]] = MappingProxyType({"SV": "SI"})


def national_number_country(claim_suffix: str) -> str | None:
    """The country whose national number a claim carries.

    :param claim_suffix: a claim name after ``http://itsme.services/v2/claim/``, e.g.
        ``RONationalNumber``.
    :returns: the ISO 3166-1 alpha-2 code (``RO``; ``SI`` for both Slovenian spellings), or
        ``None`` when the claim is not a ``<CC>NationalNumber`` claim.
    """
    match = _NATIONAL_NUMBER_CLAIM.fullmatch(claim_suffix)
    if match is None:
        return None
    return _COUNTRY_OF_CLAIM.get(match.group(1), match.group(1))
