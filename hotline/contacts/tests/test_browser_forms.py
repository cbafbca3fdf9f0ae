"""The public forms in a real browser: sent, Back, sent again is still one contact with the same
reference; a form with mistakes says so at the top and beside each field, and the summary's links
lead to the fields."""

from typing import Any

import pytest

from conftest import default_service_hours
from hotline.contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NARRATIVE = "Workers locked in at a nail salon on Elm Street (fictional)"


def test_back_and_send_again_makes_one_contact_with_the_same_reference(
    live_server: Any, browser: Any
) -> None:
    default_service_hours()
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/report-a-tip/")
    page.fill("#id_narrative", NARRATIVE)
    page.click("form.public-form button[type=submit]")
    page.wait_for_selector(".reference")
    first = page.inner_text(".reference")
    assert Contact.objects.get().reference == first

    page.go_back()
    page.wait_for_selector("#id_narrative")
    assert page.url == live_server.url + "/report-a-tip/"
    assert page.input_value("#id_narrative") == NARRATIVE  # the form as it was sent
    page.click("form.public-form button[type=submit]")
    page.wait_for_selector(".reference")
    assert page.inner_text(".reference") == first
    assert Contact.objects.count() == 1
    context.close()


def test_mistakes_are_summarised_at_the_top_with_links_to_each_field(
    live_server: Any, browser: Any
) -> None:
    default_service_hours()
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/es/report-a-tip/")
    page.fill("#id_postal_code", "00000")
    page.click("form.public-form button[type=submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.documentElement.lang") == "es"
    links = summary.locator("a")
    assert links.count() == 2
    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "id_postal_code"
    assert page.get_attribute("#id_postal_code", "aria-invalid") == "true"
    assert not Contact.objects.exists()
    context.close()
