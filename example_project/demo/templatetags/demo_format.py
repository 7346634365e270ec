"""Filters for the demo's pages: ``{% load demo_format %}``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()

#: Characters per IBAN group: IBANs are printed in groups of four (ISO 13616-1 §5.3).
IBAN_GROUP = 4


@register.filter
def iban_groups(iban: str) -> SafeString:
    """An IBAN in groups of four, each an unbreakable box: a narrow screen may wrap the IBAN
    between groups, never inside one; the plain spaces between them are what a copy gives."""
    compact = "".join(str(iban).split()).upper()
    groups = [compact[start : start + IBAN_GROUP] for start in range(0, len(compact), IBAN_GROUP)]
    return format_html_join(
        " ", '<span class="iban-group">{}</span>', ((group,) for group in groups)
    )


__all__ = ["iban_groups"]
