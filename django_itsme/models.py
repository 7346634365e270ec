"""Who is who: a local user linked to the ``sub`` itsme gives that person.

Accounts are linked on ``sub`` only, never on e-mail or name: ``sub`` is unique per itsme account
and never reused, while itsme does not verify e-mail addresses (D-MAP; D-AREQ ``email_verified``
is always false). A re-created itsme account gets a new ``sub``; the user re-links it through the
``itsme:link`` route while logged in, which replaces the stored ``sub`` (D-MAP). The admin never
changes an identity's ``user`` or ``sub``.

What is stored is deliberately little: the ``sub``, the level of the last authentication and
timestamps. No name, national number, photo or other shared data is kept here; a site that needs
them stores them itself from the ``identity_verified`` signal or ``ItsmeBackend.update_user``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .anchors import evidence_anchors
from .conf import get_settings
from .core.confirm import ConfirmTemplate, template_from_dict
from .core.evidence import Evidence, EvidenceError, EvidenceResult, KeyAnchor, verify_evidence
from .descriptions import LEVEL_LABELS, TEMPLATE_LABELS, describe_confirmation

__all__ = ["Confirmation", "ItsmeIdentity"]

#: The stored levels (``basic``, ``advanced``) and their names in the active language.
LEVEL_CHOICES = list(LEVEL_LABELS.items())
#: The Confirm templates (D-CONF) and their names in the active language.
TEMPLATE_CHOICES = list(TEMPLATE_LABELS.items())


class ItsmeIdentity(models.Model):
    """The link between one local user and one itsme account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="itsme_identity",
        verbose_name=_("user"),
    )
    # No verbose name starts with the brand: Django capitalises the first letter of labels, and
    # the brand is written "itsme", always in lower case.
    sub = models.CharField(
        _("identifier (sub)"),
        max_length=255,
        unique=True,
        help_text=_("itsme's identifier of this person for this site (the 'sub' claim)."),
    )
    last_acr = models.CharField(
        _("last authentication level"),
        max_length=16,
        choices=LEVEL_CHOICES,
        blank=True,
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last itsme login"), null=True, blank=True)

    class Meta:
        # Listed under the app "itsme" (itsme > Identities), whose name gives the brand.
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        ordering = ("-last_login_at", "-created_at")

    def __str__(self) -> str:
        return f"{self.user} ⇄ {self.sub[:8]}…"


class Confirmation(models.Model):
    """One itsme Confirm transaction: what was shown, to whom, what became of it, and the evidence.

    Evidence (see :mod:`django_itsme.core.evidence`): the ``nonce`` sent to itsme is derived from
    ``id``, ``salt`` and ``content``; on approval the ID token itsme signed (``id_token``, the
    inner JWS) and the public key that signed it (``signing_key``) are kept, so :meth:`verify` can
    prove that itsme signed an approval by ``sub`` for exactly ``content``, once a trust anchor
    outside this row (``KEY_ARCHIVE``, itsme's live JWKS) vouches for that key.

    Covered by the evidence: ``id``, ``sub``, ``content`` (so the template and its description),
    ``salt``, ``nonce``, ``id_token`` and the signed claims (``acr``, ``iat``). Not covered (the
    site's own records, which anyone with write access to the database can change without
    breaking the evidence): ``user``, ``service``, ``service_code``, ``status``, the timestamps,
    ``error_code`` and the stored copies ``description``, ``template_name`` and ``acr``.
    ``issuer`` and ``client_id`` are compared with the settings, never trusted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="itsme_confirmations",
        verbose_name=_("user"),
        help_text=_("Kept as null when the user is deleted: the evidence names the itsme sub."),
    )
    sub = models.CharField(
        _("identifier (sub)"),
        max_length=255,
        help_text=_("itsme's identifier of the person who approved, for this site."),
    )
    service = models.CharField(_("service"), max_length=64)
    service_code = models.CharField(_("service code"), max_length=128)
    template_name = models.CharField(_("template"), max_length=32, choices=TEMPLATE_CHOICES)
    content = models.TextField(_("content"), help_text=_("The exact template, canonical JSON."))
    description = models.CharField(_("description"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    salt = models.CharField(_("salt"), max_length=64)
    nonce = models.CharField(_("nonce"), max_length=64, unique=True)
    issuer = models.CharField(_("issuer"), max_length=255)
    client_id = models.CharField(_("client id"), max_length=255)
    acr = models.CharField(
        _("authentication level"), max_length=16, choices=LEVEL_CHOICES, blank=True
    )
    id_token = models.TextField(_("signed ID token"), blank=True)
    signing_key = models.JSONField(
        _("signing key"),
        null=True,
        blank=True,
        help_text=_("itsme's public key that signed the ID token."),
    )
    error_code = models.CharField(_("error code"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.approved_description()} ({self.get_status_display()})"

    def approved_description(self) -> str:
        """The description of what was shown, read from ``content`` (which the evidence binds),
        not the stored ``description`` (which it does not), in the active language; the stored
        one if unreadable (see :func:`django_itsme.descriptions.describe_confirmation`)."""
        return describe_confirmation(self)

    @property
    def template(self) -> ConfirmTemplate:
        """The template, read back from ``content``."""
        return template_from_dict(json.loads(self.content))

    def evidence(self) -> Evidence:
        """The stored evidence, ready for :func:`~django_itsme.core.evidence.verify_evidence`."""
        return Evidence(
            id_token=self.id_token,
            signing_key=self.signing_key or {},
            transaction_id=str(self.id),
            salt=self.salt,
            content=self.content,
            sub=self.sub,
            issuer=self.issuer,
            client_id=self.client_id,
        )

    def check_evidence(
        self, *, online: bool = True, anchors: Sequence[KeyAnchor] | None = None
    ) -> EvidenceResult:
        """Verify that itsme signed an approval by ``sub`` for exactly ``content``, with a key
        an anchor outside this row vouches for; issuer and client id come from the settings.

        :param online: when ``KEY_ARCHIVE`` does not know the key (or is not set), ask itsme's
            live JWKS (through the shared cache); False stays offline.
        :param anchors: ask these anchors instead of the configured ones.
        :returns: the verdict: the signed claims and the anchor that vouched for the key.
        :raises django_itsme.core.evidence.UnanchoredKeyError: the signature verifies with the
            stored key, but no anchor knows that key.
        :raises django_itsme.core.evidence.EvidenceError: not approved, recorded for another
            environment or client, or something tampered.
        """
        if self.status != self.Status.APPROVED or not self.id_token:
            raise EvidenceError("This confirmation was not approved: there is no evidence.")
        config = get_settings().client
        if anchors is None:
            anchors = evidence_anchors(online=online)
        return verify_evidence(
            self.evidence(), issuer=config.issuer, client_id=config.client_id, anchors=anchors
        )

    def verify(self, *, online: bool = True) -> dict[str, Any]:
        """Like :meth:`check_evidence`, returning only the signed claims.

        :returns: the claims of the signed ID token, once the evidence holds and is anchored.
        :raises django_itsme.core.evidence.EvidenceError: see :meth:`check_evidence`
            (``UnanchoredKeyError`` included: an unanchored key is never valid).
        """
        return dict(self.check_evidence(online=online).claims)

    @classmethod
    def expire_stale(cls, *, older_than: timedelta) -> int:
        """Mark pending confirmations older than ``older_than`` as expired.

        :returns: how many were expired.
        """
        now = timezone.now()
        return cls.objects.filter(
            status=cls.Status.PENDING, created_at__lt=now - older_than
        ).update(status=cls.Status.EXPIRED, completed_at=now, error_code="expired")
