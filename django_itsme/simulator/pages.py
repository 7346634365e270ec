"""Self-contained HTML pages: the approval screen and the error screen.

Everything dynamic is HTML-escaped; only the Confirm free text keeps its ``<b> <i> <u> <br>``
tags, as the itsme app renders them (D-CONF).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .confirm import ConfirmTemplate, render_free_text
from .identities import Identity
from .protocol import ACR_ADVANCED, CLAIM_PREFIX, TEMPLATE_FREE_TEXT

#: Plain-words names of the claims, for the "requested data" list.
CLAIM_LABELS: dict[str, str] = {
    "name": "Full name",
    "given_name": "First name",
    "family_name": "Last name",
    "gender": "Gender",
    "locale": "Language of the itsme app",
    "birthdate": "Date of birth",
    "email": "E-mail address",
    "email_verified": "Whether the e-mail address is verified (always no)",
    "phone_number": "Mobile phone number",
    "phone_number_verified": "Whether the phone number is verified",
    "address": "Home address",
    "picture": "Photo (link)",
    "age_gte_16": "Whether you are 16 or older",
    "age_gte_18": "Whether you are 18 or older",
    "age_gte_21": "Whether you are 21 or older",
    "age_gte_30": "Whether you are 30 or older",
    CLAIM_PREFIX + "BENationalNumber": "Belgian national register number",
    CLAIM_PREFIX + "BEeidSn": "Belgian eID card number",
    CLAIM_PREFIX + "IDDocumentSN": "Identity document number",
    CLAIM_PREFIX + "IDDocumentType": "Identity document type",
    CLAIM_PREFIX + "IDIssuingCountry": "Country that issued the identity document",
    CLAIM_PREFIX + "issuance_locality": "Place where the identity document was issued",
    CLAIM_PREFIX + "validityFrom": "Identity document issue date",
    CLAIM_PREFIX + "validityTo": "Identity document expiry date",
    CLAIM_PREFIX + "verificationDate": "When itsme last checked the identity document",
    CLAIM_PREFIX + "birthdate_as_string": "Date of birth as printed on the document",
    CLAIM_PREFIX + "official_gender": "Gender as printed on the document",
    CLAIM_PREFIX + "place_of_birth": "Place of birth",
    CLAIM_PREFIX + "claim_citizenship": "Nationality",
    CLAIM_PREFIX + "claim_citizenship_as_iso": "Nationality (ISO code)",
    CLAIM_PREFIX + "physical_person_photo": "Photo from the identity document",
    CLAIM_PREFIX + "claim_device": "Details of the phone running itsme",
}

_SERVICE_LABELS = {
    "login": "Log in (authentication)",
    "share": "Share identity data",
    "confirm": "Confirm a transaction",
}

_STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  background: #f3f4f6; color: #1f2937; }
header { background: #ff4612; color: #fff; padding: .8rem 1.2rem; font-weight: 700; }
header small { font-weight: 400; opacity: .9; margin-left: .5rem; }
main { max-width: 36rem; margin: 1.5rem auto; padding: 0 1rem; }
.card { background: #fff; border-radius: .8rem; box-shadow: 0 1px 4px rgba(0,0,0,.12);
  padding: 1.2rem 1.4rem; margin-bottom: 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .8rem; }
h2 { font-size: 1rem; margin: 1rem 0 .4rem; color: #4b5563; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dt { color: #6b7280; } dd { margin: 0; word-break: break-word; }
code { font-size: .85em; background: #f3f4f6; padding: 0 .25em; border-radius: .2em; }
.message { border: 1px solid #e5e7eb; border-radius: .5rem; padding: .8rem; white-space: pre-wrap;
  background: #fafafa; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
fieldset { border: 1px solid #e5e7eb; border-radius: .5rem; margin: 0; padding: .6rem .9rem; }
label { display: block; padding: .25rem 0; cursor: pointer; }
.buttons { display: flex; gap: .8rem; margin-top: 1.2rem; }
button { flex: 1; font: inherit; font-weight: 600; padding: .7rem; border-radius: .5rem;
  border: 2px solid #ff4612; cursor: pointer; }
#approve { background: #ff4612; color: #fff; }
#refuse { background: #fff; color: #ff4612; }
.error { border-left: 4px solid #b91c1c; }
footer { text-align: center; color: #6b7280; font-size: .8rem; margin: 1rem 0 2rem; }
"""


