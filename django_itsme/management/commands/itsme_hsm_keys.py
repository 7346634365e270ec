"""``manage.py itsme_hsm_keys``: make the site's keys inside the PKCS#11 token ``KEY_STORE`` names.

::

    manage.py itsme_hsm_keys create --sig itsme-sig-1 --enc itsme-enc-1   # RSA-3072 key pairs
    manage.py itsme_keys --public                    # the public JWKS to register with itsme

``create`` generates each key pair on the token (``C_GenerateKeyPair``) with a private half that is
sensitive and not extractable, so it never leaves the token (:func:`.pkcs11_store.create_keys`).
It reads ``MODULE``, ``TOKEN_LABEL`` and the PIN (``PIN_ENV`` or ``PIN_FILE``) from
``ITSME['KEY_STORE']``; put the labels in ``SIG_KEY_LABEL`` and ``ENC_KEY_LABEL`` afterwards. A
label that exists already is refused. Rotation: create the new pair, list it in ``SIG_KEY_LABEL``
or ``ENC_KEY_LABEL`` with its dates (README.rst, "Keys in an HSM or a cloud KMS").
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_itsme.conf import itsme_setting
from django_itsme.core.errors import ConfigurationError
from django_itsme.core.keygen import add_bits_argument, check_generation_options
from django_itsme.core.pkcs11_store import create_keys, read_pin


class Command(BaseCommand):
    """Create RSA key pairs that cannot leave the PKCS#11 token of ``ITSME['KEY_STORE']``."""

    help = (
        "Create the site's RSA key pairs inside the PKCS#11 token of ITSME['KEY_STORE'] "
        "(private halves sensitive and not extractable); print the public JWKS with "
        "'manage.py itsme_keys --public'."
    )
    # Making keys must work while the labels in KEY_STORE do not exist yet.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare ``create``, ``--sig``, ``--enc`` and ``--bits``."""
        parser.add_argument("action", choices=("create",), help="create: new key pairs")
        parser.add_argument("--sig", metavar="LABEL", help="label (and kid) of a new signing key")
        parser.add_argument(
            "--enc", metavar="LABEL", help="label (and kid) of a new encryption key"
        )
        add_bits_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the key pairs.

        :raises CommandError: no ``KEY_STORE`` for PKCS#11, no label given, a bad size, or the
            token refused (the message never holds the PIN).
        """
        itsme = itsme_setting()
        setting = itsme.get("KEY_STORE") if isinstance(itsme, Mapping) else None
        if not isinstance(setting, Mapping) or setting.get("BACKEND") != "pkcs11":
            raise CommandError("ITSME['KEY_STORE'] is not {'BACKEND': 'pkcs11', ...}.")
        labels = {use: options[use] for use in ("sig", "enc") if options[use]}
        if not labels:
            raise CommandError("Give --sig LABEL, --enc LABEL or both.")
        try:
            bits = check_generation_options(bits=options["bits"], out=None, force=False)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        module, token = setting.get("MODULE"), setting.get("TOKEN_LABEL")
        if not isinstance(module, str) or not isinstance(token, str):
            raise CommandError("ITSME['KEY_STORE'] needs MODULE and TOKEN_LABEL.")
        try:
            create_keys(
                module=module, token_label=token, pin=read_pin(setting), labels=labels, bits=bits
            )
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        for use, label in labels.items():
            self.stdout.write(f"Created the {use} key {label!r} ({bits} bits) in token {token!r}.")
        self.stdout.write(
            "List the labels in ITSME['KEY_STORE'], then register the output of "
            "'manage.py itsme_keys --public' with itsme."
        )
