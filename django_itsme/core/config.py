"""The client configuration: one mapping in, frozen typed settings and a list of problems out.

:func:`parse_config` never raises on bad input: it reports every problem with a stable id, so the
Django layer can turn each into a system check (``django_itsme.E0xx``) and a script can print them.
The keys are those of the ``ITSME`` Django setting (DESIGN.md §1); a script uses the same mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from .claim_names import (
    CLAIMS_MEMBERS,
    DEFAULT_CLAIMS_MEMBER,
    SUPPORTED_SCOPES,
    claim_name_problem,
)
from .environments import ENVIRONMENTS, find_issuer_problem, is_loopback_url, resolve_issuer
from .errors import ConfigurationError
from .http import DEFAULT_TIMEOUT
from .key_store import KeyStore, open_key_store
from .keys import KeyProblem, inspect_private_jwks
from .problem_registry import CORE_CHECKS, issuer_problem_id, key_problem_id
from .services import ACR_LEVELS, ACR_MISSING_CHOICES, AcrLevel, AcrMissing, Service
from .spelling import did_you_mean

__all__ = [
    "CORE_SETTINGS",
    "DEFAULT_LEEWAY",
    "PROBLEMS",
    "ClientConfig",
    "Problem",
    "parse_config",
]

#: Seconds of clock skew tolerated on ``exp``/``iat``/``nbf``. The docs allow "a small leeway, a
#: few minutes" (S-LOGIN §2.7); ID tokens live 300 s and codes 180 s (protocol notes §10), so a
#: minute is plenty for an NTP-synced server.
DEFAULT_LEEWAY = 60

RequestBy = Literal["value", "reference"]
TokenAuthMethod = Literal["private_key_jwt", "client_secret_post"]
IdTokenSigningAlg = Literal["RS256", "HS256"]

#: ``TOKEN_AUTH_METHOD`` values. D-AUTH: the method is chosen at registration, "Private key JWT"
#: or "Client secret"; the secret-key token request carries ``client_id`` and ``client_secret``
#: in the POST body (D-AUTH "Token Request", secret tab; protocol notes §7), i.e. RFC 6749 §2.3.1
#: ``client_secret_post``. No source documents HTTP Basic (``client_secret_basic``): not offered.
TOKEN_AUTH_METHODS: tuple[str, ...] = ("private_key_jwt", "client_secret_post")
#: ``ID_TOKEN_SIGNING_ALG`` values for client-secret partners (D-AUTH "Secret key method": RS256
#: or HS256, chosen at registration). private_key_jwt partners always get RS256 (D-JOSE).
ID_TOKEN_SIGNING_ALGS: tuple[str, ...] = ("RS256", "HS256")
#: Shortest ``CLIENT_SECRET`` accepted, in UTF-8 octets: the secret is the HS256 key (OIDC Core
#: §10.1), and RFC 7518 §3.2 requires an HMAC-SHA-256 key of at least 256 bits.
MIN_CLIENT_SECRET_OCTETS = 32

#: Every problem this module reports: id -> what it is about, from the one registry
#: (:mod:`~django_itsme.core.problem_registry`). The Django system checks are ``django_itsme.<id>``.
PROBLEMS: dict[str, str] = {check_id: spec.text for check_id, spec in CORE_CHECKS.items()}

#: The settings keys the core reads, with their defaults (None: required or no default).
CORE_SETTINGS: dict[str, Any] = {
    "CLIENT_ID": None,
    "ENVIRONMENT": None,
    "PRIVATE_JWKS": None,
    "SERVICES": None,
    "REDIRECT_URI": None,
    "REQUEST_BY": "value",
    "HTTP_TIMEOUT": DEFAULT_TIMEOUT,
    "LEEWAY": DEFAULT_LEEWAY,
    "REQUEST_URI_BASE": None,
    "REQUEST_OBJECT_AUD": "issuer",
    "ENCRYPT_CLIENT_ASSERTION": False,
    "TOKEN_AUTH_METHOD": "private_key_jwt",
    "CLIENT_SECRET": None,
    "ID_TOKEN_SIGNING_ALG": "RS256",
    "KEY_STORE": None,
}
_SERVICE_KEYS = ("CODE", "SCOPES", "CLAIMS", "ACR", "ACR_MISSING", "CLAIMS_IN")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: A service code travels inside the space-separated ``scope`` (D-AUTH "Onboarding").
_SERVICE_CODE = re.compile(r"^[!#-\[\]-~]{1,128}$")
#: RFC 6749 §2.2: ``client_id`` is a visible-ASCII string.
_CLIENT_ID = re.compile(r"^[\x20-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the configuration.

    :param id: stable id from :data:`PROBLEMS` (e.g. ``"E009"``).
    :param message: what is wrong, never quoting secret values.
    :param hint: how to fix it.
    :param setting: where (``"SERVICES.share.ACR"``).
    :param level: ``"error"`` or ``"warning"``.
    """

    id: str
    message: str
    hint: str = ""
    setting: str = ""
    level: Literal["error", "warning"] = "error"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """A checked, immutable client configuration.

    Build it with :func:`parse_config` (or :meth:`ClientConfig.from_mapping`) so every rule is
    applied; the constructor trusts its arguments.
    """

    client_id: str
    issuer: str
    #: The site's private keys; None only for a client-secret partner, which needs none.
    keys: KeyStore | None = field(repr=False)
    services: Mapping[str, Service]
    redirect_uri: str | None = None
    request_by: RequestBy = "value"
    http_timeout: float = DEFAULT_TIMEOUT
    leeway: int = DEFAULT_LEEWAY
    #: ``REQUEST_URI_BASE``: the registered base our ``request_uri`` URLs start with.
    request_uri_base: str | None = None
    #: ``REQUEST_OBJECT_AUD``: ``"issuer"``, ``"authorization_endpoint"`` or a URL.
    request_object_aud: str = "issuer"
    #: ``ENCRYPT_CLIENT_ASSERTION``: sign then encrypt the client assertion (D-AUTH: MAY).
    encrypt_client_assertion: bool = False
    #: ``TOKEN_AUTH_METHOD``: how we authenticate at the token endpoint (D-AUTH).
    token_auth_method: TokenAuthMethod = "private_key_jwt"  # noqa: S105
    #: ``CLIENT_SECRET``: the shared secret of a client-secret partner; never shown.
    client_secret: str | None = field(default=None, repr=False)
    #: ``ID_TOKEN_SIGNING_ALG``: what a client-secret partner's ID tokens are signed with.
    id_token_signing_alg: IdTokenSigningAlg = "RS256"  # noqa: S105

    def private_keys(self) -> KeyStore:
        """The site's private keys, for what only a ``private_key_jwt`` partner does with them.

        :raises ConfigurationError: a client-secret partner configured without keys.
        """
        if self.keys is None:
            raise ConfigurationError(
                "This client has no private keys: a client-secret partner needs none."
            )
        return self.keys

    @property
    def uses_client_secret(self) -> bool:
        """Whether this partner authenticates with a client secret (D-AUTH "Secret key method")."""
        return self.token_auth_method != "private_key_jwt"  # noqa: S105

    @classmethod
    def from_mapping(
        cls, settings: Mapping[str, Any], *, extra_keys: Iterable[str] = ()
    ) -> ClientConfig:
        """Parse ``settings`` and raise on the first error.

        :raises ConfigurationError: naming the problem id and what is wrong.
        """
        config, problems = parse_config(settings, extra_keys=extra_keys)
        errors = [p for p in problems if p.level == "error"]
        if config is None or errors:
            first = errors[0] if errors else Problem("E001", PROBLEMS["E001"])
            raise ConfigurationError(f"ITSME {first.setting or ''} [{first.id}]: {first.message}")
        return config

    def service(self, name: str) -> Service:
        """The configured service called ``name``.

        :raises ConfigurationError: no such service (code ``unknown_service``).
        """
        try:
            return self.services[name]
        except KeyError:
            raise ConfigurationError(
                f"No itsme service named {name[:64]!r} is configured.", code="unknown_service"
            ) from None