def _document(title: str, body: str) -> str:
    """Wrap a page body in a complete HTML document with the inline style sheet.

    :param title: the page title (escaped here).
    :param body: the body HTML (already safe).
    :returns: the document.
    """
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        "<header>itsme® simulator<small>test provider, not the real itsme</small></header>\n"
        f"<main>\n{body}\n</main>\n"
        "<footer>Local OpenID Provider for tests. No real identity data is used.</footer>\n"
        "</body>\n</html>\n"
    )


def error_page(error: str, description: str) -> str:
    """Render the page itsme shows when it cannot redirect (D-AUTH errors).

    :param error: the error code.
    :param description: the explanation.
    :returns: the HTML document.
    """
    body = (
        '<section class="card error">\n<h1>The request cannot be processed</h1>\n'
        f'<p><code id="error">{escape(error)}</code></p>\n'
        f'<p id="error-description">{escape(description)}</p>\n'
        "<p>The partner website sent an invalid request. Go back and try again.</p>\n"
        "</section>"
    )
    return _document(f"Error: {error}", body)


def claim_label(name: str) -> str:
    """Describe a claim in plain words.

    :param name: the claim name.
    :returns: the description, or the name itself when unknown.
    """
    return CLAIM_LABELS.get(name, name)


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


def _template_html(template: ConfirmTemplate) -> str:
    """Render what the app shows for a Confirm template (D-CONF).

    :param template: the validated template.
    :returns: safe HTML.
    """
    if template.kind == TEMPLATE_FREE_TEXT:
        text = render_free_text(template.text or "")
        return f'<h2>Message to confirm</h2>\n<div class="message" id="free-text">{text}</div>'
    return (
        '<h2>Payment to confirm</h2>\n<dl id="payment">'
        f'<dt>Amount</dt><dd id="amount">{escape(template.amount or "")}</dd>'
        f'<dt>Currency</dt><dd id="currency">{escape(template.currency or "")}</dd>'
        f'<dt>Beneficiary IBAN</dt><dd id="iban">{escape(template.iban or "")}</dd></dl>'
    )


def _identity_html(view: ApprovalView) -> str:
    """Render the identity part: the fixed user, or a radio choice of test identities.

    :param view: the page data.
    :returns: safe HTML.
    """
    if view.fixed_identity is not None:
        person = view.fixed_identity
        return (
            "<h2>Signed-in user</h2>\n"
            f'<p id="fixed-identity">{escape(person.label)} '
            f"<code>{escape(person.sub_for(view.client_id))}</code></p>"
        )
    options = []
    for index, person in enumerate(view.identities):
        checked = " checked" if index == 0 else ""
        options.append(
            f'<label><input type="radio" name="identity" value="{escape(person.key)}"'
            f' id="identity-{escape(person.key)}"{checked}> {escape(person.label)}</label>'
        )
    return (
        "<fieldset>\n<legend>Who approves in the itsme app?</legend>\n"
        + "\n".join(options)
        + "\n</fieldset>"
    )


def approval_page(view: ApprovalView) -> str:
    """Render the screen standing in for the itsme app's approval step.

    :param view: the page data.
    :returns: the HTML document.
    """
    level = "Advanced" if view.acr == ACR_ADVANCED else "Basic"
    summary = (
        '<dl id="summary">'
        f'<dt>Partner</dt><dd id="partner">{escape(view.client_id)}</dd>'
        f'<dt>Service</dt><dd id="service">{escape(view.service_code)} '
        f"({escape(_SERVICE_LABELS.get(view.service_type, view.service_type))})</dd>"
        f'<dt>Security level</dt><dd id="acr">{level} <code>{escape(view.acr)}</code></dd>'
        "</dl>"
    )
    parts = [f"<h1>{escape(view.client_id)} asks you to approve</h1>", summary]
    if view.template is not None:
        parts.append(_template_html(view.template))
    if view.requested:
        items = "".join(f"<li>{escape(claim_label(name))}</li>" for name in view.requested)
        parts.append(f'<h2>Data the partner will receive</h2>\n<ul id="requested">{items}</ul>')
    elif view.service_type == "login":
        parts.append("<p>The partner only learns that it is you (a pseudonymous identifier).</p>")
    form = (
        f'<form method="post" action="{escape(view.action)}">\n'
        f'<input type="hidden" name="transaction" value="{escape(view.transaction)}">\n'
        f"{_identity_html(view)}\n"
        '<div class="buttons">'
        '<button type="submit" name="decision" value="approve" id="approve">Approve</button>'
        '<button type="submit" name="decision" value="refuse" id="refuse">Refuse</button>'
        "</div>\n</form>"
    )
    parts.append(form)
    body = '<section class="card">\n' + "\n".join(parts) + "\n</section>"
    return _document(f"Approve: {view.client_id}", body)
