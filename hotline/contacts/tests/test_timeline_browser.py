"""The timeline in a real browser: a specialist adds a note from the contact's page and reads it
in the timeline, after the claim; the page is no wider than the screen at 1280 and 390 px."""

from typing import Any

import pytest

from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.contacts.tests.test_browser import staff_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Unbroken" * 40  # a long value must wrap, not widen the page


def test_a_note_added_on_the_page_joins_the_timeline(
    live_server: Any, browser: Any, personas: dict[str, Any], tmp_path: Any
) -> None:
    contact = receive(Contact(channel="phone", narrative="A call (fictional)"))
    page = staff_page(browser, live_server.url, personas["specialist"], set())
    page.goto(f"/console/contacts/{contact.pk}/")
    page.click("button:text('Claim')")
    page.wait_for_selector(".timeline-assignment")
    page.fill("#id_note_text", f"Caller will ring back tonight (fictional) {LONG_WORD}")
    page.click(".note-form button[type=submit]")
    note = page.locator(".timeline-note")
    note.wait_for()
    assert "Caller will ring back tonight (fictional)" in note.inner_text()
    kinds = page.eval_on_selector_all(".timeline-entry", "items => items.map(i => i.className)")
    assert [k.split("timeline-")[-1] for k in kinds] == ["received", "status", "assignment", "note"]
    assert "New → In progress" in page.inner_text(".timeline-status")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"timeline-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{scroll} px wide at {width}"
