"""What every demo page knows: the name the header greets the visitor with."""

from __future__ import annotations

from django.http import HttpRequest

from .shared import signed_in_name

__all__ = ["visitor"]


def visitor(request: HttpRequest) -> dict[str, str | None]:
    """``signed_in_name``: the logged-in visitor's name when one is known (see
    :func:`demo.shared.signed_in_name`), else None."""
    return {"signed_in_name": signed_in_name(request)}
