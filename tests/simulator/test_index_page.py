"""The simulator's root URL: a page saying what it is, its endpoints and its test identities."""

from __future__ import annotations

import re

import pytest
import requests

from django_itsme.simulator import IDENTITIES, Simulator

from .conftest import CLIENT_ID, TIMEOUT


def get(sim: Simulator, path: str, **headers: str) -> requests.Response:
    return requests.get(sim.url + path, headers=headers, timeout=TIMEOUT, allow_redirects=False)


@pytest.mark.parametrize("path", ["/", "/v2", "/v2/"])
def test_root_and_issuer_show_the_index_page(sim: Simulator, path: str) -> None:
    answer = get(sim, path, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    page = answer.text
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    assert "<script" not in page
    # The issuer and every endpoint, by their real URLs.
    assert f'<code id="issuer">{sim.issuer}</code>' in page
    for url in (
        sim.discovery_url,
        sim.jwks_uri,
        sim.issuer + "/authorization",
        sim.token_endpoint,
        sim.issuer + "/userinfo",
    ):
        assert url in page
    # Discovery and JWKS can be opened in a browser: they are links.
    assert f'href="{sim.discovery_url}"' in page
    assert f'href="{sim.jwks_uri}"' in page


def test_index_lists_the_test_identities_and_what_each_has(sim: Simulator) -> None:
    page = get(sim, "/").text
    for key, person in IDENTITIES.items():
        card = re.search(
            rf'<section class="card identity" id="identity-{key}">(.*?)</section>', page, re.S
        )
        assert card is not None, key
        assert person.display_name in card.group(1)
        assert f"<code>{key}</code>" in card.group(1)
    cards = {
        key: found.group(1)
        for key in IDENTITIES
        if (found := re.search(rf'id="identity-{key}">(.*?)</section>', page, re.S))
    }
    assert "Belgian eID card" in cards["alice"]
    assert "alice.peeters@example.be" in cards["alice"]
    assert "no e-mail address" in cards["bruno"]
    assert "Dutch passport" in cards["claire"]
    assert "no address" in cards["claire"]


def test_index_lists_the_registered_sites(sim: Simulator) -> None:
    page = get(sim, "/").text
    assert CLIENT_ID in page
    assert "TEST_SHARE" in page
    assert "http://127.0.0.1:8000/itsme/callback/" in page


def test_index_follows_accept_language_and_ui_locales(sim: Simulator) -> None:
    dutch = get(sim, "/", **{"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.8"}).text
    assert '<html lang="nl">' in dutch
    assert "Testidentiteiten" in dutch
    weighted = get(sim, "/", **{"Accept-Language": "en;q=0.5, de;q=0.9"}).text
    assert '<html lang="de">' in weighted
    # ?ui_locales= (the demo's link) wins over the browser's languages.
    french = get(sim, "/?ui_locales=fr", **{"Accept-Language": "de"}).text
    assert '<html lang="fr">' in french
    assert "Identités de test" in french


def test_index_answers_json_to_api_clients(sim: Simulator) -> None:
    answer = get(sim, "/", Accept="application/json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    data = answer.json()
    assert data["issuer"] == sim.issuer
    assert data["discovery"] == sim.discovery_url
    assert sorted(data["identities"]) == sorted(IDENTITIES)


def test_other_unknown_paths_are_still_json_404(sim: Simulator) -> None:
    answer = get(sim, "/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert requests.post(sim.url + "/", timeout=TIMEOUT).status_code in (404, 405)


def test_index_is_logged_and_counted(sim: Simulator) -> None:
    sim.clear_log()
    get(sim, "/")
    assert sim.requests[-1].endpoint == "index"
