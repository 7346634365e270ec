"""Django admin: identities (found by user or sub; who they belong to is read-only) and
confirmations (read-only records whose evidence is re-verified, and anchored, on display).

Pages fit a 1280 px screen with the navigation sidebar and filters open: lists show short
columns (long names and subs are cut, their full text in a tooltip), and the signed ID token and
keys wrap inside monospace blocks (``static/django_itsme/admin.css``). Descriptions, template
names and levels are shown in the page's language (:mod:`django_itsme.descriptions`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Field
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .core.errors import ItsmeError
from .core.evidence import EvidenceError, EvidenceResult, UnanchoredKeyError
from .descriptions import describe_template, level_label, template_label
from .models import Confirmation, ItsmeIdentity

if TYPE_CHECKING:
    IdentityAdminBase = admin.ModelAdmin[ItsmeIdentity]
    ConfirmationAdminBase = admin.ModelAdmin[Confirmation]
else:
    IdentityAdminBase = admin.ModelAdmin
    ConfirmationAdminBase = admin.ModelAdmin

logger = logging.getLogger("django_itsme")

#: Where the verdict of one confirmation is kept while its page renders (it is shown in several
#: fields, and verified once).
_VERDICT_ATTRIBUTE = "_itsme_evidence_verdict"
#: The admin pages' stylesheet: wrapping blocks for tokens and keys, cut list cells.
ADMIN_CSS: Final = "django_itsme/admin.css"
#: Characters of a user name shown in a list; the whole name is in the cell's tooltip. Generated
#: user names (``itsme-`` and 36 characters) would take a third of a 1280 px list.
LIST_NAME_LENGTH: Final = 16
#: Characters of a ``sub`` shown in a list (enough to tell two apart); the rest in the tooltip.
LIST_SUB_LENGTH: Final = 10
#: Characters of a description shown in a list (it wraps at spaces onto a second line when the
#: column is narrow); the whole one-line description is in the tooltip.
LIST_DESCRIPTION_LENGTH: Final = 48
_CUT: Final = "\u2026"
_USERNAME_FIELD: Final = get_user_model().USERNAME_FIELD


def _cut(text: str, length: int, *, tag: str = "span") -> SafeString:
    """``text`` cut to ``length`` characters in a ``.itsme-cut`` element, whole in its title."""
    shown = text if len(text) <= length else text[: length - 1].rstrip() + _CUT
    if tag == "code":
        return format_html('<code class="itsme-cut" title="{}">{}</code>', text, shown)
    return format_html('<span class="itsme-cut" title="{}">{}</span>', text, shown)


def _short_date(value: datetime | None, *, time: bool = True) -> str:
    """A date (and time) in the locale's short format (``29.11.2026 18:45``): a long one
    (``29. November 2026 18:45``) takes a list column of its own at 1280 px."""
    if value is None:
        return "-"
    shape = "SHORT_DATETIME_FORMAT" if time else "SHORT_DATE_FORMAT"
    return date_format(timezone.localtime(value), shape)


def _long(text: str, *, tag: str = "code") -> SafeString:
    """A long value (token, key, JSON) in a monospace block that wraps inside the page."""
    if tag == "pre":
        return format_html('<pre class="itsme-long">{}</pre>', text)
    return format_html('<code class="itsme-long">{}</code>', text)


def _label(field: str) -> Any:
    """The verbose name of a :class:`Confirmation` field, for a display method replacing it."""
    model_field = Confirmation._meta.get_field(field)
    if not isinstance(model_field, Field):
        raise TypeError(f"{field} is not a field of Confirmation")
    return model_field.verbose_name


def _user_name(user: Any) -> str:
    return "-" if user is None else str(user.get_username())


class AuthenticationLevelFilter(admin.ChoicesFieldListFilter):
    """The level filter, titled so that Django's "By %(filter_title)s" reads well in every
    language (the field's own name, "last authentication level", gives German "Nach letzte
    Authentifizierungsstufe")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = str(_("authentication level"))


@admin.register(ItsmeIdentity)
class ItsmeIdentityAdmin(IdentityAdminBase):
    """An identity is made by an itsme flow, never typed in or handed over: ``user`` and ``sub``
    are read-only, so no one reassigns an itsme identity to another account here (linking goes
    through the ``itsme:link`` route only). Deleting an identity unlinks it."""

    list_display = ("who", "short_sub", "level", "last_login", "linked")
    list_display_links = ("who",)
    list_filter = (("last_acr", AuthenticationLevelFilter),)
    # One sort key: a second one adds a sort marker to a second column header.
    ordering = ("-last_login_at",)
    search_fields = ("sub", f"user__{_USERNAME_FIELD}")
    readonly_fields = ("user", "sub", "last_acr", "created_at", "last_login_at")
    fields = readonly_fields
    date_hierarchy = "created_at"

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": (ADMIN_CSS,)}

    @admin.display(description=_("user"), ordering=f"user__{_USERNAME_FIELD}")
    def who(self, obj: ItsmeIdentity) -> SafeString:
        """The user's name, cut to :data:`LIST_NAME_LENGTH`."""
        return _cut(_user_name(obj.user), LIST_NAME_LENGTH)

    # The protocol's own short word: "identifier (sub)" is the widest header in fr, nl and de.
    @admin.display(description="sub", ordering="sub")
    def short_sub(self, obj: ItsmeIdentity) -> SafeString:
        """The ``sub``, cut to :data:`LIST_SUB_LENGTH`."""
        return _cut(obj.sub, LIST_SUB_LENGTH, tag="code")

    @admin.display(description=_("level"), ordering="last_acr")
    def level(self, obj: ItsmeIdentity) -> str:
        """The level of the last authentication, in the page's language."""
        return obj.get_last_acr_display() or "-"

    @admin.display(description=_("last login"), ordering="last_login_at")
    def last_login(self, obj: ItsmeIdentity) -> str:
        """When the identity last logged in, short."""
        return _short_date(obj.last_login_at)

    @admin.display(description=_("linked at"), ordering="created_at")
    def linked(self, obj: ItsmeIdentity) -> str:
        """The day the identity was linked (the time is on its page)."""
        return _short_date(obj.created_at, time=False)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


#: Shown under "Evidence": bound by the nonce or signed by itsme (or derived from those).
COVERED_FIELDS = (
    "evidence_check",
    "approved_content",
    "approved_template",
    "sub",
    "signed_level",
    "id",
    "bound_content",
    "salt",
    "nonce",
    "signed_id_token",
    "itsme_signing_key",
)
#: Shown under "Not covered by the evidence": the site's own records.
NOT_COVERED_FIELDS = (
    "user",
    "service",
    "service_code",
    "status",
    "error_code",
    "created_at",
    "completed_at",
    "description",
    "template_name",
    "acr",
    "issuer",
    "client_id",
)


@admin.register(Confirmation)
class ConfirmationAdmin(ConfirmationAdminBase):
    """Confirmations are records and evidence: viewable, never added, changed or deleted here.

    The page separates what the evidence proves (the content, read from the bound ``content``;
    the ``sub``; the level from the signed claims) from the site's own records, which the
    evidence does not cover.
    """

    list_display = ("described", "status", "created", "who")
    list_display_links = ("described",)
    list_filter = ("status", "service", "template_name")
    search_fields = ("id", "sub", "description", f"user__{_USERNAME_FIELD}")
    date_hierarchy = "created_at"
    fieldsets = (
        (
            _("Evidence"),
            {
                "description": _(
                    "What itsme's signature proves when the verdict is valid: this itsme user "
                    "(sub) approved exactly this content, at the signed level."
                ),
                "fields": COVERED_FIELDS,
            },
        ),
        (
            _("Not covered by the evidence"),
            {
                "description": _(
                    "The site's own records: anyone with write access to the database can change "
                    "them without breaking the evidence. Issuer and client id are compared with "
                    "the settings."
                ),
                "fields": NOT_COVERED_FIELDS,
            },
        ),
    )
    readonly_fields = COVERED_FIELDS + NOT_COVERED_FIELDS

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": (ADMIN_CSS,)}

    @admin.display(description=_("approved content"))
    def described(self, obj: Confirmation) -> SafeString:
        """The approved content in the page's language, cut to :data:`LIST_DESCRIPTION_LENGTH`
        (read from ``content``, which the nonce binds; never the stored ``description``)."""
        return _cut(self.approved_content(obj), LIST_DESCRIPTION_LENGTH)

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj: Confirmation) -> str:
        """When the confirmation started, short."""
        return _short_date(obj.created_at)

    @admin.display(description=_("user"), ordering=f"user__{_USERNAME_FIELD}")
    def who(self, obj: Confirmation) -> SafeString:
        """The user's name, cut to :data:`LIST_NAME_LENGTH`."""
        return _cut(_user_name(obj.user), LIST_NAME_LENGTH)

    @admin.display(description=_label("content"))
    def bound_content(self, obj: Confirmation) -> SafeString:
        """``content`` (canonical JSON, up to 7500 characters of free text), wrapped."""
        return _long(obj.content)

    @admin.display(description=_label("id_token"))
    def signed_id_token(self, obj: Confirmation) -> SafeString | str:
        """The signed ID token (one long unbroken word), wrapped."""
        return _long(obj.id_token) if obj.id_token else "-"

    @admin.display(description=_label("signing_key"))
    def itsme_signing_key(self, obj: Confirmation) -> SafeString | str:
        """itsme's public key as indented JSON, its long members wrapped."""
        if not obj.signing_key:
            return "-"
        return _long(json.dumps(obj.signing_key, indent=2, sort_keys=False), tag="pre")

    @admin.display(description=_("evidence"))
    def evidence_check(self, obj: Confirmation) -> str:
        """The verdict and the anchor that vouched for itsme's key, verified on each display
        (``KEY_ARCHIVE`` first; itsme's live JWKS, cached, only when the archive does not know
        the key)."""
        if obj.status != Confirmation.Status.APPROVED:
            return str(_("none (not approved)"))
        verdict = _verdict(obj)
        if isinstance(verdict, EvidenceResult):
            return str(
                _(
                    "valid: itsme signed this approval by this sub for exactly this content; "
                    "itsme's key vouched for by %(anchor)s"
                )
                % {"anchor": verdict.anchor}
            )
        if isinstance(verdict, UnanchoredKeyError):
            notes = "; ".join(verdict.notes)
            return str(
                _(
                    "NOT ANCHORED: the signature verifies with the key stored in this record, "
                    "but no trust anchor knows that key, so this proves nothing. %(notes)s"
                )
                % {"notes": notes}
            ).strip()
        if isinstance(verdict, EvidenceError):
            return str(_("INVALID: %(reason)s") % {"reason": verdict})
        return str(_("NOT VERIFIED: %(reason)s") % {"reason": verdict})

    @admin.display(description=_("approved content"))
    def approved_content(self, obj: Confirmation) -> str:
        """What was shown and approved, read from ``content`` (which the nonce binds)."""
        try:
            return describe_template(obj.template)
        except (ItsmeError, ValueError, RecursionError):
            return str(_("(unreadable content)"))

    @admin.display(description=_("template (from content)"))
    def approved_template(self, obj: Confirmation) -> str:
        """The template's name in the page's language and as sent, read from ``content``."""
        try:
            name = obj.template.name
        except (ItsmeError, ValueError, RecursionError):
            return str(_("(unreadable content)"))
        return f"{template_label(name)} ({name})"

    @admin.display(description=_("level (signed acr)"))
    def signed_level(self, obj: Confirmation) -> str:
        """The ``acr`` claim itsme signed, shown only when the evidence is valid."""
        if obj.status != Confirmation.Status.APPROVED:
            return "-"
        verdict = _verdict(obj)
        if not isinstance(verdict, EvidenceResult):
            return str(_("(not proved)"))
        acr = verdict.claims.get("acr")
        if not isinstance(acr, str):
            return str(_("(not in the signed token)"))
        return f"{level_label(acr)} ({acr})"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _verdict(obj: Confirmation) -> EvidenceResult | Exception:
    """Verify once per displayed object; any failure becomes a verdict, never a 500."""
    cache: dict[str, Any] = obj.__dict__
    if _VERDICT_ATTRIBUTE not in cache:
        verdict: EvidenceResult | Exception
        try:
            verdict = obj.check_evidence(online=True)
        except ItsmeError as error:
            verdict = error
        except Exception as error:  # the admin page must render whatever happens
            name = type(error).__name__
            logger.warning("itsme evidence check failed: confirmation=%s error=%s", obj.pk, name)
            verdict = error
        cache[_VERDICT_ATTRIBUTE] = verdict
    result: EvidenceResult | Exception = cache[_VERDICT_ATTRIBUTE]
    return result
