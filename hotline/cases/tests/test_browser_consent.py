"""The consent recipient picker in a real browser: matches follow the typing (same origin
only), a ticked agency stays ticked through another search, and the consent is recorded; the
report page then reads in words."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from conftest import signed_in_client
from hotline.cases.models import Consent
from hotline.cases.tests.conftest import add_victim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consent_is_recorded_through_the_type_ahead(
    live_server: Any, browser: Any, personas: dict[str, Any], case: Any, orgs: Any
) -> None:
    org_a, org_b = orgs
    victim = add_victim(case)
    base = live_server.url
    hosts: set[str] = set()
    session = signed_in_client(personas["specialist"]).cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(base_url=base, service_workers="block")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": base}]
    )
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"/console/cases/{case.pk}/consents/new/")
    page.select_option("#id_victim", str(victim.pk))
    page.select_option("#id_given_by", "victim")
    page.check("input[name=purposes][value=report]")
    page.select_option("#id_method", "written")
    page.fill("#id_given_at", "2026-11-05T10:00")
    page.fill("#id_expires_at", "2027-11-05T10:00")

    page.fill("#recipient_q", "task force")
    page.locator("ul.matches li", has_text=org_a.name).wait_for(timeout=10_000)
    page.locator("ul.matches li", has_text=org_b.name).wait_for(state="detached", timeout=10_000)
    page.check(f"ul.matches input[value='{org_a.pk}']")
    page.fill("#recipient_q", "police")
    page.locator("ul.matches li", has_text=org_b.name).wait_for(timeout=10_000)
    page.check(f"ul.matches input[value='{org_b.pk}']")
    assert page.is_checked(f"input[value='{org_a.pk}']")  # kept while searching again
    page.click("button[name=record]")
    page.wait_for_selector("dd.state", timeout=10_000)
    consent = Consent.objects.get()
    assert set(consent.recipients.all()) == {org_a, org_b}
    assert "In force" in page.inner_text("dd.state")
    assert "Report to the named agencies" in page.content()
    assert hosts == {urlsplit(base).netloc}
    context.close()
