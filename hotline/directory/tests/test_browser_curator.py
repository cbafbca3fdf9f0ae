"""A curator fixes a flagged listing in a real browser without JavaScript: from the queue to the
flag, resolved with a note, on to the edit screen, a phone number corrected, and the listing and
the change log show it."""

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import signed_in_client
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import FlagStatus, ListingFlag, Metadata, Phone, Service
from hotline.directory.tests.hsds_data import as_tabular_json, package, uid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/hotline-screenshots"))


def test_a_curator_fixes_a_flagged_listing(
    live_server: Any, browser: Any, personas: dict[str, Any]
) -> None:
    run_import(json_source(as_tabular_json(package())))
    service = Service.objects.get(pk=uid("svc-a"))
    flag = ListingFlag.objects.create(
        organization_id=service.organization_id,
        service=service,
        reason="disconnected",
        note="The number is disconnected.",
        created_by=personas["specialist"],
    )
    base = live_server.url
    session = signed_in_client(personas["curator"]).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=base, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()

    page.goto("/directory/staff/queue/")
    page.click("a:text('Resolve')")
    # The note is required: the browser itself refuses to send the form without it.
    assert page.get_attribute("textarea[name=note]", "required") is not None
    page.fill("textarea[name=note]", "Called the office: corrected the number.")
    page.click("button:text('Resolve and edit the listing')")
    page.wait_for_selector("h1:has-text('Edit')")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_by == personas["curator"]

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "curator-listing-edit-1280.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280

    phone = Phone.objects.get(pk=uid("phone-a"))
    number = page.locator(f"input[value='{phone.number}']").first
    number.fill("312-555-0142")
    page.click("button:text('Save the listing')")
    page.wait_for_selector("text=Listing saved.")
    assert "312-555-0142" in page.inner_text("main")
    assert Phone.objects.get(pk=uid("phone-a")).number == "312-555-0142"
    assert Metadata.objects.filter(
        resource_id=uid("phone-a"), field_name="number", replacement_value="312-555-0142"
    ).exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/directory/staff/listing/{uid('org-a')}/edit/")
    page.click("summary:text('New phone number')")  # an empty new row waits folded away
    page.screenshot(path=str(SHOTS / "curator-listing-edit-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
