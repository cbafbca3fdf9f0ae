"""The contact flow in a real browser: an anonymous web tip reaches a specialist's open queue
without a reload, and the specialist claims it and records a referral near the caller and a
shared resource from the side panel; the supervisor sees it waiting. No page asks another host."""

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from conftest import default_service_hours, signed_in_client
from hotline.accounts.models import User
from hotline.contacts.models import Contact, Referral, SharedResource
from hotline.directory.tests.hsds_data import uid
from hotline.library.models import Resource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_page(browser: Any, base: str, user: User, hosts: set[str]) -> Any:
    """A tab signed in as `user` (password and second factor done), recording the hosts asked."""
    session = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=base, service_workers="block")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    return page


def test_a_web_tip_reaches_the_open_queue_and_is_worked_from_the_side_panel(
    live_server: Any, browser: Any, personas: dict[str, Any], panel_sources: Resource
) -> None:
    default_service_hours()
    resource = panel_sources
    base = live_server.url
    hosts: set[str] = set()

    specialist = staff_page(browser, base, personas["specialist"], hosts)
    specialist.goto("/console/contacts/")
    assert "The queue is empty." in specialist.inner_text("#queue-rows")
    specialist.evaluate("window.stillTheSamePage = true")

    # Someone sends a tip anonymously, from a browser without JavaScript.
    public = browser.new_context(java_script_enabled=False).new_page()
    public.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    public.goto(base + "/report-a-tip/")
    public.fill("#id_narrative", "Workers locked in at a nail salon on Elm Street (fictional)")
    public.fill("#id_postal_code", "60601")
    public.click("form.public-form button[type=submit]")
    public.wait_for_selector(".reference")
    tip = Contact.objects.get()
    assert public.inner_text(".reference") == tip.reference
    assert "nail salon" not in public.content()  # the confirmation reveals nothing else

    # The open queue shows it without a reload (the script refreshes when the tab is shown
    # again, as it does every 20 seconds), with its nearest deadline: an urgent contact is
    # answered within 15 minutes, night or day (and resolved within 24 hours).
    specialist.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    row = specialist.locator("#queue-rows tr", has_text=tip.reference)
    row.wait_for(timeout=10_000)  # well before the 20-second refresh
    assert specialist.evaluate("window.stillTheSamePage")
    due = dt.datetime.fromisoformat(row.locator("td:nth-child(7) time").get_attribute("datetime"))
    assert due == tip.received_at + dt.timedelta(minutes=15) == tip.first_response_due
    assert tip.resolution_due == tip.received_at + dt.timedelta(hours=24)

    supervisor = staff_page(browser, base, personas["supervisor"], hosts)
    supervisor.goto("/console/supervisor/")
    assert tip.reference in supervisor.inner_text("ul.oldest")

    # The specialist claims it, finds a service near the caller's ZIP and refers to it, then
    # shares a library resource: one button each.
    row.locator("a").click()
    specialist.click("button:text('Claim')")
    specialist.wait_for_selector("h1 small:text('In progress')")
    assert specialist.input_value("#id_postal_code") == "60601"
    specialist.click("#panel-directory .actions button:not([formaction])")
    hit = specialist.locator(".side-panel li", has=specialist.locator(f"[value='{uid('svc-a')}']"))
    hit.locator("button:text('Refer')").click()
    specialist.wait_for_selector("ul.referrals li >> nth=0")
    specialist.fill("#id_text", "labor rights")
    specialist.click("button[name=search_library]")
    specialist.locator(".side-panel li", has_text=resource.title).locator("button").click()
    specialist.wait_for_selector(f"ul.shared li:text('{resource.title}')")

    assert Referral.objects.filter(contact=tip, service_id=uid("svc-a")).exists()
    assert SharedResource.objects.filter(contact=tip, resource=resource).exists()
    assert hosts == {urlsplit(base).netloc}
    for tab in (public, specialist, supervisor):
        tab.context.close()


def test_the_queue_refresh_of_an_expired_session_takes_the_page_to_sign_in(
    live_server: Any, browser: Any, personas: dict[str, Any]
) -> None:
    import time

    from django.contrib.sessions.backends.db import SessionStore

    hosts: set[str] = set()
    specialist = staff_page(browser, live_server.url, personas["specialist"], hosts)
    specialist.goto("/console/contacts/")
    assert "The queue is empty." in specialist.inner_text("#queue-rows")
    # The person left 31 minutes ago; only the refresh script has run since.
    (cookie,) = [
        c for c in specialist.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    ]
    session = SessionStore(session_key=cookie["value"])
    session["last_seen_at"] = int(time.time()) - 31 * 60
    session.save()
    specialist.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    specialist.wait_for_url("**/accounts/sign-in/?next=%2Fconsole%2Fcontacts%2F")
    assert "Your session ended" in specialist.content()
    assert not SessionStore(session_key=cookie["value"]).get("_auth_user_id")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_side_panel_filters_and_refers_with_and_without_javascript(
    live_server: Any, browser: Any, personas: dict[str, Any], panel_sources: Resource, javascript
) -> None:
    from hotline.contacts.actions import receive

    item = receive(
        Contact(channel="phone", narrative="Needs a shelter (fictional)", postal_code="60601")
    )
    base = live_server.url
    hosts: set[str] = set()
    session = signed_in_client(personas["specialist"]).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=base, service_workers="block", java_script_enabled=javascript
    )
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"/console/contacts/{item.pk}/")
    assert page.input_value("#panel-directory [name=postal_code]") == "60601"
    # A filter from the directory's own form, folded in the panel: open it, tick "minors".
    page.locator("#panel-directory details.choices summary", has_text="Serves").click()
    page.check("#panel-directory input[name=populations][value=minors]")
    page.click("#panel-directory .actions button:not([formaction])")
    page.wait_for_selector(".panel-results")
    shown = {
        b.get_attribute("value") for b in page.locator(".panel-results [name=service_id]").all()
    }
    assert uid("svc-b") in shown and uid("svc-a") not in shown  # the clinic serves adults
    hit = page.locator(".panel-results li.hit", has=page.locator(f"[value='{uid('svc-b')}']"))
    assert "miles from" in hit.inner_text()
    hit.locator("button", has_text="Refer for").click()
    page.wait_for_selector("ul.messages")
    assert "Referral recorded: Youth emergency shelter." in page.inner_text("ul.messages")
    # Back on the panel with the search still shown, filters and all; nothing in the address.
    assert page.is_checked("#panel-directory input[name=populations][value=minors]")
    assert page.locator(".panel-results li.hit").count() == len(shown)
    assert "60601" not in page.url
    assert Referral.objects.filter(contact=item, service_id=uid("svc-b")).exists()
    assert hosts == {urlsplit(base).netloc}
    context.close()
