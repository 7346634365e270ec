"""The simulator's pages speak the first language of ``ui_locales`` they know, like the itsme app
(D-AREQ ``ui_locales``), and show IBANs in groups of four that never break inside a group."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
import requests

from django_itsme.simulator import CLAIM_PREFIX, Simulator

from .conftest import RP, TEMPLATE, TIMEOUT, decide, page_of


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found is not None
    return found.group(1)


def payment_claims(iban: str = "BE68539007547034") -> dict[str, Any]:
    value = {
        "claim_approval_template_name": "adv_payment",
        "claim_approval_amount_key": "2500",
        "claim_approval_currency_key": "EUR",
        "claim_approval_iban_key": iban,
    }
    return {
        "userinfo": {
            CLAIM_PREFIX + name: {"essential": True, "value": text} for name, text in value.items()
        }
    }


@pytest.mark.parametrize(
    ("ui_locales", "lang", "words"),
    [
        ("nl", "nl", ["vraagt uw goedkeuring", "Goedkeuren", "Weigeren", "Achternaam"]),
        ("fr", "fr", ["vous demande d'approuver", "Approuver", "Refuser", "Nom de famille"]),
        ("de", "de", ["bittet um Ihre Genehmigung", "Genehmigen", "Ablehnen", "Nachname"]),
        ("en", "en", ["asks you to approve", "Approve", "Refuse", "Last name"]),
        # The first language the app knows wins; unknown tags are skipped; regions are ignored.
        ("xx nl-BE fr", "nl", ["Goedkeuren", "Geboorteplaats"]),
        ("es it", "en", ["Approve", "Place of birth"]),
    ],
)
def test_approval_page_follows_ui_locales(
    rp: RP, manual: Simulator, ui_locales: str, lang: str, words: list[str]
) -> None:
    attempt = rp.authorize(
        scope="openid service:TEST_SHARE profile",
        claims={"userinfo": {CLAIM_PREFIX + "place_of_birth": None}},
        extra={"ui_locales": ui_locales},
    )
    page = unescape(page_of(attempt))
    assert html_lang(page) == lang
    for word in words:
        assert word in page


def test_without_ui_locales_the_page_is_english(rp: RP, manual: Simulator) -> None:
    page = page_of(rp.authorize(scope="openid service:TEST_SHARE profile"))
    assert html_lang(page) == "en"
    assert heading(page).endswith("asks you to approve")


def test_dutch_payment_page_labels_and_groups_the_iban(rp: RP, manual: Simulator) -> None:
    page = page_of(
        rp.authorize(service="TEST_CONFIRM", claims=payment_claims(), extra={"ui_locales": "nl"})
    )
    assert "Te bevestigen betaling" in page
    assert "Bedrag" in page
    assert "IBAN van de begunstigde" in page
    assert "Een transactie bevestigen" in page
    shown = re.search(r'<dd id="iban"[^>]*>(.*?)</dd>', page, re.S)
    assert shown is not None
    groups = re.findall(r'<span class="iban-group">([A-Z0-9]+)</span>', shown.group(1))
    assert groups == ["BE68", "5390", "0754", "7034"]
    # Plain spaces between the groups (copy and paste gives the usual printed form).
    assert re.sub(r"<[^>]+>", "", shown.group(1)) == "BE68 5390 0754 7034"


def test_odd_length_iban_keeps_a_short_last_group(rp: RP, manual: Simulator) -> None:
    page = page_of(
        rp.authorize(service="TEST_CONFIRM", claims=payment_claims("NL91ABNA0417164300"))
    )
    shown = re.search(r'<dd id="iban"[^>]*>(.*?)</dd>', page, re.S)
    assert shown is not None
    assert re.sub(r"<[^>]+>", "", shown.group(1)) == "NL91 ABNA 0417 1643 00"


def test_free_text_page_in_german(rp: RP, manual: Simulator) -> None:
    claims = {
        "userinfo": {
            TEMPLATE: {"essential": True, "value": "free_text"},
            CLAIM_PREFIX + "claim_approval_text_key": {"essential": True, "value": "Ich stimme zu"},
        }
    }
    page = page_of(rp.authorize(service="TEST_CONFIRM", claims=claims, extra={"ui_locales": "de"}))
    assert "Zu bestätigende Nachricht" in page
    assert html_lang(page) == "de"


def test_identity_choices_are_described_in_the_language(rp: RP, manual: Simulator) -> None:
    page = unescape(page_of(rp.authorize(extra={"ui_locales": "fr"})))
    assert "Wer genehmigt" not in page
    assert "Qui approuve dans l'app itsme" in page
    assert "carte eID belge" in page
    assert "passeport néerlandais" in page
    assert "pas d'adresse e-mail" in page


def test_error_after_the_page_follows_its_language(rp: RP, manual: Simulator) -> None:
    page = page_of(rp.authorize(extra={"ui_locales": "nl"}))
    answer = decide(manual, page, decision="approve", identity="mallory")
    assert answer.status_code == 400
    assert html_lang(answer.text) == "nl"
    assert "Het verzoek kan niet worden verwerkt" in answer.text
    # The technical explanation stays English, and says so to screen readers.
    assert '<p id="error-description" lang="en">' in answer.text


def test_fatal_error_page_is_english_by_default(manual: Simulator) -> None:
    answer = requests.get(
        manual.issuer + "/authorization", params={"client_id": "NOBODY"}, timeout=TIMEOUT
    )
    assert answer.status_code == 400
    assert html_lang(answer.text) == "en"
    assert "The request cannot be processed" in answer.text


class _Texts(HTMLParser):
    """Collects the visible text of a page (outside <style>)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_no_english_left_on_translated_approval_pages(
    rp: RP, manual: Simulator, language: str
) -> None:
    english = page_of(rp.authorize(service="TEST_CONFIRM", claims=payment_claims()))
    translated = page_of(
        rp.authorize(
            service="TEST_CONFIRM", claims=payment_claims(), extra={"ui_locales": language}
        )
    )
    texts = []
    for page in (english, translated):
        parser = _Texts()
        parser.feed(page)
        texts.append(set(parser.parts))
    # Sentences and labels of the English page: none of them may be left on the translated one.
    english_words = re.compile(r"\b(the|you|to|of|and|asks|Approve|Refuse|Amount|Currency)\b")
    sentences = {text for text in texts[0] if english_words.search(text)}
    assert sentences
    assert not sentences & texts[1]
