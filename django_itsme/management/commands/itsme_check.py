"""``manage.py itsme_check``: run the django-itsme system checks, and optionally reach itsme.

::

    manage.py itsme_check            # the django_itsme.* checks, each with its id and hint
                                     # (SILENCED_SYSTEM_CHECKS are left out, as by manage.py check)
    manage.py itsme_check --online   # then fetch discovery and the provider's keys, and
                                     # compare what discovery lists with our keys and choices

``--online`` prints the request-object encryption chosen from discovery
(:func:`~django_itsme.core.discovery.choose_request_object_encryption`), our token endpoint
authentication against ``token_endpoint_auth_methods_supported``, the ID-token signing and
encryption algorithms we accept against discovery's, and whether our own keys' ``alg`` fit. A
list discovery leaves out is not held against us (OIDC Discovery §3: optional members); a list
with nothing we can use is a mismatch.

Exit status: 0 when nothing is wrong (warnings allowed), 1 when a check reports an error, 2 when
``--online`` cannot fetch or use itsme's discovery document or keys (the message names the
error's ``code``, as listed in README.rst's troubleshooting table) or finds a mismatch.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.checks import ERROR, CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_itsme.checks import run_checks
from django_itsme.conf import get_settings
from django_itsme.core import jose
from django_itsme.core.client import ItsmeClient
from django_itsme.core.config import ClientConfig
from django_itsme.core.discovery import ProviderMetadata, discovery_url
from django_itsme.core.errors import ItsmeError

#: Exit status when a check reports an error.
EXIT_CHECK_ERROR = 1
#: Exit status when ``--online`` fails.
EXIT_ONLINE_ERROR = 2

#: The JWE ``enc`` values we decrypt ID tokens with (any partner, protocol notes §8.1).
ALL_ENCS = jose.ALLOWED_JWE_ENCRYPTIONS

_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


class Command(BaseCommand):
    """Report django-itsme configuration problems; with ``--online``, test the provider."""

    help = (
        "Run the django-itsme system checks and print each problem with its id and hint. "
        "With --online, also fetch itsme's discovery document and keys."
    )
    # This command runs the itsme checks itself and must report them, not stop on them.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute type

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare ``--online``."""
        parser.add_argument(
            "--online",
            action="store_true",
            help="also fetch the provider's discovery document and JWKS and report them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the command.

        :raises CommandError: exit 1 when a check reports an error; exit 2 when the online
            check fails.
        """
        messages = [message for message in run_checks() if not message.is_silenced()]
        for message in messages:
            self._report(message)
        errors = sum(1 for message in messages if message.level >= ERROR)
        warnings = len(messages) - errors
        if errors:
            raise CommandError(
                f"itsme configuration: {_count(errors, 'error')}, {_count(warnings, 'warning')}.",
                returncode=EXIT_CHECK_ERROR,
            )
        summary = "no problems" if not messages else _count(warnings, "warning")
        self.stdout.write(self.style.SUCCESS(f"itsme configuration: {summary}."))
        if options["online"]:
            self._check_online()

    def _report(self, message: CheckMessage) -> None:
        style = self.style.ERROR if message.level >= ERROR else self.style.WARNING
        where = f" {message.obj}:" if message.obj is not None else ""
        self.stdout.write(style(f"{message.id}{where} {message.msg}"))
        if message.hint:
            self.stdout.write(f"    hint: {message.hint}")

    def _check_online(self) -> None:
        """Fetch discovery and the provider's keys through the core and print what was found.

        :raises CommandError: (exit 2) naming the :class:`ItsmeError` code.
        """
        try:
            config = get_settings().client
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=EXIT_ONLINE_ERROR) from exc
        client = ItsmeClient(config)
        self.stdout.write(f"Discovery: {discovery_url(config.issuer)}")
        try:
            metadata = client.provider_metadata()
            self.stdout.write(f"  issuer: {metadata.issuer}")
            for name in _ENDPOINTS:
                self.stdout.write(f"  {name}: {getattr(metadata, name)}")
            encryption_kid = str(client.provider_keys().encryption_key().get("kid", ""))
            listed = _describe_keys(client.provider_keys().public_keys())
        except ItsmeError as exc:
            raise CommandError(
                f"itsme online check failed [{exc.code}]: {exc.message}",
                returncode=EXIT_ONLINE_ERROR,
            ) from exc
        self.stdout.write(f"Provider keys ({len(listed)}):")
        for line in listed:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Request objects are encrypted to kid {encryption_kid or '(none)'}.")
        mismatches = self._compare(client, config, metadata)
        for line in mismatches:
            self.stdout.write(self.style.ERROR(f"  mismatch: {line}"))
        if mismatches:
            raise CommandError(
                f"itsme online check failed: {len(mismatches)} "
                f"mismatch{'es' if len(mismatches) > 1 else ''} between "
                "itsme's discovery and this site's keys or settings.",
                returncode=EXIT_ONLINE_ERROR,
            )
        self.stdout.write(self.style.SUCCESS("itsme online check: OK."))

    def _compare(
        self, client: ItsmeClient, config: ClientConfig, metadata: ProviderMetadata
    ) -> list[str]:
        """Print what we will use next to what discovery lists; return the mismatches."""
        mismatches: list[str] = []
        write = self.stdout.write
        try:
            alg, enc = client.encryption_choice()
            write(f"Request object encryption: {alg} / {enc} (chosen from discovery).")
        except ItsmeError as exc:
            write("Request object encryption: none usable.")
            mismatches.append(f"[{exc.code}] {exc.message}")

        listed = _listed(metadata, "token_endpoint_auth_methods_supported")
        method = config.token_auth_method
        write(f"Token endpoint authentication: {method} (discovery lists {_show(listed)}).")
        if listed is not None and method not in listed:
            mismatches.append(
                f"TOKEN_AUTH_METHOD {method!r} is not in discovery's "
                "token_endpoint_auth_methods_supported: itsme would refuse the token request."
            )

        secret = config.uses_client_secret
        signing = (config.id_token_signing_alg,) if secret else jose.ALLOWED_JWS_ALGORITHMS
        key_algs = jose.SECRET_JWE_ALGORITHMS if secret else jose.ALLOWED_JWE_ALGORITHMS
        for label, member, ours in (
            ("signing alg", "id_token_signing_alg_values_supported", signing),
            ("encryption alg", "id_token_encryption_alg_values_supported", key_algs),
            ("encryption enc", "id_token_encryption_enc_values_supported", ALL_ENCS),
        ):
            listed = _listed(metadata, member)
            write(
                f"ID token {label}: we accept {', '.join(ours)}; discovery lists {_show(listed)}."
            )
            if listed is not None and not set(ours) & set(listed):
                mismatches.append(
                    f"discovery's {member} lists nothing we accept ({', '.join(ours)})."
                )
        if secret:
            write("Our keys: not used by a client-secret partner (the secret signs and decrypts).")
            listed = _listed(metadata, "request_object_signing_alg_values_supported")
            if listed is not None and "HS256" not in listed:
                # Our request object is HS256 with the secret (S-RO; core/client.py).
                mismatches.append(
                    "discovery's request_object_signing_alg_values_supported lacks HS256, "
                    "which a client-secret partner signs its request object with."
                )
        else:
            mismatches += self._compare_keys(config, metadata)
        return mismatches

    def _compare_keys(self, config: ClientConfig, metadata: ProviderMetadata) -> list[str]:
        """Our ``sig`` and ``enc`` keys' declared ``alg`` against our allow-lists and discovery.

        D-JOSE: we sign RS256; itsme encrypts to our ``enc`` key with the algorithm registered
        (TB checks RS256 and RSA-OAEP). A key without ``alg`` fits whatever is chosen.
        """
        mismatches: list[str] = []
        for key in config.private_keys().public_jwks()["keys"]:
            use, kid, alg = key.get("use"), key.get("kid"), key.get("alg")
            ours: tuple[str, ...] = jose.ALLOWED_JWE_ALGORITHMS
            members: tuple[str, ...] = ("id_token_encryption_alg_values_supported",)
            if use == "sig":
                ours = jose.ALLOWED_JWS_ALGORITHMS
                members = (
                    "request_object_signing_alg_values_supported",
                    "token_endpoint_auth_signing_alg_values_supported",
                )
            self.stdout.write(f"Our {use} key {kid}: alg {alg or '(not declared)'}.")
            if alg is None:
                continue
            if alg not in ours:
                mismatches.append(
                    f"our {use} key {kid} declares alg {alg!r}; we only use {', '.join(ours)}."
                )
                continue
            for member in members:
                listed = _listed(metadata, member)
                if listed is not None and alg not in listed:
                    mismatches.append(f"our {use} key {kid}'s alg {alg!r} is not in {member}.")
        return mismatches


def _listed(metadata: ProviderMetadata, member: str) -> list[str] | None:
    """A string list of the discovery document, or None when it is absent or not a list."""
    value = metadata.raw.get(member)
    if not isinstance(value, list):
        return None
    return [item[:40] for item in value if isinstance(item, str)][:20]


def _show(listed: list[str] | None) -> str:
    return "nothing (not published)" if listed is None else ", ".join(listed) or "nothing"


def _describe_keys(keys: list[dict[str, Any]]) -> list[str]:
    """One line per key: kid, kty, use and alg."""
    return [
        " ".join(f"{name}={key.get(name, '-')}" for name in ("kid", "kty", "use", "alg"))
        for key in keys
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
