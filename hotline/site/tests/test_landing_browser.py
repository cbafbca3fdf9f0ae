"""Each role's landing page in a real browser: it fits the screen at 1280 and 390 px, and asks
no other host. Screenshots go to $SCREENSHOT_DIR when set (for people to look at)."""

import os
from pathlib import Path
from typing import Any

import pytest

from hotline.contacts.tests.test_browser import staff_page
from hotline.site.tests.test_landing import make_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["specialist", "supervisor", "program_staff", "curator", "administrator"]


def test_every_roles_landing_page_fits_the_screen(
    live_server: Any, browser: Any, personas: dict[str, Any]
) -> None:
    make_work(personas, 3)
    hosts: set[str] = set()
    shots = os.environ.get("SCREENSHOT_DIR")
    for persona in ROLES:
        page = staff_page(browser, live_server.url, personas[persona], hosts)
        for width in [1280, 390]:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/console/")
            assert page.locator("section.landing").count() >= 2, persona
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (persona, width, overflow)
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{shots}/landing-{persona}-{width}.png", full_page=True)
        page.context.close()
    assert hosts == {live_server.url.split("//")[1]}
