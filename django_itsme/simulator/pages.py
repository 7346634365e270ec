"""Self-contained HTML pages: the index, the approval screen and the error screen.

The pages speak the language :func:`~django_itsme.simulator.page_texts.choose_language` picks
from ``ui_locales`` (D-AREQ), with their words in :mod:`~django_itsme.simulator.page_texts`.
Everything dynamic is HTML-escaped; only the Confirm free text keeps its ``<b> <i> <u> <br>``
tags, as the itsme app renders them (D-CONF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final

from .confirm import ConfirmTemplate, render_free_text
from .identities import Identity
from .page_texts import (
    APP_LANGUAGES,
    CLAIM_TEXTS,
    DEFAULT_LANGUAGE,
    SERVICE_TEXTS,
    Phrase,
    say,
)
from .protocol import ACR_ADVANCED, CLAIM_PREFIX, TEMPLATE_FREE_TEXT
from .registry import RegisteredClient

#: Plain-words English names of the claims (the discovery document lists their keys).
CLAIM_LABELS: Final[Mapping[str, str]] = {
    name: phrase.render(DEFAULT_LANGUAGE) for name, phrase in CLAIM_TEXTS.items()
}
#: Characters per IBAN group: IBANs are printed in groups of four (ISO 13616-1 §5.3).
IBAN_GROUP: Final = 4

#: (identity document type, issuing country) -> its text name (D-AREQ ``IDDocumentType``).
_DOCUMENTS: Final = {("I", "BEL"): "document_be_eid", ("P", "NLD"): "document_nl_passport"}
#: Data a test identity may lack, and how the pages say so.
_MAY_LACK: Final = (
    ("email", "no_email"),
    ("address", "no_address"),
    (CLAIM_PREFIX + "BENationalNumber", "no_national_number"),
)

_STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  background: #f3f4f6; color: #1f2937; }
header { background: #ff4612; color: #fff; padding: .8rem 1.2rem; font-weight: 700; }
header small { font-weight: 400; opacity: .9; margin-left: .5rem; }
main { max-width: 36rem; margin: 1.5rem auto; padding: 0 1rem; }
main.wide { max-width: 56rem; }
.card { background: #fff; border-radius: .8rem; box-shadow: 0 1px 4px rgba(0,0,0,.12);
  padding: 1.2rem 1.4rem; margin-bottom: 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .8rem; }
h2 { font-size: 1rem; margin: 1rem 0 .4rem; color: #4b5563; }
.card > h2:first-child { margin-top: 0; }
h3 { font-size: 1rem; margin: 0 0 .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dt { color: #6b7280; } dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: .85em; background: #f3f4f6; padding: 0 .25em; border-radius: .2em;
  overflow-wrap: anywhere; }
a { color: #b3300a; }
.iban { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.iban-group { display: inline-block; white-space: nowrap; }
.message { border: 1px solid #e5e7eb; border-radius: .5rem; padding: .8rem; white-space: pre-wrap;
  background: #fafafa; }
ul, ol { margin: .2rem 0; padding-left: 1.2rem; }
li + li { margin-top: .2rem; }
fieldset { border: 1px solid #e5e7eb; border-radius: .5rem; margin: 0; padding: .6rem .9rem; }
label { display: block; padding: .25rem 0; cursor: pointer; }
.buttons { display: flex; gap: .8rem; margin-top: 1.2rem; }
button { flex: 1; font: inherit; font-weight: 600; padding: .7rem; border-radius: .5rem;
  border: 2px solid #ff4612; cursor: pointer; }
#approve { background: #ff4612; color: #fff; }
#refuse { background: #fff; color: #ff4612; }
.error { border-left: 4px solid #b91c1c; }
.muted { color: #6b7280; }
.spaced { margin-top: 1rem; }
footer { text-align: center; color: #6b7280; font-size: .8rem; margin: 1rem 0 2rem; }
.people { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
.people .card { margin: 0; }
.people dl { grid-template-columns: 1fr; gap: 0; }
.people dd { margin-bottom: .35rem; }
#clients h3 + dl { margin-bottom: .8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem .35rem 0;
  border-top: 1px solid #e5e7eb; }
th { font-weight: 600; color: #4b5563; white-space: nowrap; }
@media (max-width: 30rem) {
  dl { grid-template-columns: 1fr; gap: 0; } dd { margin-bottom: .4rem; } }
"""


