"""``{% itsme_button %}``: the link it renders, its label and size, and the errors it raises."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.templatetags.itsme import BUTTON_SIZES


class Links(HTMLParser):
    """Collect every ``<a>`` element's attributes and text, and count ``<style>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, Any]] = []
        self.styles = 0
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = {**dict(attrs), "text": ""}
            self.links.append(self._current)
        elif tag == "style":
            self.styles += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current["text"] += data


def render(source: str, **context: Any) -> str:
    return Template("{% load itsme %}" + source).render(Context(context))


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    parser.close()
    return parser


def only_link(html: str) -> dict[str, Any]:
    links = parse(html).links
    assert len(links) == 1, html
    return links[0]


def query_of(link: dict[str, Any]) -> dict[str, list[str]]:
    parts = urlsplit(link["href"])
    assert parts.path == "/itsme/login/"
    return parse_qs(parts.query, keep_blank_values=True)


def test_default_button_starts_a_login() -> None:
    link = only_link(render("{% itsme_button %}"))
    assert query_of(link) == {"service": ["login"]}
    assert link["text"] == "Log in with itsme"
    assert link["class"] == "itsme-btn itsme-btn--medium"
    assert "aria-label" not in link  # the visible text names itsme already


def test_next_is_url_encoded() -> None:
    html = render("{% itsme_button next=target %}", target="/orders/?id=7&view=full#top")
    link = only_link(html)
    assert query_of(link) == {"service": ["login"], "next": ["/orders/?id=7&view=full#top"]}
    # The query's own separator is escaped for HTML; next's "&", "?" and "#" are percent-encoded.
    assert 'href="/itsme/login/?service=login&amp;next=/orders/%3Fid%3D7%26view%3Dfull%23top"' in (
        html
    )


def test_next_from_the_request_path() -> None:
    request = RequestFactory().get("/profile/é/")
    link = only_link(render("{% itsme_button next=request.path %}", request=request))
    assert query_of(link)["next"] == ["/profile/é/"]


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_next_is_left_out(empty: str | None) -> None:
    link = only_link(render("{% itsme_button next=target %}", target=empty))
    assert "next" not in query_of(link)


@pytest.mark.parametrize(
    ("service", "text"),
    [
        ("login", "Log in with itsme"),
        ("share", "Continue with itsme"),
        ("confirm", "Continue with itsme"),
    ],
)
def test_default_label_by_service(service: str, text: str) -> None:
    link = only_link(render("{% itsme_button service=name %}", name=service))
    assert link["text"] == text
    assert query_of(link) == {"service": [service]}


def test_link_button_starts_the_link_route() -> None:
    link = only_link(render("{% itsme_button link=True next=target %}", target="/profile/"))
    parts = urlsplit(link["href"])
    assert parts.path == "/itsme/link/"
    assert parse_qs(parts.query) == {"service": ["login"], "next": ["/profile/"]}
    assert link["text"] == "Link my itsme identity"


def test_positional_arguments() -> None:
    link = only_link(render('{% itsme_button "share" "/profile/" "large" %}'))
    assert query_of(link) == {"service": ["share"], "next": ["/profile/"]}
    assert link["class"] == "itsme-btn itsme-btn--large"


def test_label_naming_itsme_needs_no_aria_label() -> None:
    link = only_link(render('{% itsme_button service="share" label="Share my data with itsme" %}'))
    assert link["text"] == "Share my data with itsme"
    assert "aria-label" not in link


def test_label_without_itsme_gets_an_aria_label_starting_with_it() -> None:
    link = only_link(render('{% itsme_button service="share" label="Share my data" %}'))
    assert link["text"] == "Share my data"
    assert link["aria-label"] == "Share my data (with itsme)"


def test_label_is_escaped() -> None:
    html = render("{% itsme_button label=text %}", text='<script>alert("x")</script>')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert only_link(html)["aria-label"] == '<script>alert("x")</script> (with itsme)'


@pytest.mark.parametrize("size", BUTTON_SIZES)
def test_sizes(size: str) -> None:
    link = only_link(render("{% itsme_button size=size %}", size=size))
    assert link["class"] == f"itsme-btn itsme-btn--{size}"


@pytest.mark.parametrize("size", ["huge", "", "Medium"])
def test_unknown_size_is_a_template_error(size: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="size must be one of small, medium, large"):
        render("{% itsme_button size=size %}", size=size)


def test_unknown_service_names_the_configured_ones() -> None:
    with pytest.raises(TemplateSyntaxError) as raised:
        render('{% itsme_button service="payments" %}')
    message = str(raised.value)
    assert "'payments'" in message
    assert "'login', 'share', 'confirm'" in message


def test_services_are_read_from_the_current_settings(settings: SettingsWrapper) -> None:
    config = copy.deepcopy(settings.ITSME)
    config["SERVICES"] = {"signin": {"CODE": "SIGNIN"}}
    settings.ITSME = config
    link = only_link(render('{% itsme_button service="signin" %}'))
    assert query_of(link) == {"service": ["signin"]}
    with pytest.raises(TemplateSyntaxError, match="has 'signin'"):
        render("{% itsme_button %}")


def test_style_is_included_once_per_page() -> None:
    page = parse(render('{% itsme_button %}{% itsme_button "share" size="small" %}'))
    assert len(page.links) == 2
    assert page.styles == 1
    assert parse(render("{% itsme_button %}")).styles == 1  # and again on the next page


def test_the_button_is_a_keyboard_reachable_link_with_a_hidden_icon() -> None:
    html = render("{% itsme_button %}")
    link = only_link(html)
    assert link["href"]  # a real link: focusable, works without JavaScript
    assert "tabindex" not in link
    assert re.search(r'<svg[^>]*aria-hidden="true"[^>]*focusable="false"', html)
    assert ":focus-visible" in html


def test_labels_follow_the_active_language() -> None:
    with translation.override("fr"):
        french = only_link(render("{% itsme_button %}"))["text"]
        assert french == translation.gettext("Log in with itsme")  # chosen at render time
    assert only_link(render("{% itsme_button %}"))["text"] == "Log in with itsme"
