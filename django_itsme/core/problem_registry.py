"""The stable ids of the configuration problems the core reports, each described once.

:func:`~django_itsme.core.config.parse_config` reports a problem with one of these ids; the Django
layer turns it into the system check ``django_itsme.<id>`` (``django_itsme.check_registry`` adds
the ids only the Django side reports), and README.rst's check table is generated from the
entries (``scripts/check_table.py``). An id is never reused for another problem: sites silence
them with ``SILENCED_SYSTEM_CHECKS``.

Django-free on purpose: a script using the core reads the same ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from .environments import IssuerProblem
from .keys import KeyProblem

__all__ = [
    "CORE_CHECKS",
    "GENERIC_HINT",
    "ISSUER_PROBLEM_IDS",
    "KEY_PROBLEM_IDS",
    "CheckSpec",
    "issuer_problem_id",
    "key_problem_id",
    "registry",
]

Level = Literal["error", "warning"]

#: The hint of a problem when neither the problem nor its entry brings one.
GENERIC_HINT = "See the ITSME settings reference in README.rst."

_LITERAL = re.compile(r"``(.*?)``")


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One stable check id and what is said about it everywhere.

    :param id: the id without prefix (``"E009"``); ``E`` ids are errors, ``W`` ids warnings.
    :param summary: when it is reported, in reStructuredText (README.rst's check table); starts
        in lower case, no final full stop.
    :param message: the message, a :meth:`str.format` template filled with the reporting site's
        fields; empty when the site writes its own (the core's problems name the exact value).
    :param hint: how to fix it, a template like ``message``; empty: the site's hint, else
        :data:`GENERIC_HINT`.
    :param settings: the ``ITSME`` keys whose settings reference row lists this id.
    """

    id: str
    summary: str
    message: str = ""
    hint: str = ""
    settings: tuple[str, ...] = ()

    @property
    def level(self) -> Level:
        """``"warning"`` for a ``W`` id, ``"error"`` otherwise."""
        return "warning" if self.id.startswith("W") else "error"

    @property
    def text(self) -> str:
        """The summary as one plain sentence (no markup, capitalised, with a full stop)."""
        plain = _LITERAL.sub(r"\1", " ".join(self.summary.split()))
        return plain[:1].upper() + plain[1:] + "."


def registry(specs: Iterable[CheckSpec]) -> dict[str, CheckSpec]:
    """Index ``specs`` by id, refusing an id given twice.

    :param specs: the entries, in the order they are listed.
    :returns: id -> entry, in that order.
    :raises ValueError: an id appears twice.
    """
    indexed: dict[str, CheckSpec] = {}
    for spec in specs:
        if spec.id in indexed:
            raise ValueError(f"Check id {spec.id} is registered twice.")
        indexed[spec.id] = spec
    return indexed


