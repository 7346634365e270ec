"""Confirmations as a person reads them, in the active language: descriptions, template names
and authentication levels.

The core describes a template in English (:meth:`~django_itsme.core.PaymentTemplate.describe`):
that canonical text is stored in ``Confirmation.description`` at creation and written to log
lines, and the evidence binds ``content``, never a description. Pages (the admin, a site's own
views) show this module's rendering instead, made from the bound ``content`` in the language of
the page: ``250 EUR vers BE68 5390 0754 7034`` on a French page.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .core.confirm import (
    DESCRIBE_MAX_LENGTH,
    TEMPLATE_ADV_PAYMENT,
    TEMPLATE_FREE_TEXT,
    ConfirmTemplate,
    PaymentTemplate,
    format_iban,
    template_from_dict,
)
from .core.errors import ItsmeError
from .core.services import ACR_LEVELS

if TYPE_CHECKING:
    from .models import Confirmation

__all__ = [
    "LEVEL_LABELS",
    "TEMPLATE_LABELS",
    "describe_confirmation",
    "describe_template",
    "level_label",
    "template_label",
]

#: The level names, as stored (``basic``, ``advanced``), in the active language.
LEVEL_LABELS: Final[dict[str, Promise]] = {"basic": _("basic"), "advanced": _("advanced")}
#: The Confirm templates' names (D-CONF), in the active language.
TEMPLATE_LABELS: Final[dict[str, Promise]] = {
    TEMPLATE_ADV_PAYMENT: _("payment"),
    TEMPLATE_FREE_TEXT: _("free text"),
}
#: The acr values itsme signs, back to the level names (D-AREQ ``acr_values``).
_LEVEL_OF_ACR: Final = {uri: name for name, uri in ACR_LEVELS.items()}
_ELLIPSIS: Final = "..."


def describe_template(template: ConfirmTemplate) -> str:
    """One line saying what is approved, in the active language.

    A payment reads "<amount> <currency> to <IBAN>", the IBAN in groups of four. The amount is
    shown exactly as sent to itsme, without locale grouping: D-CONF does not say whether it
    counts euros or cents (protocol notes §11 #12), and a "1.250" on a German page would read
    as a decimal to whoever compares it with the app. A free text is its own words (tags
    dropped, white space collapsed), as the core summarises it: it is never translated.

    :param template: the template, e.g. ``Confirmation.template``.
    :returns: e.g. ``250 EUR vers BE68 5390 0754 7034`` on a French page; at most
        :data:`~django_itsme.core.confirm.DESCRIBE_MAX_LENGTH` characters (ending in ``...``
        when cut).
    """
    if isinstance(template, PaymentTemplate):
        line = gettext("%(amount)s %(currency)s to %(iban)s") % {
            "amount": template.amount,
            "currency": template.currency,
            "iban": format_iban(template.iban),
        }
    else:
        line = template.describe()
    if len(line) <= DESCRIBE_MAX_LENGTH:
        return line
    return line[: DESCRIBE_MAX_LENGTH - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def describe_confirmation(confirmation: Confirmation) -> str:
    """What a confirmation approves, read from its bound ``content``, in the active language.

    :param confirmation: the record.
    :returns: the rendered description; the stored (canonical, English) ``description`` when
        ``content`` cannot be read back as a template.
    """
    try:
        template = template_from_dict(json.loads(confirmation.content))
    except (ItsmeError, ValueError, RecursionError):
        return confirmation.description
    return describe_template(template)


def level_label(acr: str) -> str:
    """An authentication level in the active language.

    :param acr: a level name (``advanced``) or the acr itsme signs
        (``http://itsme.services/v2/claim/acr_advanced``).
    :returns: e.g. ``avancé``; anything unknown unchanged.
    """
    name = _LEVEL_OF_ACR.get(acr, acr)
    label = LEVEL_LABELS.get(name)
    return str(label) if label is not None else acr


def template_label(name: str) -> str:
    """A Confirm template's name in the active language.

    :param name: ``adv_payment`` or ``free_text``.
    :returns: e.g. ``paiement``; anything unknown unchanged.
    """
    label = TEMPLATE_LABELS.get(name)
    return str(label) if label is not None else name
