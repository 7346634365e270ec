"""The one registry of django-itsme's system checks: id, level, summary, message and hint.

The core's problems (:data:`~django_itsme.core.problem_registry.CORE_CHECKS`, ``E001``-``E018``
and ``E034``-``E037``) come first, then the ids only the Django layer reports. ``checks.py``
builds every message from here, README.rst's "System checks" table is generated from here
(``python scripts/check_table.py``) and its settings reference lists the ids each key's entry
names; ``tests/app/test_check_registry.py`` compares them.

No Django import: the table generator reads this module without settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from .core.problem_registry import CORE_CHECKS, CheckSpec, registry

__all__ = ["CHECKS", "DJANGO_CHECKS"]

_ARCHIVE_HINT = (
    "Set ITSME['KEY_ARCHIVE'] to a file path and run 'manage.py itsme_archive_keys' daily "
    "(cron), committing the file; see README.rst, Confirm evidence."
)

#: The checks only the Django layer makes, in the order they were added.
DJANGO_CHECKS: Mapping[str, CheckSpec] = registry(
    [
        CheckSpec(
            "E019",
            "``CREATE_USERS`` is not a bool",
            message="CREATE_USERS must be True or False, not a {type}.",
            hint="True creates a local user on the first itsme login of an unknown person; "
            "False lets only people whose itsme identity is already linked log in.",
            settings=("CREATE_USERS",),
        ),
        CheckSpec(
            "E020",
            "``CACHE`` is not a string naming an alias of ``settings.CACHES``",
            message="CACHE names the cache alias {alias!r}, which is not in settings.CACHES."
            "{suggestion}",
            hint="Set CACHE to one of the aliases in settings.CACHES ({known}), or leave it "
            "out to use 'default'.",
            settings=("CACHE",),
        ),
        CheckSpec(
            "E021",
            "``AUTHENTICATION_BACKENDS`` lacks ``django_itsme.backends.ItsmeBackend`` (or a "
            "subclass)",
            message="AUTHENTICATION_BACKENDS does not include {backend}: itsme logins would be "
            "refused.",
            hint="Add {backend!r} (or a subclass) to AUTHENTICATION_BACKENDS.",
        ),
        CheckSpec(
            "E022",
            "``MIDDLEWARE`` lacks ``SessionMiddleware`` (or a subclass)",
            message="MIDDLEWARE does not include SessionMiddleware: the itsme flow keeps its "
            "state, nonce and PKCE verifier in the session.",
            hint="Add {middleware!r} (or a subclass) to MIDDLEWARE.",
        ),
        CheckSpec(
            "E023",
            "``MIDDLEWARE`` lacks ``AuthenticationMiddleware`` (or a subclass)",
            message="MIDDLEWARE does not include AuthenticationMiddleware: the itsme callback "
            "cannot log the user in.",
            hint="Add {middleware!r} (or a subclass) to MIDDLEWARE, after SessionMiddleware.",
        ),
        CheckSpec(
            "E024",
            "``REQUEST_BY`` is ``'reference'`` but the ``CACHE`` is a ``DummyCache``",
            message="REQUEST_BY is 'reference', but the CACHE alias is a DummyCache, which "
            "stores nothing: itsme could never fetch the request objects.",
            hint="Point CACHE at a real cache (Redis, Memcached, database), or set REQUEST_BY "
            "to 'value'.",
            settings=("REQUEST_BY",),
        ),
        CheckSpec(
            "E025",
            "``LINK_MAX_AGE`` is not ``None`` or a whole number of seconds > 0",
            message="LINK_MAX_AGE must be None or a whole number of seconds > 0, not {shown}.",
            hint="Set LINK_MAX_AGE to how recent a login must be to link an itsme identity "
            "(e.g. 300), or to None for no requirement.",
            settings=("LINK_MAX_AGE",),
        ),
        CheckSpec(
            "E026",
            "``KEY_ARCHIVE`` is neither ``None`` nor a non-empty file path",
            message="KEY_ARCHIVE must be None or a file path, not {type}.",
            hint=_ARCHIVE_HINT,
            settings=("KEY_ARCHIVE",),
        ),
        CheckSpec(
            "E027",
            "the ``KEY_ARCHIVE`` file cannot be read or is not a key archive: not JSON, "
            "another format, a private key member, a thumbprint that does not match its key "
            "(restore it from version control; never edit keys in by hand)",
            message="KEY_ARCHIVE: {error}",
            hint="Restore the file from version control or a backup; never edit keys into it "
            "by hand ('manage.py itsme_archive_keys --list' shows what it holds).",
            settings=("KEY_ARCHIVE",),
        ),
        CheckSpec(
            "E028",
            "``REQUEST_BY`` is ``'reference'`` but the ``CACHE`` is a ``LocMemCache``: it "
            "culls at ``MAX_ENTRIES`` (300 by default), so a few hundred anonymous flow starts "
            "evict waiting users' request objects; an error even with ``DEBUG`` (use Redis or "
            'Memcached, or ``REQUEST_BY = "value"``)',
            message="REQUEST_BY is 'reference' but the CACHE alias {alias!r} is a LocMemCache: "
            "it keeps at most MAX_ENTRIES entries ({max_entries}) and culls when full, so a few "
            "hundred anonymous flow starts evict the request objects itsme is about to fetch "
            "for waiting users (and other processes cannot serve them).",
            hint="Point CACHE at a shared cache (Redis or Memcached), or set REQUEST_BY to "
            "'value', which stores no request objects.",
            settings=("REQUEST_BY",),
        ),
        CheckSpec(
            "E029",
            "``FLOW_START_LIMIT`` is not ``None`` or a whole number >= 0, or "
            "``CLIENT_ADDRESS_HEADER`` is not ``None`` or a ``request.META`` key",
            message="{setting} must be None or {expected}, not {shown}.",
            hint="Set FLOW_START_LIMIT to the flow starts allowed per client address and "
            "minute (default 20), or to None (or 0) for no limit.",
            settings=("FLOW_START_LIMIT", "CLIENT_ADDRESS_HEADER"),
        ),
        CheckSpec(
            "W001",
            "``ENVIRONMENT`` is the loopback simulator (plain http) while ``DEBUG`` is False",
            message="ENVIRONMENT is a plain http issuer on loopback (the itsme simulator) while "
            "DEBUG is False.",
            hint="Use 'e2e' or 'prd' outside development; the simulator is for tests and local "
            "development only.",
            settings=("ENVIRONMENT",),
        ),
        CheckSpec(
            "W002",
            "the ``CACHE`` is per process (``LocMemCache``) or stores nothing (``DummyCache``) "
            "while ``DEBUG`` is False",
            message="The CACHE alias {alias!r} is {what}: workers will not share itsme's "
            "discovery document, keys or request objects while DEBUG is False.",
            hint="Use a cache shared by every worker (Redis, Memcached, database or file based) "
            "for the itsme CACHE alias.",
            settings=("CACHE",),
        ),
        CheckSpec(
            "W004",
            "(``manage.py check --deploy`` only) a service looks like Confirm (its name or "
            '``CODE`` contains "confirm" or "approv") while ``KEY_ARCHIVE`` is not set: '
            "evidence is anchored online only, and stops verifying once itsme rotates its key",
            message="A Confirm service is configured but KEY_ARCHIVE is not set: Confirm "
            "evidence can only be anchored on itsme's live JWKS, so it stops verifying once "
            "itsme rotates its signing key.",
            hint=_ARCHIVE_HINT,
            settings=("KEY_ARCHIVE",),
        ),
        CheckSpec(
            "W005",
            "the ``KEY_ARCHIVE`` file does not exist yet (run ``manage.py itsme_archive_keys``)",
            message="The KEY_ARCHIVE file {path!r} does not exist yet: Confirm evidence is "
            "anchored online only until it does.",
            hint="Run 'manage.py itsme_archive_keys' to create it (and daily from cron).",
            settings=("KEY_ARCHIVE",),
        ),
        CheckSpec(
            "W006",
            "``REQUEST_BY`` is ``'reference'`` and the ``CACHE`` is a file or database cache "
            "with ``MAX_ENTRIES`` under 100 000: it culls when full, evicting waiting users' "
            "request objects",
            message="REQUEST_BY is 'reference' and the CACHE alias {alias!r} culls entries once "
            "it holds MAX_ENTRIES ({max_entries}): anonymous flow starts can evict the request "
            "objects itsme is about to fetch for waiting users.",
            hint="Set OPTIONS['MAX_ENTRIES'] of that cache to at least {minimum}, use Redis or "
            "Memcached, or set REQUEST_BY to 'value'.",
            settings=("REQUEST_BY",),
        ),
        CheckSpec(
            "W007",
            "flow starts are not limited (``FLOW_START_LIMIT`` off, or a ``DummyCache`` that "
            "cannot count) while ``DEBUG`` is False",
            message="{why}: anonymous visitors can start any number of itsme flows, each of "
            "which stores a session (and, with REQUEST_BY 'reference', a request object).",
            hint="Keep FLOW_START_LIMIT (default 20 per client address and minute) and a shared "
            "cache as CACHE, or limit /itsme/login/ in front of Django.",
            settings=("FLOW_START_LIMIT",),
        ),
        CheckSpec(
            "W009",
            "(``check --deploy``) ``REQUEST_BY`` is ``'value'``, a service looks like Confirm, "
            "the ``CACHE`` can serve request objects and ``REQUEST_URI_BASE`` is not set while "
            "``DEBUG`` is False: a Confirm request over 8000 bytes switches to a "
            "``request_uri`` itsme refuses unless registered (see `Request size`_)",
            message="REQUEST_BY is 'value' and a Confirm service is configured: a long free "
            "text (up to 7500 characters) makes an authorization URL over {max_length} bytes, "
            "which django-itsme then sends by request_uri on the request's host. itsme refuses "
            "a request_uri that was not registered.",
            hint="Register the request URI base with itsme and set REQUEST_URI_BASE to it "
            "(README: Request size), or keep Confirm texts short and silence this warning.",
            settings=("REQUEST_BY",),
        ),
        CheckSpec(
            "E038",
            "``JWKS_MAX_AGE`` is not a whole number of seconds from 1 to 86400",
            message="JWKS_MAX_AGE must be a whole number of seconds from 1 to 86400, not {shown}.",
            hint="itsme caches our JWKS 30 minutes to 24 hours and honours max-age in between "
            "(D-AUTH 'Key rotation procedure'); the default is 3600.",
            settings=("JWKS_MAX_AGE",),
        ),
        CheckSpec(
            "W011",
            "``JWKS_MAX_AGE`` is under 1800 seconds: itsme keeps our JWKS at least 30 minutes "
            "whatever ``max-age`` says, so it only brings more fetches",
            message="JWKS_MAX_AGE is {value} seconds, but itsme keeps our JWKS at least 30 "
            "minutes: a shorter max-age does not make a rotation reach itsme sooner.",
            hint="Use 1800 or more (the default is 3600); rotations wait for itsme's worst case "
            "anyway (manage.py itsme_keys rotate).",
            settings=("JWKS_MAX_AGE",),
        ),
        CheckSpec(
            "W013",
            "a service looks like Confirm (as for W004) while ``ID_TOKEN_SIGNING_ALG`` is "
            "``'HS256'``: its flows are refused (``confirm_needs_rs256``), as a token signed with "
            "the site's own secret proves no approval",
            message="The service {service!r} looks like Confirm, but ID_TOKEN_SIGNING_ALG is "
            "'HS256': its ID tokens would be signed with this site's own CLIENT_SECRET and prove "
            "no approval, so every Confirm flow is refused before it reaches itsme.",
            hint="Register RS256 with itsme and set ID_TOKEN_SIGNING_ALG to 'RS256' "
            "(README.rst, 'Client-secret partners').",
            settings=("ID_TOKEN_SIGNING_ALG",),
        ),
    ]
)

#: Every check id: the core's problems first, then the Django side's. An id missing here is a
#: programming error.
CHECKS: Mapping[str, CheckSpec] = registry([*CORE_CHECKS.values(), *DJANGO_CHECKS.values()])
