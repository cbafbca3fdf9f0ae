"""Public pages in a real browser: nothing from another host, light, accessible, usable by
keyboard and without JavaScript. The list of public pages comes from the authorization matrix
(GET rows an anonymous visitor opens with 200 that answer HTML), so pages other apps add are
checked as well."""

import gzip
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from hotline.library.actions import load_seed
from hotline.site.models import PublicSettings
from hotline.tests.test_authorization_matrix import ROWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGE_BYTES = 60 * 1024  # HTML + CSS + JS, gzip-compressed
SERIOUS = {"serious", "critical"}


def public_pages(personas: dict) -> list[str]:
    urls: list[str] = []
    for row in ROWS:
        if row.method != "get" or row.expect["anonymous"] != 200:
            continue
        url = reverse(row.name, kwargs=row.kwargs(personas))
        response = Client().get(url)
        if response["Content-Type"].startswith("text/html") and url not in urls:
            urls.append(url)
    return urls


@pytest.fixture
def site(live_server: Any, personas: dict) -> tuple[str, list[str]]:
    load_seed()
    urls = public_pages(personas)
    assert "/" in urls and "/library/" in urls and len(urls) >= 8, urls
    return live_server.url, [*urls, "/es/", "/es/library/?q=trafico"]


def test_public_pages_load_nothing_from_another_host_and_stay_light(
    site: tuple[str, list[str]], browser: Any
) -> None:
    base, urls = site
    host = urlsplit(base).netloc
    for url in urls:
        # A fresh context each time: nothing comes from the cache, every byte is counted.
        context = browser.new_context()
        page = context.new_page()
        requests: list = []
        page.on("request", lambda request: requests.append(request))
        response = page.goto(base + url, wait_until="load")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, url
        foreign = [r.url for r in requests if urlsplit(r.url).netloc != host]
        assert not foreign, (url, foreign)
        weights = {}
        for request in requests:
            answer = request.response()
            if answer is not None and answer.status == 200:
                weights[request.url] = len(gzip.compress(answer.body()))
        context.close()
        assert any(name.endswith(".css") for name in weights), (url, weights)
        assert sum(weights.values()) <= MAX_PAGE_BYTES, (url, weights)


def test_public_pages_have_no_serious_accessibility_violation(
    site: tuple[str, list[str]], page: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    base, urls = site
    for url in urls:
        page.goto(base + url)
        result = axe.run(page).response
        assert result["passes"], f"axe did not run on {url}"
        violations = result["violations"]
        serious = [
            (v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in SERIOUS
        ]
        assert not serious, (url, serious)


def test_keyboard_alone_goes_home_audience_resource_then_quick_exit(
    site: tuple[str, list[str]], page: Any
) -> None:
    base, _ = site
    settings = PublicSettings.current()
    settings.quick_exit_url = f"{base}/healthz"
    settings.save()

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"{selector} not reachable by Tab on {page.url}")

    page.goto(base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    tab_to('nav.audiences a[href="/for/first-responders/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/for/first-responders/")
    tab_to("main .resource a.title")
    resource_url = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(resource_url)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{base}/healthz")
    # The resource page was replaced in the history: Back returns to the audience page.
    page.go_back()
    assert page.url == f"{base}/for/first-responders/"


def test_quick_exit_by_click_replaces_the_page_in_history(
    site: tuple[str, list[str]], page: Any
) -> None:
    base, _ = site
    settings = PublicSettings.current()
    settings.quick_exit_url = f"{base}/healthz"
    settings.save()
    page.goto(base + "/")
    page.goto(base + "/safety/")
    page.click("#quick-exit")
    page.wait_for_url(f"{base}/healthz")
    page.go_back()
    assert page.url == f"{base}/"


def test_pages_work_without_javascript(site: tuple[str, list[str]], browser: Any) -> None:
    base, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/")
    exit_link = page.locator("#quick-exit")
    assert exit_link.get_attribute("href") == PublicSettings.current().quick_exit_url
    page.fill("#home-q", "polaris assesment")
    page.press("#home-q", "Enter")
    page.wait_for_url(f"{base}/library/?q=polaris+assesment")
    assert page.locator("main .resource").count() >= 2
    page.click("form.filters summary")  # the filters fold away until opened
    page.select_option("#id_type", "assessment_tool")
    page.click("form.filters button[type=submit]")
    # The URL changes when the new page commits; wait for it to load before reading it.
    page.wait_for_url(lambda url: "type=assessment_tool" in url)
    titles = page.locator("main .resource a.title").all_inner_texts()
    assert titles and all("Assessment" in title for title in titles), titles
    context.close()
