"""Request size: the request object's JSON keeps non-ASCII characters as UTF-8 (issue 10 item 4).

JSON's default escapes every non-ASCII character as ``\\uXXXX`` (six bytes); the object is then
base64url-encoded twice (JWS, then JWE), so each accented character cost about 10.7 bytes of URL
instead of 3.6. Measured with the free text below (7 350 characters of French with its usual
accents): about 19.2 KB of URL before, 16.4 KB after; with 7 500 accented letters only: 82 KB
before, 29 KB after.
"""

from __future__ import annotations

import json

from django_itsme.core import ItsmeClient
from django_itsme.core.confirm import FreeTextTemplate
from django_itsme.simulator import Simulator

from .conftest import follow

#: A realistic Confirm text: French with its usual accents (about one character in twenty).
FRENCH = (
    "Je confirme le virement de 1 250,00 € vers le compte de l'association « Les Amis du Vélo » "
    "à Liège, pour la cotisation annuelle, les frais d'équipement et l'inscription à la randonnée "
    "d'été. J'ai lu et accepté les conditions générales, y compris la clause de rétractation. "
)
ACCENTED = "é" * 7500


def _free_text(base: str, limit: int = 7500) -> str:
    return (base * (limit // len(base) + 1))[:limit].rstrip()


def test_accented_free_text_is_not_escaped(client: ItsmeClient, simulator: Simulator) -> None:
    text = _free_text(FRENCH, 7350)
    auth = client.build_authentication_request("confirm", template=FreeTextTemplate(text))
    # Escaped (before the fix) this URL was about 19.2 KB; UTF-8 keeps it near 16.4 KB.
    assert len(auth.url) < 17_000
    follow(auth)
    received = simulator.authorizations[-1].request_object["claims"]["userinfo"]
    shown = json.dumps(received, ensure_ascii=False)
    assert text in shown  # the simulator decoded the UTF-8 object to the same text


def test_fully_accented_free_text_size(client: ItsmeClient, simulator: Simulator) -> None:
    auth = client.build_authentication_request("confirm", template=FreeTextTemplate(ACCENTED))
    assert len(auth.url) < 30_000  # 82 KB when every "é" was sent as \u00e9
    follow(auth)
    received = simulator.authorizations[-1].request_object["claims"]["userinfo"]
    assert ACCENTED in json.dumps(received, ensure_ascii=False)
