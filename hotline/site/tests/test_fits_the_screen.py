"""Every page fits the screen and console pages are accessible, in a real browser.

For each persona, the pages it opens are the GET rows of the authorization matrix that answer it
200 with HTML (as `public_pages` does for anonymous visitors), so pages other apps add are
checked too. Before the browser opens them, the records those pages show are given long
unbroken values (a 200-character word, a long URL, a long organization name): at 1280 and 390 px
wide no page may be wider than the window, and axe finds no serious or critical violation on a
console page."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from conftest import PERSONAS, default_service_hours, signed_in_client
from hotline.lib import cache
from hotline.library.actions import load_seed
from hotline.site.tests.test_browser import SERIOUS, public_pages
from hotline.tests.test_authorization_matrix import ROWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1280, 800), (390, 844)]
LONG_WORD = "Unbroken" + "x" * 192  # 200 characters without a place to break
LONG_URL = "https://example.org/" + "/".join(["a-very-long-path-segment-without-spaces"] * 8)
LONG_NAME = (
    "The Extraordinarily Long-Named Regional Coalition Against Human Trafficking and "
    "Exploitation Serving Survivors, Families and Communities Across Seventeen Counties (fictional)"
)
LONG_TEXT = f"{LONG_WORD} seen at {LONG_URL} near {LONG_NAME}."

# The free-text values the console and public pages show, by model: what a person may type at
# any length. Names get a long name, addresses a long URL, texts a long word, URL and name.
STRETCH: dict[str, dict[str, str]] = {
    "contacts.Contact": {"narrative": LONG_TEXT, "outcome": LONG_TEXT, "safe_times": LONG_WORD},
    "cases.Case": {"summary": LONG_TEXT, "address": LONG_URL},
    "cases.Note": {"text": LONG_TEXT},
    "cases.Victim": {"name": LONG_NAME, "address": LONG_URL, "description": LONG_TEXT},
    "cases.Report": {"redacted_summary": LONG_TEXT},
    "accounts.Agency": {"name": LONG_NAME},
    "directory.Organization": {"name": LONG_NAME, "description": LONG_TEXT, "website": LONG_URL},
    "directory.Service": {"name": LONG_NAME, "description": LONG_TEXT, "url": LONG_URL},
    "directory.Location": {"name": LONG_NAME, "description": LONG_TEXT},
    "library.Resource": {"title": LONG_NAME, "summary": LONG_TEXT, "url": LONG_URL},
    "channels.Message": {"body": LONG_TEXT},
    "channels.CannedReply": {"title": LONG_NAME},
}


def stretch_values() -> int:
    """Give every row of the models above its long values (cut to each column's length)."""
    changed = 0
    for label, values in STRETCH.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        fields = {}
        for name, value in values.items():
            try:
                field = model._meta.get_field(name)
            except Exception:
                continue
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                fields[name] = (field, value)
        for n, pk in enumerate(model._default_manager.values_list("pk", flat=True)):
            update = {}
            for name, (field, value) in fields.items():
                if field.unique:  # the same long value, told apart at its end
                    value = f"{value[: (field.max_length or 300) - 8]} {n}"
                update[name] = value[: field.max_length] if field.max_length else value
            changed += model._default_manager.filter(pk=pk).update(**update)
    cache.forget_here()
    return changed


def console_pages(personas: dict) -> dict[str, list[str]]:
    """For each signed-in persona, the matrix's GET pages that answer it 200 with HTML."""
    clients = {name: signed_in_client(user) for name, user in personas.items() if user}
    pages: dict[str, list[str]] = {name: [] for name in clients}
    # Rows that share a kwargs function open the same records (some may exist only once).
    made: dict[Any, dict[str, Any]] = {}
    for row in ROWS:
        if row.method != "get" or row.name.startswith("api:"):
            continue
        openers = [name for name in clients if row.expect[name] == 200]
        if not openers:
            continue
        if row.kwargs not in made:
            made[row.kwargs] = row.kwargs(personas)
        url = reverse(row.name, kwargs=made[row.kwargs])
        for name in openers:
            response = clients[name].get(url)
            # A whole page, not a fragment a script puts into one.
            html = response["Content-Type"].startswith("text/html") and b"<html" in response.content
            if response.status_code == 200 and html and url not in pages[name]:
                pages[name].append(url)
    return pages


@pytest.fixture
def stretched_site(live_server: Any, personas: dict) -> dict[str, Any]:
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact
    from hotline.directory.models import Organization, Service

    default_service_hours()
    load_seed()
    receive(Contact(channel="phone", narrative="Screen width contact (fictional)"))
    org = Organization.objects.create(name="Width Org (fictional)", description="d")
    Service.objects.create(organization=org, name="Width service", status="active")
    pages = console_pages(personas)
    public = public_pages(personas)
    # Public pages are checked once, as an anonymous visitor sees them.
    pages = {name: [url for url in urls if url not in public] for name, urls in pages.items()}
    assert "/" in public and len(public) >= 8, public
    assert pages["specialist"] and pages["administrator"] and pages["liaison_a"], pages
    assert stretch_values() > 0
    return {"base": live_server.url, "console": pages, "public": [*public, "/es/"]}


def too_wide(page: Any) -> str | None:
    """None when the page fits the window; else what sticks out, to say in the failure."""
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          if (root.scrollWidth <= window.innerWidth) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
              + (el.id ? '#' + el.id : ''));
          return `${root.scrollWidth} > ${window.innerWidth}: ${wide.join(', ')}`;
        }"""
    )


def check_widths(page: Any, base: str, urls: list[str], failures: list[str]) -> None:
    for url in urls:
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        response = page.goto(base + url)
        assert response is not None and response.status == 200, (url, response and response.status)
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            problem = too_wide(page)
            if problem:
                failures.append(f"{url} at {width}px: {problem}")


def signed_in_context(browser: Any, base: str, user: Any) -> Any:
    session = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=base, service_workers="block")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    return context


def test_no_page_is_wider_than_the_window_at_1280_and_390(
    stretched_site: dict[str, Any], browser: Any, personas: dict
) -> None:
    base = stretched_site["base"]
    failures: list[str] = []
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    check_widths(page, base, stretched_site["public"], failures)
    context.close()
    for persona in PERSONAS:
        if persona == "anonymous":
            continue
        context = signed_in_context(browser, base, personas[persona])
        page = context.new_page()
        check_widths(page, base, stretched_site["console"][persona], failures)
        context.close()
    assert not failures, "\n".join(failures)


def test_console_pages_have_no_serious_accessibility_violation(
    stretched_site: dict[str, Any], browser: Any, personas: dict
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    base = stretched_site["base"]
    failures: list[str] = []
    for persona in PERSONAS:
        if persona == "anonymous":
            continue
        context = signed_in_context(browser, base, personas[persona])
        page = context.new_page()
        for url in stretched_site["console"][persona]:
            page.goto(base + url)
            assert urlsplit(page.url).path == urlsplit(base + url).path, (persona, url, page.url)
            result = axe.run(page).response
            assert result["passes"], f"axe did not run on {url}"
            for violation in result["violations"]:
                if violation["impact"] in SERIOUS:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    failures.append(f"{persona} {url}: {violation['id']} {targets}")
        context.close()
    assert not failures, "\n".join(failures)


def test_the_page_lists_cover_every_signed_in_persona(stretched_site: dict[str, Any]) -> None:
    console = stretched_site["console"]
    assert set(console) == set(PERSONAS) - {"anonymous"}
    assert all(console.values()), console
    # A page the matrix says a persona may not open is never in its list.
    assert "/console/supervisor/" not in console["specialist"]
    assert not [url for url in console["liaison_a"] if url.startswith("/console/contacts/")]
    assert Client().get("/").status_code == 200
