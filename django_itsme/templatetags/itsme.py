"""``{% load itsme %}``: the "Log in with itsme" button.

::

    {% load itsme %}
    {% itsme_button %}
    {% itsme_button service="share" next=request.path size="large" %}
    {% translate "Share my data with itsme" as share_label %}
    {% itsme_button "share" label=share_label %}
    {% itsme_button link=True next=request.path %}

The button is a plain link to ``itsme:login`` (or, with ``link=True``, to ``itsme:link``: a
logged-in user links their itsme identity to their account) with ``?service=`` and ``?next=``
(so it works without JavaScript), drawn in this app's own neutral style: it is *not* itsme's
official artwork.
A site that must use the official button keeps its own markup and links to the same URL.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from django import template
from django.template.context import Context
from django.urls import reverse
from django.utils.translation import gettext

from django_itsme.conf import get_settings

__all__ = ["BUTTON_SIZES", "itsme_button"]

register = template.Library()

#: The sizes the button comes in; each is a CSS modifier class ``itsme-btn--<size>``.
BUTTON_SIZES: Final = ("small", "medium", "large")
#: The service a button starts when none is named (``itsme:login`` has the same default).
DEFAULT_SERVICE: Final = "login"
#: Where the first button rendered by a template notes that the style sheet is already on the
#: page, so that a page with several buttons carries it once.
_STYLE_EMITTED: Final = "django_itsme.button_style_emitted"
#: The word that tells a reader the button uses itsme; a label without it gets an ``aria-label``.
_BRAND: Final = "itsme"


def _default_label(service: str, *, link: bool) -> str:
    """The visible text of a button without a ``label``, in the active language."""
    if link:
        return gettext("Link my itsme identity")
    if service == DEFAULT_SERVICE:
        return gettext("Log in with itsme")
    return gettext("Continue with itsme")


@register.inclusion_tag("django_itsme/button.html", takes_context=True)
def itsme_button(
    context: Context,
    service: str = DEFAULT_SERVICE,
    next: str | None = None,  # shadows the builtin: it is the argument name templates use
    size: str = "medium",
    label: str | None = None,
    *,
    link: bool = False,
) -> dict[str, Any]:
    """Render a link that starts an itsme flow.

    :param service: a service name of ``ITSME["SERVICES"]`` (default ``login``).
    :param next: where to go after a successful flow, a URL on this site (``itsme:login`` checks
        it again and falls back to ``LOGIN_REDIRECT_URL``); omitted when empty.
    :param size: ``small``, ``medium`` (default) or ``large``.
    :param label: the visible text; default "Log in with itsme" for ``login``, "Link my itsme
        identity" with ``link``, else "Continue with itsme". A label that does not mention itsme
        gets an ``aria-label`` that starts with the label and adds it, so screen-reader users
        hear where the button leads.
    :param link: start ``itsme:link`` instead of ``itsme:login``: the flow links the itsme
        identity to the logged-in user (the only way an identity is linked to an existing account).
    :returns: the button template's context.
    :raises TemplateSyntaxError: an unknown service or size (the message lists the valid ones).
    :raises ImproperlyConfigured: ``settings.ITSME`` is invalid (see ``manage.py check``).
    """
    services = get_settings().client.services
    if service not in services:
        configured = ", ".join(repr(name) for name in services) or "none"
        raise template.TemplateSyntaxError(
            f"itsme_button: no itsme service named {str(service)[:64]!r} is configured; "
            f"ITSME['SERVICES'] has {configured}."
        )
    if size not in BUTTON_SIZES:
        raise template.TemplateSyntaxError(
            f"itsme_button: size must be one of {', '.join(BUTTON_SIZES)}, not {str(size)[:32]!r}."
        )
    query = {"service": service}
    if next:
        query["next"] = str(next)
    text = str(label) if label else _default_label(service, link=bool(link))
    aria_label = None
    if _BRAND not in text.lower():
        aria_label = gettext("%(label)s (with itsme)") % {"label": text}
    render_context = context.render_context
    include_style = not render_context.get(_STYLE_EMITTED, False)
    render_context[_STYLE_EMITTED] = True
    return {
        "href": reverse("itsme:link" if link else "itsme:login") + "?" + urlencode(query, safe="/"),
        "label": text,
        "aria_label": aria_label,
        "size": size,
        "include_style": include_style,
    }
