"""Every console page a persona may open is reachable by following links from /console/."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from conftest import PERSONAS
from hotline.tests.matrix import Row
from hotline.tests.test_authorization_matrix import ROWS

pytestmark = pytest.mark.django_db

# Views that are not pages but fragments fetched by a page's own script: the queue's rows and
# the consent form's recipient matches.
NOT_PAGES = {"contacts:queue_rows", "cases:recipient_matches"}
LIMIT = 300
NO_KWARGS = Row.__dataclass_fields__["kwargs"].default


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A link, or a form (the header's search box) whose page answers GET as well.
        found = dict(attrs).get({"a": "href", "form": "action"}.get(tag, ""))
        if found:
            self.hrefs.append(found)


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def console_pages(persona: str) -> set[str]:
    """Named GET pages without URL arguments that this persona may open and a visitor may not
    (public pages are reached from the public site, not the console)."""
    return {
        row.name
        for row in ROWS
        if isinstance(row, Row)
        and row.method == "get"
        and row.expect[persona] == 200
        and row.expect["anonymous"] != 200
        and row.name not in NOT_PAGES
        and row.kwargs is NO_KWARGS
    }


def crawl(client, start: str, follow: set[str]) -> set[str]:
    """The names of pages reached from `start` through links to pages in `follow`."""
    seen_paths: set[str] = set()
    reached: set[str] = set()
    todo = [start]
    while todo and len(seen_paths) < LIMIT:
        path = todo.pop()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        response = client.get(path, follow=True)
        if response.status_code != 200:
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        name = url_name(urlsplit(final).path)
        if name:
            reached.add(name)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if url_name(parts.path) in follow and parts.path not in seen_paths:
                todo.append(parts.path)
    return reached


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_every_console_page_is_reachable_from_the_console(
    persona: str, personas: dict, client_for
) -> None:
    pages = console_pages(persona)
    reached = crawl(client_for(persona), "/console/", pages)
    missing = sorted(pages - reached)
    assert not missing, f"{persona} cannot reach {missing} from the console"
    assert pages, persona


def test_the_settings_page_links_every_model_django_admin_keeps(client_for) -> None:
    from django.contrib import admin
    from django.urls import reverse

    html = client_for("administrator").get(reverse("site:settings")).content.decode()
    for model in admin.site._registry:
        opts = model._meta
        assert reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") in html, opts.label
    for name in ["site:public_settings", "accounts:staff_list", "directory:import"]:
        assert reverse(name) in html
