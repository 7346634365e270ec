"""The demo's nationality names never stand in for Django's language names.

Without a context, the demo's "German" (the nationality) and Django's "German" (the language
in ``LANGUAGES``) are one message id, and whichever catalogue Django reads first wins: the
language list could read "Allemande", or a German passport holder "Deutsch" where the
nationality was meant. The demo gives its nationality names the context "nationality".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import global_settings

from tests.po_files import messages

ROOT = Path(__file__).resolve().parents[2]
DEMO_LOCALE_DIR = ROOT / "example_project" / "demo" / "locale"
LANGUAGE_NAMES = {name for _code, name in global_settings.LANGUAGES}


@pytest.mark.parametrize("locale", ["fr", "nl", "de"])
def test_no_context_free_entry_is_a_language_name(locale: str) -> None:
    entries = messages(DEMO_LOCALE_DIR / locale / "LC_MESSAGES" / "django.po")
    colliding = [e.msgid for e in entries if e.msgctxt is None and e.msgid in LANGUAGE_NAMES]
    assert colliding == []
    nationalities = {e.msgid: e.msgstr[0] for e in entries if e.msgctxt == "nationality"}
    assert {"Belgian", "Dutch", "French", "German"} <= set(nationalities)
