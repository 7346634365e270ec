"""The translations shipped in django_itsme/locale: complete, compiled, and used.

* every .po of fr, nl and de translates every entry, none fuzzy, with the same placeholders;
* every committed .mo holds exactly the catalogue of its .po (and msgfmt, when installed, agrees);
* the failure pages and the button follow the visitor's language (LocaleMiddleware).

After changing a translatable string, run ``scripts/compile_translations.sh``, translate what it
reports, and run it again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client
from django.utils import translation

import django_itsme
from tests.po_files import (
    PLACEHOLDER,
    Entry,
    compile_with_msgfmt,
    messages,
    po_catalogue,
    read_header,
    read_mo,
)

LOCALE_DIR = Path(django_itsme.__file__).resolve().parent / "locale"
LOCALES = ("en", "fr", "nl", "de")
#: English is the source language: its catalogue exists but its entries stay empty.
TRANSLATED = ("fr", "nl", "de")


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def header(locale: str) -> dict[str, str]:
    return read_header(po_path(locale))


def locale_messages(locale: str) -> list[Entry]:
    """The entries of a locale's .po, header left out."""
    return messages(po_path(locale))


# --------------------------------------------------------------------------- the .po files


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_files_exist(locale: str) -> None:
    assert po_path(locale).is_file()
    assert po_path(locale).with_suffix(".mo").is_file()


@pytest.mark.parametrize("locale", LOCALES)
def test_headers(locale: str) -> None:
    fields = header(locale)
    assert fields["Language"] == locale
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Content-Transfer-Encoding"] == "8bit"
    plural = "(n > 1)" if locale == "fr" else "(n != 1)"
    assert fields["Plural-Forms"] == f"nplurals=2; plural={plural};"
    assert "PACKAGE" not in fields["Project-Id-Version"]


def test_every_locale_has_the_same_messages() -> None:
    keys = {locale: sorted(entry.key for entry in locale_messages(locale)) for locale in LOCALES}
    assert keys["en"], "no messages were extracted"
    for locale in TRANSLATED:
        assert keys[locale] == keys["en"], f"{locale} and en differ: re-run the script"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_everything_translated_nothing_fuzzy(locale: str) -> None:
    entries = locale_messages(locale)
    untranslated = [e.msgid for e in entries if not all(e.msgstr)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{locale}: untranslated: {untranslated}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_and_brand_kept(locale: str) -> None:
    for entry in locale_messages(locale):
        for msgstr in entry.msgstr:
            if "python-format" in entry.flags:
                expected = sorted(PLACEHOLDER.findall(entry.msgid))
                assert sorted(PLACEHOLDER.findall(msgstr)) == expected, (locale, entry.msgid)
            # The brand is written "itsme", lower case, even at the start of a sentence.
            assert re.findall("itsme", msgstr, re.IGNORECASE) == re.findall("itsme", msgstr)
            assert msgstr.count("itsme") >= entry.msgid.count("itsme"), (locale, entry.msgid)


@pytest.mark.parametrize("locale", ["en"])
def test_source_language_left_empty(locale: str) -> None:
    assert not [e.msgid for e in locale_messages(locale) if any(e.msgstr)]


# --------------------------------------------------------------------------- the .mo files


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_matches_po(locale: str) -> None:
    """The committed .mo holds exactly what the .po says: re-run the script when this fails."""
    compiled = read_mo(po_path(locale).with_suffix(".mo"))
    assert compiled == po_catalogue(po_path(locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_compiles_the_same(locale: str, tmp_path: Path) -> None:
    """GNU msgfmt, as compilemessages runs it, accepts the .po and builds the committed .mo."""
    output = compile_with_msgfmt(po_path(locale), tmp_path / "django.mo")
    assert read_mo(output) == read_mo(po_path(locale).with_suffix(".mo"))


# --------------------------------------------------------------------------- in use

EXPIRED = {
    "en": ("This itsme request has expired", "Error code: unknown_state", "Try again"),
    "fr": ("Cette demande itsme a expiré", "Code d'erreur : unknown_state", "Réessayer"),
    "nl": ("Deze itsme-aanvraag is verlopen", "Foutcode: unknown_state", "Opnieuw proberen"),
    "de": ("Diese itsme-Anfrage ist abgelaufen", "Fehlercode: unknown_state", "Erneut versuchen"),
}
EXPIRED_MESSAGE = {
    "en": "This itsme request has expired or was already used. Please start again.",
    "fr": "Cette demande itsme a expiré ou a déjà été utilisée. Veuillez recommencer.",
    "nl": "Deze itsme-aanvraag is verlopen of werd al gebruikt. Gelieve opnieuw te beginnen.",
    "de": "Diese itsme-Anfrage ist abgelaufen oder wurde bereits verwendet. "
    "Bitte beginnen Sie erneut.",
}
UNKNOWN_SERVICE = {
    "en": ("Unknown itsme service", "Error code: unknown_service"),
    "fr": ("Service itsme inconnu", "Code d'erreur : unknown_service"),
    "nl": ("Onbekende itsme-dienst", "Foutcode: unknown_service"),
    "de": ("Unbekannter itsme-Dienst", "Fehlercode: unknown_service"),
}
UNKNOWN_SERVICE_MESSAGE = {
    "en": "This site offers no such itsme service. Please use the links on the site.",
    "fr": "Ce site ne propose pas ce service itsme. Veuillez utiliser les liens du site.",
    "nl": "Deze site biedt deze itsme-dienst niet aan. Gelieve de links op de site te gebruiken.",
    "de": "Diese Website bietet diesen itsme-Dienst nicht an. "
    "Bitte verwenden Sie die Links auf der Website.",
}
BUTTON = {
    "en": "Log in with itsme",
    "fr": "Se connecter avec itsme",
    "nl": "Aanmelden met itsme",
    "de": "Mit itsme anmelden",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_expired_page_in_the_visitors_language(client: Client, db: None, locale: str) -> None:
    response = client.get(
        "/itsme/callback/", {"state": "unknown"}, HTTP_ACCEPT_LANGUAGE=f"{locale},en;q=0.5"
    )
    assert response.status_code == 400
    html = response.content.decode()
    title, code, retry = EXPIRED[locale]
    assert f'<html lang="{locale}">' in html
    assert f"<title>{title}</title>" in html
    assert f"<h1>{title}</h1>" in html
    assert f"<p>{EXPIRED_MESSAGE[locale]}</p>" in html
    assert f'<p class="code">{code}</p>' in html
    assert f">{retry}</a>" in html


@pytest.mark.parametrize("locale", LOCALES)
def test_unknown_service_page_in_the_visitors_language(
    client: Client, db: None, locale: str
) -> None:
    response = client.get("/itsme/login/", {"service": "nope"}, HTTP_ACCEPT_LANGUAGE=locale)
    assert response.status_code == 404
    html = response.content.decode()
    title, code = UNKNOWN_SERVICE[locale]
    assert f'<html lang="{locale}">' in html
    assert f"<h1>{title}</h1>" in html
    assert f"<p>{UNKNOWN_SERVICE_MESSAGE[locale]}</p>" in html
    assert f'<p class="code">{code}</p>' in html
    assert 'class="button"' not in html  # no retry link for a service that does not exist


@pytest.mark.parametrize("locale", LOCALES)
def test_button_label_in_the_active_language(locale: str) -> None:
    template = engines["django"].from_string("{% load itsme %}{% itsme_button %}")
    with translation.override(locale):
        html = template.render({})
    assert f"<span>{BUTTON[locale]}</span>" in html