def _document(title: str, body: str, language: str, *, wide: bool = False) -> str:
    """Wrap a page body in a complete HTML document with the inline style sheet.

    :param title: the page title (escaped here).
    :param body: the body HTML (already safe).
    :param language: the page's language (its ``lang`` attribute and frame texts).
    :param wide: a wider column (the index page).
    :returns: the document.
    """
    main = '<main class="wide">' if wide else "<main>"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header>{escape(say(language, 'simulator'))}"
        f"<small>{escape(say(language, 'tagline'))}</small></header>\n"
        f"{main}\n{body}\n</main>\n"
        f"<footer>{escape(say(language, 'footer'))}</footer>\n"
        "</body>\n</html>\n"
    )


def _rich(text: str) -> str:
    """Escape a page text, showing its `backticked` parts as code.

    :param text: a text of :data:`~django_itsme.simulator.page_texts.TEXTS`.
    :returns: safe HTML.
    """
    parts = escape(text).split("`")
    return "".join(
        f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts)
    )


def error_page(error: str, description: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Render the page itsme shows when it cannot redirect (D-AUTH errors).

    :param error: the error code.
    :param description: the explanation (English: a technical detail for the developer).
    :param language: the page's language.
    :returns: the HTML document.
    """
    body = (
        f'<section class="card error">\n<h1>{escape(say(language, "error_heading"))}</h1>\n'
        f'<p><code id="error">{escape(error)}</code></p>\n'
        f'<p id="error-description" lang="en">{escape(description)}</p>\n'
        f"<p>{escape(say(language, 'error_hint'))}</p>\n"
        "</section>"
    )
    return _document(say(language, "error_title", error=error), body, language)


def claim_label(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Describe a claim in plain words.

    :param name: the claim name.
    :param language: the page's language.
    :returns: the description, or the name itself when unknown.
    """
    phrase = CLAIM_TEXTS.get(name)
    return phrase.render(language) if phrase is not None else name


def iban_groups(iban: str) -> list[str]:
    """Split an IBAN into the groups of four it is printed in (ISO 13616-1 §5.3).

    :param iban: the IBAN, with or without spaces.
    :returns: the groups, upper case; the last may be shorter.
    """
    compact = "".join(iban.split()).upper()
    return [compact[start : start + IBAN_GROUP] for start in range(0, len(compact), IBAN_GROUP)]


def iban_html(iban: str) -> str:
    """Render an IBAN in groups of four that a narrow screen never breaks inside a group.

    Each group is an unbreakable box; the plain spaces between them are where a line may break
    and what a copy gives back.

    :param iban: the IBAN.
    :returns: safe HTML.
    """
    return " ".join(
        f'<span class="iban-group">{escape(group)}</span>' for group in iban_groups(iban)
    )


def _document_name(identity: Identity, language: str) -> str:
    """Name a test identity's identity document.

    :param identity: the identity.
    :param language: the page's language.
    :returns: e.g. "Belgian eID card".
    """
    kind = str(identity.claims.get(CLAIM_PREFIX + "IDDocumentType", ""))
    name = _DOCUMENTS.get((kind, identity.issuing_country or ""), "document_other")
    return say(language, name)


def _lacks(identity: Identity, language: str) -> list[str]:
    """List the data a test identity does not have.

    :param identity: the identity.
    :param language: the page's language.
    :returns: phrases such as "no e-mail address".
    """
    return [say(language, text) for claim, text in _MAY_LACK if claim not in identity.claims]


def describe_identity(identity: Identity, language: str = DEFAULT_LANGUAGE) -> str:
    """Describe a test identity on one line: name, town, document, what is missing.

    :param identity: the identity.
    :param language: the page's language.
    :returns: plain text (not escaped).
    """
    address = identity.claims.get("address")
    town = address.get("locality") if isinstance(address, Mapping) else None
    lacks = _lacks(identity, language) or [say(language, "all_data")]
    parts = [
        identity.display_name,
        *([str(town).title()] if town else []),
        _document_name(identity, language),
        *lacks,
    ]
    return ", ".join(parts)


@dataclass(frozen=True)
class ApprovalView:
    """What the approval page shows.

    :param transaction: the one-time transaction id posted back with the decision.
    :param action: the form target URL.
    :param client_id: the partner code.
    :param service_code: the service code.
    :param service_type: ``login``, ``share`` or ``confirm``.
    :param acr: the required level (v2 ACR URI).
    :param requested: names of the requested user claims.
    :param template: the Confirm template, if any.
    :param identities: identities to choose from (ignored when ``fixed_identity`` is set).
    :param fixed_identity: the identity named by ``sub`` (identification skipped).
    :param language: the page's language, from ``ui_locales`` (D-AREQ).
    """

    transaction: str
    action: str
    client_id: str
    service_code: str
    service_type: str
    acr: str
    requested: Sequence[str]
    template: ConfirmTemplate | None
    identities: Sequence[Identity]
    fixed_identity: Identity | None
    language: str = DEFAULT_LANGUAGE


def _template_html(template: ConfirmTemplate, language: str) -> str:
    """Render what the app shows for a Confirm template (D-CONF).

    :param template: the validated template.
    :param language: the page's language.
    :returns: safe HTML.
    """
    if template.kind == TEMPLATE_FREE_TEXT:
        text = render_free_text(template.text or "")
        return (
            f"<h2>{escape(say(language, 'message_to_confirm'))}</h2>\n"
            f'<div class="message" id="free-text">{text}</div>'
        )
    rows = (
        _term(say(language, "amount"), escape(template.amount or ""), element_id="amount"),
        _term(say(language, "currency"), escape(template.currency or ""), element_id="currency"),
        _term(
            say(language, "beneficiary_iban"),
            iban_html(template.iban or ""),
            element_id="iban",
            css_class="iban",
        ),
    )
    return (
        f"<h2>{escape(say(language, 'payment_to_confirm'))}</h2>\n"
        f'<dl id="payment">{"".join(rows)}</dl>'
    )


def _identity_html(view: ApprovalView) -> str:
    """Render the identity part: the fixed user, or a radio choice of test identities.

    :param view: the page data.
    :returns: safe HTML.
    """
    language = view.language
    if view.fixed_identity is not None:
        person = view.fixed_identity
        return (
            f"<h2>{escape(say(language, 'signed_in_user'))}</h2>\n"
            f'<p id="fixed-identity">{escape(describe_identity(person, language))} '
            f"<code>{escape(person.sub_for(view.client_id))}</code></p>"
        )
    options = []
    for index, person in enumerate(view.identities):
        checked = " checked" if index == 0 else ""
        options.append(
            f'<label><input type="radio" name="identity" value="{escape(person.key)}"'
            f' id="identity-{escape(person.key)}"{checked}> '
            f"{escape(describe_identity(person, language))}</label>"
        )
    return (
        f"<fieldset>\n<legend>{escape(say(language, 'who_approves'))}</legend>\n"
        + "\n".join(options)
        + "\n</fieldset>"
    )


def approval_page(view: ApprovalView) -> str:
    """Render the screen standing in for the itsme app's approval step.

    :param view: the page data.
    :returns: the HTML document.
    """
    language = view.language
    level = say(language, "level_advanced" if view.acr == ACR_ADVANCED else "level_basic")
    service = SERVICE_TEXTS.get(view.service_type)
    service_name = say(language, service) if service else view.service_type
    rows = (
        _term(say(language, "partner"), escape(view.client_id), element_id="partner"),
        _term(
            say(language, "service"),
            f"{escape(view.service_code)} ({escape(service_name)})",
            element_id="service",
        ),
        _term(
            say(language, "security_level"),
            f"{escape(level)} <code>{escape(view.acr)}</code>",
            element_id="acr",
        ),
    )
    summary = f'<dl id="summary">{"".join(rows)}</dl>'
    heading = say(language, "approve_heading", client=view.client_id)
    parts = [f"<h1>{escape(heading)}</h1>", summary]
    if view.template is not None:
        parts.append(_template_html(view.template, language))
    if view.requested:
        items = "".join(
            f"<li>{escape(claim_label(name, language))}</li>" for name in view.requested
        )
        parts.append(
            f'<h2>{escape(say(language, "data_received"))}</h2>\n<ul id="requested">{items}</ul>'
        )
    elif view.service_type == "login":
        parts.append(f"<p>{escape(say(language, 'login_only'))}</p>")
    form = (
        f'<form method="post" action="{escape(view.action)}">\n'
        f'<input type="hidden" name="transaction" value="{escape(view.transaction)}">\n'
        f"{_identity_html(view)}\n"
        '<div class="buttons">'
        '<button type="submit" name="decision" value="approve" id="approve">'
        f"{escape(say(language, 'approve'))}</button>"
        '<button type="submit" name="decision" value="refuse" id="refuse">'
        f"{escape(say(language, 'refuse'))}</button>"
        "</div>\n</form>"
    )
    parts.append(form)
    body = '<section class="card">\n' + "\n".join(parts) + "\n</section>"
    return _document(say(language, "approve_title", client=view.client_id), body, language)


@dataclass(frozen=True)
class IndexView:
    """What the index page (the simulator's root URL) shows.

    :param issuer: the issuer URL.
    :param endpoints: endpoint text name (``endpoint_discovery`` ...) -> (method, URL).
    :param identities: the test identities.
    :param clients: the registered clients.
    :param language: the page's language.
    """

    issuer: str
    endpoints: Mapping[str, tuple[str, str]]
    identities: Sequence[Identity]
    clients: Sequence[RegisteredClient]
    language: str = DEFAULT_LANGUAGE


#: Endpoints a browser can open as they are (the others need parameters, a POST or a token).
_BROWSABLE: Final = frozenset({"endpoint_discovery", "endpoint_jwks"})


def _endpoints_html(view: IndexView) -> str:
    """Render the endpoint table.

    :param view: the page data.
    :returns: safe HTML.
    """
    rows = []
    for name, (method, url) in view.endpoints.items():
        shown = f"<code>{escape(url)}</code>"
        if name in _BROWSABLE:
            shown = f'<a href="{escape(url)}">{shown}</a>'
        rows.append(
            f'<tr id="{escape(name.replace("_", "-"))}"><th>{escape(method)}</th>'
            f'<td>{shown}<br><span class="muted">{escape(say(view.language, name))}</span></td>'
            "</tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _fact(label: str, value: str) -> str:
    """Render one ``<dt>``/``<dd>`` pair of plain text.

    :param label: the term (escaped here).
    :param value: the description (escaped here).
    :returns: safe HTML.
    """
    return _term(label, escape(value))


def _term(label: str, html: str, *, element_id: str = "", css_class: str = "") -> str:
    """Render one ``<dt>``/``<dd>`` pair whose description is already HTML.

    :param label: the term (escaped here).
    :param html: the description, safe HTML.
    :param element_id: the ``<dd>``'s id (tests and the e2e suite find values by it), if any.
    :param css_class: the ``<dd>``'s class, if any.
    :returns: safe HTML.
    """
    attributes = (f' id="{element_id}"' if element_id else "") + (
        f' class="{css_class}"' if css_class else ""
    )
    return f"<dt>{escape(label)}</dt><dd{attributes}>{html}</dd>"


def _identity_card(identity: Identity, language: str) -> str:
    """Render one test identity and what it has.

    :param identity: the identity.
    :param language: the page's language.
    :returns: safe HTML.
    """
    claims = identity.claims
    facts = [_fact(say(language, "document"), _document_name(identity, language))]
    born = [str(claims.get("birthdate", ""))]
    place = claims.get(CLAIM_PREFIX + "place_of_birth")
    if isinstance(place, Mapping) and place.get("formatted"):
        born.append(str(place["formatted"]))
    facts.append(_fact(say(language, "born"), ", ".join(part for part in born if part)))
    address = claims.get("address")
    if isinstance(address, Mapping) and address.get("formatted"):
        facts.append(_fact(say(language, "address"), str(address["formatted"])))
    if claims.get("email"):
        facts.append(_fact(say(language, "email"), str(claims["email"])))
    if claims.get("phone_number"):
        facts.append(_fact(say(language, "phone"), str(claims["phone_number"])))
    app_language: Phrase | None = APP_LANGUAGES.get(str(claims.get("locale", "")))
    if app_language is not None:
        facts.append(_fact(say(language, "app_language"), app_language.render(language)))
    device: Any = claims.get(CLAIM_PREFIX + "claim_device")
    if isinstance(device, Mapping):
        model = " ".join(
            str(device[key]) for key in ("manufacturer", "deviceModel") if key in device
        )
        facts.append(_fact(say(language, "device"), model))
    lacks = _lacks(identity, language) or [say(language, "nothing_missing")]
    facts.append(_fact(say(language, "missing"), ", ".join(lacks)))
    return (
        f'<section class="card identity" id="identity-{escape(identity.key)}">'
        f"<h3>{escape(identity.display_name)} <code>{escape(identity.key)}</code></h3>"
        f"<dl>{''.join(facts)}</dl></section>"
    )


def _clients_html(view: IndexView) -> str:
    """Render the registered clients, one block each (narrow screens stay unscrolled).

    :param view: the page data.
    :returns: safe HTML.
    """
    language = view.language
    if not view.clients:
        return f"<p>{escape(say(language, 'no_sites'))}</p>"
    blocks = []
    for client in view.clients:
        services = "<br>".join(
            f"<code>{escape(code)}</code> "
            f"({escape(say(language, SERVICE_TEXTS[kind]) if kind in SERVICE_TEXTS else kind)})"
            for code, kind in client.services.items()
        )
        uris = "<br>".join(f"<code>{escape(uri)}</code>" for uri in client.redirect_uris)
        blocks.append(
            f"<h3>{escape(say(language, 'partner_code'))} <code>{escape(client.client_id)}</code>"
            f"</h3><dl>{_term(say(language, 'services'), services)}"
            f"{_term(say(language, 'redirect_uris'), uris)}</dl>"
        )
    return f'<div id="clients">{"".join(blocks)}</div>'


def index_page(view: IndexView) -> str:
    """Render the simulator's home page: what it is, its issuer, endpoints, test identities,
    registered websites and how to use it.

    :param view: the page data.
    :returns: the HTML document.
    """
    language = view.language
    steps = "".join(
        f"<li>{_rich(say(language, step))}</li>"
        for step in ("step_start", "step_approve", "step_return", "step_tests")
    )
    people = "".join(_identity_card(person, language) for person in view.identities)
    body = (
        '<section class="card">\n'
        f"<h1>{escape(say(language, 'index_title'))}</h1>\n"
        f"<p>{escape(say(language, 'index_intro'))}</p>\n"
        f"<h2>{escape(say(language, 'issuer'))}</h2>\n"
        f'<p><code id="issuer">{escape(view.issuer)}</code><br>'
        f'<span class="muted">{_rich(say(language, "issuer_hint"))}</span></p>\n'
        f"<h2>{escape(say(language, 'endpoints'))}</h2>\n{_endpoints_html(view)}\n"
        "</section>\n"
        f'<section class="card" id="how"><h2>{escape(say(language, "how_to_use"))}</h2>'
        f"<ol>{steps}</ol>"
        f'<p class="muted">{_rich(say(language, "languages_note"))}</p></section>\n'
        f'<h2 id="identities">{escape(say(language, "identities"))}</h2>\n'
        f"<p>{_rich(say(language, 'identities_intro'))}</p>\n"
        f'<div class="people">{people}</div>\n'
        f'<section class="card spaced" id="sites">'
        f"<h2>{escape(say(language, 'sites'))}</h2>{_clients_html(view)}</section>"
    )
    return _document(say(language, "simulator"), body, language, wide=True)
