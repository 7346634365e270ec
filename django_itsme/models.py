"""Who is who: a local user linked to the ``sub`` itsme gives that person.

Accounts are linked on ``sub`` only, never on e-mail or name: ``sub`` is unique per itsme account
and never reused, while itsme does not verify e-mail addresses (D-MAP; D-AREQ ``email_verified``
is always false). A re-created itsme account gets a new ``sub``; the user re-links it by completing
an itsme flow while logged in, which overwrites the stored ``sub`` (D-MAP).

What is stored is deliberately little: the ``sub``, the level of the last authentication and
timestamps. No name, national number, photo or other shared data is kept here; a site that needs
them stores them itself from the ``identity_verified`` signal or ``ItsmeBackend.update_user``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ItsmeIdentity"]


class ItsmeIdentity(models.Model):
    """The link between one local user and one itsme account."""

    class Level(models.TextChoices):
        BASIC = "basic", _("basic")
        ADVANCED = "advanced", _("advanced")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="itsme_identity",
        verbose_name=_("user"),
    )
    sub = models.CharField(
        _("itsme subject"),
        max_length=255,
        unique=True,
        help_text=_("itsme's identifier of this person for this site (the 'sub' claim)."),
    )
    last_acr = models.CharField(
        _("last authentication level"),
        max_length=16,
        choices=Level.choices,
        blank=True,
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last itsme login"), null=True, blank=True)

    class Meta:
        verbose_name = _("itsme identity")
        verbose_name_plural = _("itsme identities")
        ordering = ("-last_login_at", "-created_at")

    def __str__(self) -> str:
        return f"{self.user} ⇄ {self.sub[:8]}…"