def parse_config(
    settings: Any, *, extra_keys: Iterable[str] = ()
) -> tuple[ClientConfig | None, list[Problem]]:
    """Check a settings mapping and build the configuration.

    :param settings: the ``ITSME`` mapping (keys in :data:`CORE_SETTINGS`).
    :param extra_keys: further keys the caller reads itself (the Django layer's ``CREATE_USERS``
        and ``CACHE``), accepted without a "did you mean".
    :returns: the configuration (None when any error was found) and every problem.
    """
    if not isinstance(settings, Mapping):
        return None, [Problem("E001", PROBLEMS["E001"], CORE_CHECKS["E001"].hint)]
    problems: list[Problem] = []
    known = [*CORE_SETTINGS, *extra_keys]
    for key in settings:
        if key not in known:
            problems.append(
                Problem(
                    "E002",
                    f"Unknown key {key!r}.{did_you_mean(str(key), known)}",
                    f"Known keys: {', '.join(known)}.",
                    str(key),
                )
            )
    values = {**CORE_SETTINGS, **{k: v for k, v in settings.items() if k in CORE_SETTINGS}}

    client_id = values["CLIENT_ID"]
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        problems.append(
            Problem(
                "E003",
                "CLIENT_ID must be the partner code itsme gave you (a non-empty string).",
                "Find it in the itsme B2B portal (D-AUTH 'Onboarding').",
                "CLIENT_ID",
            )
        )

    issuer = _check_environment(values["ENVIRONMENT"], problems)
    keys: KeyStore | None = None
    if values["TOKEN_AUTH_METHOD"] == "client_secret_post":  # noqa: S105 - a method's name
        _leave_unused_keys(values, problems)
    else:
        keys = _check_keys(values["PRIVATE_JWKS"], problems, key_store=values["KEY_STORE"])
    services = _check_services(values["SERVICES"], problems)
    redirect_uri = _check_redirect_uri(values["REDIRECT_URI"], issuer, problems)

    request_by = values["REQUEST_BY"]
    if request_by not in ("value", "reference"):
        problems.append(
            Problem(
                "E016",
                f"REQUEST_BY must be 'value' or 'reference', not {request_by!r}.",
                "'value' sends request=; 'reference' sends request_uri= (D-AREQ).",
                "REQUEST_BY",
            )
        )

    timeout = values["HTTP_TIMEOUT"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        problems.append(
            Problem(
                "E017",
                "HTTP_TIMEOUT must be a number of seconds above 0 and at most 60.",
                f"The default is {DEFAULT_TIMEOUT:g}.",
                "HTTP_TIMEOUT",
            )
        )

    leeway = values["LEEWAY"]
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= 300:
        problems.append(
            Problem(
                "E018",
                "LEEWAY must be a whole number of seconds from 0 to 300.",
                f"The default is {DEFAULT_LEEWAY}; ID tokens live 300 s (protocol notes §10).",
                "LEEWAY",
            )
        )

    request_uri_base = _check_request_uri_base(values["REQUEST_URI_BASE"], issuer, problems)
    request_object_aud = _check_request_object_aud(values["REQUEST_OBJECT_AUD"], issuer, problems)
    encrypt_assertion = values["ENCRYPT_CLIENT_ASSERTION"]
    if not isinstance(encrypt_assertion, bool):
        problems.append(
            Problem(
                "E036",
                "ENCRYPT_CLIENT_ASSERTION must be True or False.",
                "D-AUTH: the client assertion MUST be signed and MAY be encrypted; D-IG2020 and "
                "v1 said MUST. Leave it False unless itsme refuses signed-only assertions.",
                "ENCRYPT_CLIENT_ASSERTION",
            )
        )

    auth_method, client_secret, signing_alg = _check_client_secret(values, problems)

    if any(p.level == "error" for p in problems):
        return None, problems
    assert issuer is not None
    assert keys is not None or auth_method != "private_key_jwt"
    assert services is not None
    config = ClientConfig(
        client_id=client_id,
        issuer=issuer,
        keys=keys,
        services=services,
        redirect_uri=redirect_uri,
        request_by=request_by,
        http_timeout=float(timeout),
        leeway=leeway,
        request_uri_base=request_uri_base,
        request_object_aud=request_object_aud or "issuer",
        encrypt_client_assertion=encrypt_assertion,
        token_auth_method=auth_method,
        client_secret=client_secret,
        id_token_signing_alg=signing_alg,
    )
    return config, problems


_SECRET_HINT = (
    "Client-secret partners (D-AUTH 'Secret key method') set TOKEN_AUTH_METHOD = "  # noqa: S105
    "'client_secret_post', CLIENT_SECRET (read it from the environment, e.g. "
    "os.environ['ITSME_CLIENT_SECRET']) and ID_TOKEN_SIGNING_ALG as registered with itsme."
)


def _check_client_secret(
    values: Mapping[str, Any], problems: list[Problem]
) -> tuple[TokenAuthMethod, str | None, IdTokenSigningAlg]:
    """E037: ``TOKEN_AUTH_METHOD``, ``CLIENT_SECRET`` and ``ID_TOKEN_SIGNING_ALG`` together.

    Messages never quote the secret, only what is wrong with it.
    """
    method = values["TOKEN_AUTH_METHOD"]
    secret = values["CLIENT_SECRET"]
    alg = values["ID_TOKEN_SIGNING_ALG"]

    def report(message: str, setting: str) -> None:
        problems.append(Problem("E037", message, _SECRET_HINT, setting))

    if method not in TOKEN_AUTH_METHODS:
        shown = repr(method)[:40]
        report(
            f"TOKEN_AUTH_METHOD must be 'private_key_jwt' or 'client_secret_post', not {shown}.",
            "TOKEN_AUTH_METHOD",
        )
        return "private_key_jwt", None, "RS256"
    if alg not in ID_TOKEN_SIGNING_ALGS:
        report(
            f"ID_TOKEN_SIGNING_ALG must be 'RS256' or 'HS256', not {repr(alg)[:40]}.",
            "ID_TOKEN_SIGNING_ALG",
        )
    if method == "private_key_jwt":
        if secret is not None:
            report(
                "CLIENT_SECRET is set while TOKEN_AUTH_METHOD is 'private_key_jwt': it would "
                "never be used.",
                "CLIENT_SECRET",
            )
        if alg == "HS256":
            # private_key_jwt partners get RS256 ID tokens (D-JOSE); HS256 is never accepted.
            report(
                "ID_TOKEN_SIGNING_ALG 'HS256' is only for client-secret partners.",
                "ID_TOKEN_SIGNING_ALG",
            )
        return "private_key_jwt", None, "RS256"
    if not isinstance(secret, str) or not secret:
        report("CLIENT_SECRET is missing or not a string.", "CLIENT_SECRET")
        secret = None
    elif len(secret.encode("utf-8")) < MIN_CLIENT_SECRET_OCTETS or not secret.isprintable():
        report(
            f"CLIENT_SECRET is shorter than {MIN_CLIENT_SECRET_OCTETS} octets or holds "
            "control characters: it is not the secret itsme issued.",
            "CLIENT_SECRET",
        )
        secret = None
    if values["ENCRYPT_CLIENT_ASSERTION"] is True:
        report(
            "ENCRYPT_CLIENT_ASSERTION applies to private_key_jwt only: a client-secret partner "
            "sends no client assertion.",
            "ENCRYPT_CLIENT_ASSERTION",
        )
    return "client_secret_post", secret, "HS256" if alg == "HS256" else "RS256"


def _check_environment(environment: Any, problems: list[Problem]) -> str | None:
    problem = find_issuer_problem(environment)
    if problem is None:
        return resolve_issuer(environment)
    problem_id = issuer_problem_id(problem)
    hint = "Use 'e2e' for itsme's sandbox, 'prd' for production"
    hint += ", or the simulator's http://127.0.0.1:<port>/v2 issuer."
    if isinstance(environment, str) and environment not in ENVIRONMENTS:
        hint = hint + did_you_mean(environment, ENVIRONMENTS)
    message = f"ENVIRONMENT {problem.message}"
    if environment is None:
        message = "ENVIRONMENT is missing: it must be 'e2e', 'prd' or an issuer URL."
    problems.append(Problem(problem_id, message, hint, "ENVIRONMENT"))
    return None


#: KEY_STORE problems: the setting is wrong (E039), or the store cannot be opened (E040).
_KEY_STORE_IDS = {"unreadable": "E039", "unusable": "E040"}
_KEY_STORE_HINT = (
    "KEY_STORE is {'BACKEND': 'pkcs11', 'MODULE': ..., 'TOKEN_LABEL': ..., 'PIN_ENV' or "
    "'PIN_FILE': ..., 'SIG_KEY_LABEL': ..., 'ENC_KEY_LABEL': ...} or a KeyStore class; "
    "README.rst, 'Keys in an HSM or a cloud KMS'."
)


def _check_keys(source: Any, problems: list[Problem], *, key_store: Any = None) -> KeyStore | None:
    if key_store is not None:
        # The private keys live in the store: a PRIVATE_JWKS beside it would be ignored, or
        # worse, be a copy of them on disk. It must be left out.
        if source is not None:
            message = "PRIVATE_JWKS must be left out when KEY_STORE is set."
            problems.append(Problem("E039", message, _KEY_STORE_HINT, "PRIVATE_JWKS"))
        store, store_problems = open_key_store(key_store)
        problems.extend(
            Problem(_KEY_STORE_IDS[p.kind], p.message, _KEY_STORE_HINT, "KEY_STORE")
            for p in store_problems
        )
        return store
    keys, key_problems = inspect_private_jwks(source)
    problems.extend(_key_problem(p, source) for p in key_problems)
    return keys


def _leave_unused_keys(values: Mapping[str, Any], problems: list[Problem]) -> None:
    """W012: a client-secret partner's secret does all our keys would (it signs the request
    object, authenticates the token request and decrypts the ID token; D-AUTH "Secret key
    method"), so ``PRIVATE_JWKS`` and ``KEY_STORE`` are neither required nor read: no file is
    parsed and no HSM opened. Either one set is a key nobody uses, reported."""
    for setting in ("PRIVATE_JWKS", "KEY_STORE"):
        if values[setting] is not None:
            message = (
                f"{setting} is set, but a client-secret partner's keys are never used: the "
                "CLIENT_SECRET signs the request object and decrypts the ID token."
            )
            hint = (
                f"Remove {setting} (and the key it names) unless you are moving to "
                "TOKEN_AUTH_METHOD 'private_key_jwt'."
            )
            problems.append(Problem("W012", message, hint, setting, level="warning"))


#: The file a key hint names when PRIVATE_JWKS is not a file path (unset, JSON text or a dict).
_DEFAULT_KEY_FILE = "jwks_private.json"
#: A path shown in a hint as it is; any other path is shell-quoted.
_PLAIN_PATH = re.compile(r"[\w./~:+@-]{1,500}")


def _key_problem(problem: KeyProblem, source: Any) -> Problem:
    # Both commands print the private keys to the terminal unless given --out: a hint names only
    # the form that writes a file (mode 0600), with the path PRIVATE_JWKS names.
    path = _key_file(source)
    target = path or _DEFAULT_KEY_FILE
    hint = (
        "An RSA >= 2048-bit private JWK set with one 'use': 'sig' and one 'use': 'enc' key, each "
        f"with a unique kid (D-JOSE). Write a new one to a file with: python manage.py itsme_keys "
        f"--out {target} (without Django: python -m django_itsme.core.keygen --out {target})"
    )
    hint += "." if path else ", and set PRIVATE_JWKS to that file's path."
    return Problem(key_problem_id(problem), problem.message, hint, "PRIVATE_JWKS")


def _key_file(source: Any) -> str | None:
    """PRIVATE_JWKS as a file path to quote in a hint, or None (unset, JSON text, a dict)."""
    fspath = getattr(source, "__fspath__", None)
    text = source if isinstance(source, str) else fspath() if callable(fspath) else None
    if not isinstance(text, str) or not text.isprintable() or len(text) > 500:
        return None
    if not text or text.lstrip().startswith("{"):
        return None
    if _PLAIN_PATH.fullmatch(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _check_services(raw: Any, problems: list[Problem]) -> dict[str, Service] | None:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            Problem(
                "E010",
                "SERVICES must be a dict of service name -> {'CODE': ...}, with at least one.",
                'For example: "SERVICES": {"login": {"CODE": "MY_LOGIN_CODE"}}',
                "SERVICES",
            )
        )
        return None
    services: dict[str, Service] = {}
    ok = True
    for name, entry in raw.items():
        service = _check_service(name, entry, problems)
        if service is None:
            ok = False
        else:
            services[name] = service
    return services if ok else None


def _check_service(name: Any, entry: Any, problems: list[Problem]) -> Service | None:
    where = f"SERVICES.{name}"
    count = len(problems)
    if not isinstance(name, str) or not _SERVICE_NAME.match(name):
        problems.append(
            Problem("E011", f"Service name {name!r} must be 1-64 of [A-Za-z0-9_-].", "", where)
        )
        return None
    if not isinstance(entry, Mapping):
        problems.append(Problem("E011", f"{where} must be a dict with a 'CODE'.", "", where))
        return None
    for key in entry:
        if key not in _SERVICE_KEYS:
            problems.append(
                Problem(
                    "E011",
                    f"{where} has an unknown key {key!r}.{did_you_mean(str(key), _SERVICE_KEYS)}",
                    f"Service keys: {', '.join(_SERVICE_KEYS)}.",
                    f"{where}.{key}",
                )
            )
    code = entry.get("CODE")
    if not isinstance(code, str) or not _SERVICE_CODE.match(code):
        problems.append(
            Problem(
                "E011",
                f"{where}.CODE must be the service code itsme gave you (no spaces).",
                "It is sent as the scope service:<CODE> (D-AUTH 'Onboarding').",
                f"{where}.CODE",
            )
        )

    scopes = _string_tuple(entry.get("SCOPES", ()))
    if scopes is None:
        problems.append(Problem("E012", f"{where}.SCOPES must be a list of strings.", "", where))
    else:
        for scope in scopes:
            if scope not in SUPPORTED_SCOPES:
                supported = sorted(SUPPORTED_SCOPES)
                problems.append(
                    Problem(
                        "E012",
                        f"{where}.SCOPES has {scope!r}.{did_you_mean(scope, supported)}",
                        f"Supported scopes (D-AREQ): {', '.join(supported)}.",
                        f"{where}.SCOPES",
                    )
                )

    claim_names = _string_tuple(entry.get("CLAIMS", ()))
    if claim_names is None:
        problems.append(Problem("E013", f"{where}.CLAIMS must be a list of strings.", "", where))
    else:
        for claim in claim_names:
            problem = claim_name_problem(claim)
            if problem is not None:
                problems.append(
                    Problem(
                        "E013",
                        f"{where}.CLAIMS: {problem}",
                        "Use eid, city_of_birth, nationality, device, photo, a claim URI or "
                        "a standard OIDC claim.",
                        f"{where}.CLAIMS",
                    )
                )

    acr = entry.get("ACR")
    if acr is not None and acr not in ACR_LEVELS:
        problems.append(
            Problem(
                "E014",
                f"{where}.ACR must be 'basic' or 'advanced', not {acr!r}.",
                "'advanced' forces the itsme code; 'basic' allows biometrics (D-AREQ).",
                f"{where}.ACR",
            )
        )
    acr_missing = entry.get("ACR_MISSING", "unset")
    if acr_missing != "unset" and acr_missing not in ACR_MISSING_CHOICES:
        problems.append(
            Problem(
                "E014",
                f"{where}.ACR_MISSING must be 'refuse' or 'assume_requested', not {acr_missing!r}.",
                "What an ID token without acr means; leave it out for the default: refuse for "
                "ACR 'advanced', accept otherwise (protocol notes §5, §11 #5).",
                f"{where}.ACR_MISSING",
            )
        )
    claims_in = entry.get("CLAIMS_IN", DEFAULT_CLAIMS_MEMBER)
    if claims_in not in CLAIMS_MEMBERS:
        problems.append(
            Problem(
                "E013",
                f"{where}.CLAIMS_IN must be 'id_token' or 'userinfo', not {claims_in!r}.",
                "'id_token' (the default, recommended by itsme: no userinfo call) or "
                "'userinfo' (D-AREQ claims).",
                f"{where}.CLAIMS_IN",
            )
        )
    if len(problems) > count:
        return None
    assert scopes is not None
    assert claim_names is not None
    assert isinstance(code, str)
    level: AcrLevel | None = acr
    missing: AcrMissing | None = None if acr_missing == "unset" else acr_missing
    return Service(
        name=name,
        code=code,
        scopes=scopes,
        claims=claim_names,
        acr=level,
        acr_missing=missing,
        claims_in=claims_in,
    )


def _string_tuple(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        return None
    if not all(isinstance(item, str) and item for item in value):
        return None
    return tuple(dict.fromkeys(value))


def _check_redirect_uri(value: Any, issuer: str | None, problems: list[Problem]) -> str | None:
    if value is None:
        return None
    ok = isinstance(value, str)
    if ok:
        parts = urlsplit(value)
        loopback_allowed = issuer is not None and is_loopback_url(issuer)
        ok = bool(parts.netloc) and not parts.fragment
        ok = ok and (parts.scheme == "https" or (loopback_allowed and parts.scheme == "http"))
    if not ok:
        problems.append(
            Problem(
                "E015",
                "REDIRECT_URI must be an absolute https URL without a #fragment.",
                "itsme matches it exactly against the registered value (D-AREQ redirect_uri); "
                "leave it out to use the callback route on the request's host.",
                "REDIRECT_URI",
            )
        )
        return None
    return str(value)


#: The named forms of ``REQUEST_OBJECT_AUD``: D-AREQ since 2024-03 (commit acc4ba837) says the
#: issuer; before, and D-FR still, the authorization endpoint (protocol notes §3.2, §11 #3).
REQUEST_OBJECT_AUD_FORMS = ("issuer", "authorization_endpoint")


def _check_request_object_aud(
    value: Any, issuer: str | None, problems: list[Problem]
) -> str | None:
    if value in REQUEST_OBJECT_AUD_FORMS:
        return str(value)
    if isinstance(value, str) and _is_absolute_url(value, issuer):
        return value
    problems.append(
        Problem(
            "E035",
            "REQUEST_OBJECT_AUD must be 'issuer', 'authorization_endpoint' or an absolute https "
            "URL.",
            "D-AREQ (since 2024-03): the issuer, the default; older docs and D-FR: the "
            "authorization endpoint. Change it only if itsme answers invalid_request_object.",
            "REQUEST_OBJECT_AUD",
        )
    )
    return None


def _check_request_uri_base(value: Any, issuer: str | None, problems: list[Problem]) -> str | None:
    """``REQUEST_URI_BASE``: the registered prefix our request URIs start with (D-AREQ)."""
    if value is None:
        return None
    ok = isinstance(value, str) and _is_absolute_url(value, issuer) and value.endswith("/")
    if ok and not (issuer is not None and is_loopback_url(issuer)):
        parts = urlsplit(value)
        # D-AREQ: "must include the port :443 explicitly"; no query, it is a prefix.
        ok = parts.port == 443 and not parts.query and ":443" in parts.netloc
    if ok:
        return str(value)
    problems.append(
        Problem(
            "E034",
            "REQUEST_URI_BASE must be an https URL with an explicit :443 port, without query "
            "or #fragment, ending in '/'.",
            "The registered request_uri prefix, e.g. 'https://www.example.be:443/itsme/request/'"
            " (D-AREQ); the token and '/' are appended. Leave it out to use this route on the "
            "request's host.",
            "REQUEST_URI_BASE",
        )
    )
    return None


def _is_absolute_url(value: str, issuer: str | None) -> bool:
    parts = urlsplit(value)
    loopback_allowed = issuer is not None and is_loopback_url(issuer)
    scheme_ok = parts.scheme == "https" or (loopback_allowed and parts.scheme == "http")
    return scheme_ok and bool(parts.netloc) and not parts.fragment
