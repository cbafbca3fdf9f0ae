"""In a real browser (Debian's Chromium), the public site leaves no cookie: every public page,
and every public form sent (a tip, a request for help, an application to join the directory, a
directory search). Only the staff's sign-in page sets one, and it ends with the browser
session. The list of public pages comes from the authorization matrix, as in test_browser."""

from typing import Any

import pytest

from hotline.contacts.models import Contact
from hotline.directory.models import JoinApplication
from hotline.directory.tests.test_join import FORM as JOIN
from hotline.library.actions import load_seed
from hotline.site.tests.test_browser import public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_cookies(page: Any, where: str) -> None:
    assert page.context.cookies() == [], where


def submit(page: Any, form: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_public_pages_leave_no_cookie(live_server: Any, personas: dict, page: Any) -> None:
    load_seed()
    urls = public_pages(personas)
    assert "/report-a-tip/" in urls and "/directory/join/" in urls and len(urls) >= 8, urls
    for url in [*urls, "/es/"]:
        if url.startswith("/accounts/"):
            continue
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, url
        no_cookies(page, url)
    page.goto(live_server.url + "/accounts/sign-in/")
    cookies = page.context.cookies()
    assert [cookie["name"] for cookie in cookies] == ["csrftoken"]
    assert all(cookie["expires"] == -1 for cookie in cookies)  # a session cookie


def test_sending_the_public_forms_leaves_no_cookie(live_server: Any, page: Any) -> None:
    base = live_server.url
    page.goto(base + "/report-a-tip/")
    page.fill("#id_narrative", "Workers locked in at a nail salon on Elm Street (fictional)")
    page.fill("#id_postal_code", "60601")
    submit(page, "form.public-form")
    page.wait_for_selector(".reference")
    no_cookies(page, "tip sent")

    page.goto(base + "/ask-for-help/")
    page.select_option("#id_kind", "tta")
    page.fill("#id_narrative", "We would like a training for our clinic staff (fictional)")
    page.fill("#id_caller_email", "clinic@example.org")
    submit(page, "form.public-form")
    page.wait_for_selector(".reference")
    no_cookies(page, "help request sent")
    assert Contact.objects.count() == 2

    page.goto(base + "/directory/join/")
    for name, value in JOIN.items():
        if isinstance(value, list):
            for item in value:
                page.check(f"input[name={name}][value={item}]")
        elif page.locator(f"select#id_{name}").count():
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    submit(page)
    assert "Thank you" in page.content()
    assert JoinApplication.objects.get().organization_name == JOIN["organization_name"]
    no_cookies(page, "application sent")

    page.goto(base + "/directory/")
    page.fill("#id_postal_code", "60608")
    submit(page, "form.directory-search")
    no_cookies(page, "directory searched")