#: The core's problems, in id order. ``obj`` of the Django check is the setting concerned.
CORE_CHECKS: Mapping[str, CheckSpec] = registry(
    [
        CheckSpec(
            "E001",
            "``ITSME`` is missing or is not a dict",
            hint="Define ITSME = {...} in your settings.",
        ),
        CheckSpec("E002", '``ITSME`` has an unknown key (with a "did you mean")'),
        CheckSpec("E003", "``CLIENT_ID`` is missing or invalid", settings=("CLIENT_ID",)),
        CheckSpec(
            "E004",
            "``ENVIRONMENT`` is not ``'e2e'``, ``'prd'`` or an issuer URL",
            settings=("ENVIRONMENT",),
        ),
        CheckSpec(
            "E005",
            "``ENVIRONMENT`` is a plain http URL outside loopback",
            settings=("ENVIRONMENT",),
        ),
        CheckSpec(
            "E006",
            "``PRIVATE_JWKS`` is not set (nor ``KEY_STORE``) for a ``private_key_jwt`` partner",
            settings=("PRIVATE_JWKS",),
        ),
        CheckSpec(
            "E007",
            "``PRIVATE_JWKS`` cannot be read or parsed (no such file, not JSON, not a JWK set)",
            settings=("PRIVATE_JWKS",),
        ),
        CheckSpec(
            "E008",
            "a key in ``PRIVATE_JWKS`` is unusable: not an RSA private JWK, shorter than 2048 "
            "bits, ``e`` not AQAB, or a wrong ``x-itsme-*`` lifecycle member",
            settings=("PRIVATE_JWKS",),
        ),
        CheckSpec(
            "E009",
            "``PRIVATE_JWKS`` has no ``sig`` key that may sign now or no ``enc`` key published "
            "now, a key without ``kid`` or ``use``, a repeated ``kid``, or an ``alg`` that does "
            "not fit the key's use",
            settings=("PRIVATE_JWKS",),
        ),
        CheckSpec("E010", "``SERVICES`` is missing, empty or not a dict", settings=("SERVICES",)),
        CheckSpec(
            "E011",
            "a service is invalid (not a dict, unknown key, bad name or ``CODE``)",
            hint="Each service is 'name': {'CODE': '...'}, named with letters, digits, '_' or "
            "'-', and with no keys but CODE, SCOPES, CLAIMS, ACR, ACR_MISSING and CLAIMS_IN.",
            settings=("SERVICES",),
        ),
        CheckSpec(
            "E012",
            "a service's ``SCOPES`` are invalid",
            hint="SCOPES is a list of scope names, for example ['profile', 'email'].",
            settings=("SERVICES",),
        ),
        CheckSpec(
            "E013",
            "a service's ``CLAIMS`` are invalid (not a list of strings, unknown friendly name, "
            "v1 name), or its ``CLAIMS_IN`` is not ``'id_token'`` or ``'userinfo'``",
            hint="CLAIMS is a list of claim names, for example ['eid', 'nationality'].",
            settings=("SERVICES",),
        ),
        CheckSpec(
            "E014",
            "a service's ``ACR`` is not ``'basic'`` or ``'advanced'``, or its ``ACR_MISSING`` "
            "is not ``'refuse'`` or ``'assume_requested'``",
            settings=("SERVICES",),
        ),
        CheckSpec(
            "E015",
            "``REDIRECT_URI`` is not an absolute https URL without fragment (http only "
            "against the loopback simulator)",
            settings=("REDIRECT_URI",),
        ),
        CheckSpec(
            "E016",
            "``REQUEST_BY`` is not ``'value'`` or ``'reference'``",
            settings=("REQUEST_BY",),
        ),
        CheckSpec(
            "E017",
            "``HTTP_TIMEOUT`` is not a number of seconds above 0 and at most 60",
            settings=("HTTP_TIMEOUT",),
        ),
        CheckSpec(
            "E018",
            "``LEEWAY`` is not a whole number of seconds from 0 to 300",
            settings=("LEEWAY",),
        ),
        CheckSpec(
            "E034",
            "``REQUEST_URI_BASE`` is not an https URL with an explicit ``:443``, without query "
            "or fragment, ending in ``/``",
            settings=("REQUEST_URI_BASE",),
        ),
        CheckSpec(
            "E035",
            "``REQUEST_OBJECT_AUD`` is not ``'issuer'``, ``'authorization_endpoint'`` or an "
            "https URL",
            settings=("REQUEST_OBJECT_AUD",),
        ),
        CheckSpec(
            "E036",
            "``ENCRYPT_CLIENT_ASSERTION`` is not a bool",
            settings=("ENCRYPT_CLIENT_ASSERTION",),
        ),
        CheckSpec(
            "E037",
            "``TOKEN_AUTH_METHOD`` is not ``'private_key_jwt'`` or ``'client_secret_post'``; "
            "``CLIENT_SECRET`` is missing, not a string, shorter than 32 octets or set with "
            "``'private_key_jwt'``; ``ID_TOKEN_SIGNING_ALG`` is not ``'RS256'``/``'HS256'`` or "
            "``'HS256'`` with ``'private_key_jwt'``; ``ENCRYPT_CLIENT_ASSERTION`` with a secret",
            settings=("TOKEN_AUTH_METHOD", "CLIENT_SECRET", "ID_TOKEN_SIGNING_ALG"),
        ),
        CheckSpec(
            "E039",
            "``KEY_STORE`` is invalid (an unknown key, no ``MODULE``, ``TOKEN_LABEL``, key label "
            "or PIN source, a class that does not import or lacks a ``KeyStore`` method), or "
            "``PRIVATE_JWKS`` is set beside it",
            settings=("KEY_STORE",),
        ),
        CheckSpec(
            "E040",
            "the ``KEY_STORE`` cannot be used: the PKCS#11 library does not load, the token is "
            "absent, the PIN is refused, a key label is missing, a private key could leave the "
            "token, or the class raised (shown by its type only); the message never holds the PIN",
            settings=("KEY_STORE",),
        ),
        CheckSpec(
            "W012",
            "``PRIVATE_JWKS`` or ``KEY_STORE`` is set for a client-secret partner, which never "
            "uses them (the secret signs and decrypts): they are not read",
            settings=("PRIVATE_JWKS", "KEY_STORE"),
        ),
    ]
)

#: The id of each kind of ``ENVIRONMENT`` problem: E004 vs E005 follows the problem's kind,
#: never its wording.
ISSUER_PROBLEM_IDS: Mapping[str, str] = {"invalid": "E004", "plain_http": "E005"}
#: The id of each kind of ``PRIVATE_JWKS`` problem.
KEY_PROBLEM_IDS: Mapping[str, str] = {
    "missing": "E006",
    "unreadable": "E007",
    "unusable": "E008",
    "roles": "E009",
}


def issuer_problem_id(problem: IssuerProblem) -> str:
    """The check id of an ``ENVIRONMENT`` problem, by its kind.

    :param problem: what :func:`~django_itsme.core.environments.find_issuer_problem` found.
    :returns: ``"E004"`` or ``"E005"``.
    """
    return ISSUER_PROBLEM_IDS[problem.kind]


def key_problem_id(problem: KeyProblem) -> str:
    """The check id of a ``PRIVATE_JWKS`` problem, by its kind.

    :param problem: what :func:`~django_itsme.core.keys.inspect_private_jwks` found.
    :returns: one of ``"E006"`` to ``"E009"``.
    """
    return KEY_PROBLEM_IDS[problem.kind]
