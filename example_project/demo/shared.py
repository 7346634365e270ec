"""The data an itsme flow shared, kept in the visitor's session only.

django-itsme stores no personal data (only the link between a user and an itsme ``sub``); a site
that needs the shared data takes it from the ``identity_verified`` signal. This demo keeps a
display-ready copy in the session (which lives in memory, see ``SESSION_ENGINE``) and masks the
national register number before it is stored: the full number is never kept anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import pgettext_lazy

from django_itsme.core.client import UserDetails
from django_itsme.core.identity_claims import (
    Address,
    Device,
    IdentityClaims,
    Nationality,
    PlaceOfBirth,
)

__all__ = [
    "SESSION_KEY",
    "mask_national_number",
    "remember_shared_data",
    "shared_data",
    "signed_in_name",
]

#: The session key of the last shared data.
SESSION_KEY = "demo_shared_data"
#: Digits left visible at the end of a masked national register number.
VISIBLE_DIGITS = 2
#: What stands for a hidden digit.
MASK = "\u2022"
#: The length of a Belgian national register number, shown as ``YY.MM.DD-NNN.CC``.
NATIONAL_NUMBER_DIGITS = 11

#: Nationality names for the ISO 3166-1 alpha-3 codes the simulator's test people have (and
#: their neighbours); any other code is shown as it is. The context keeps them apart from the
#: language names Django translates ("German": "Deutsch" the language, "deutsch" the
#: nationality), which share a message id without it.
NATIONALITIES = {
    "BEL": pgettext_lazy("nationality", "Belgian"),
    "NLD": pgettext_lazy("nationality", "Dutch"),
    "FRA": pgettext_lazy("nationality", "French"),
    "DEU": pgettext_lazy("nationality", "German"),
    "LUX": pgettext_lazy("nationality", "Luxembourgish"),
}


def mask_national_number(number: str) -> str:
    """Hide every digit of a national register number but the last two.

    :param number: the number, with or without separators.
    :returns: e.g. ``••.••.••-•••.73`` for an 11-digit Belgian number.
    """
    digits = "".join(character for character in number if character.isdigit())
    if len(digits) == NATIONAL_NUMBER_DIGITS:
        d = digits
        shaped = f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"
    else:
        shaped = digits
    hide = len(digits) - VISIBLE_DIGITS
    masked = []
    for character in shaped:
        if character.isdigit() and hide > 0:
            masked.append(MASK)
            hide -= 1
        else:
            masked.append(character)
    return "".join(masked)


def _place(place: PlaceOfBirth | None) -> str | None:
    if place is None:
        return None
    city = place.city or place.formatted
    return ", ".join(part for part in (city, place.country) if part) or None


def _nationality(nationality: Nationality | None) -> dict[str, str] | None:
    if nationality is None:
        return None
    code = nationality.iso or nationality.as_on_document
    if not code:
        return None
    return {"code": code, "as_on_document": nationality.as_on_document or ""}


def _address(address: Address | None) -> list[str]:
    if address is None:
        return []
    town = " ".join(part for part in (address.postal_code, address.locality) if part)
    lines = [line for line in (address.street_address, town, address.country) if line]
    return lines or ([address.formatted] if address.formatted else [])


def _device(device: Device | None) -> dict[str, str] | None:
    if device is None:
        return None
    described = {
        "label": device.label or "",
        "model": " ".join(part for part in (device.manufacturer, device.model) if part),
        "system": " ".join(part for part in (device.os, device.os_release) if part),
        "app": device.app_release or "",
        "lock": device.lock_level or "",
    }
    return {key: value for key, value in described.items() if value} or None


def _display_data(identity: IdentityClaims) -> dict[str, Any]:
    """The shared data, JSON-ready and display-ready, without anything it does not show."""
    number = identity.eid.national_number if identity.eid else None
    photo = identity.photo
    data: dict[str, Any] = {
        "name": identity.name,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "birthdate": identity.birthdate.isoformat() if identity.birthdate else None,
        "place_of_birth": _place(identity.place_of_birth),
        "nationality": _nationality(identity.nationality),
        "national_number": mask_national_number(number) if number else None,
        "national_number_end": number[-VISIBLE_DIGITS:] if number else None,
        "email": identity.email,
        "phone_number": identity.phone_number,
        "address": _address(identity.address),
        "device": _device(identity.device),
        "photo": photo.to_data_uri() if photo and photo.content_type.startswith("image/") else None,
    }
    return {key: value for key, value in data.items() if value}


def remember_shared_data(
    sender: object,
    *,
    request: HttpRequest,
    details: UserDetails,
    service: str,
    **kwargs: Any,
) -> None:
    """``identity_verified`` receiver: keep what the flow shared in the session.

    A flow that shared nothing (a plain login) leaves the data of an earlier Share flow alone.
    The signal comes after the login, so the session written here is the new user's.
    """
    data = _display_data(details.identity)
    if not data:
        return
    data["service"] = service
    data["received_at"] = datetime.now(UTC).isoformat()
    request.session[SESSION_KEY] = data


def shared_data(request: HttpRequest) -> dict[str, Any] | None:
    """The data kept by :func:`remember_shared_data`, dates as dates, or None."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    data = dict(stored)
    if data.get("birthdate"):
        data["birthdate"] = date.fromisoformat(data["birthdate"])
    if data.get("received_at"):
        data["received_at"] = datetime.fromisoformat(data["received_at"])
    nationality = data.get("nationality")
    if isinstance(nationality, dict):
        data["nationality"] = {
            **nationality,
            "name": NATIONALITIES.get(nationality.get("code", ""), ""),
        }
    return data


def signed_in_name(request: HttpRequest) -> str | None:
    """The name to greet the logged-in visitor with, when one is known.

    The given and family names of the last Share flow (kept in the session), else the user's
    own first and last names. Never the username: for an itsme user it is a meaningless
    ``itsme-<sub>``.
    """
    if not request.user.is_authenticated:
        return None
    stored = request.session.get(SESSION_KEY)
    if isinstance(stored, dict):
        parts = [stored.get("given_name"), stored.get("family_name")]
        name = " ".join(str(part) for part in parts if part) or stored.get("name")
        if name:
            return str(name)
    return request.user.get_full_name().strip() or None
