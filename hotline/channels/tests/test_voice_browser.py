"""The screen pop in a real browser: a specialist keeps Calls open; a call comes in over the
live server's signed webhook, and the page shows it without a reload, with the caller's earlier
contact by number. No page asks another host."""

from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

import pytest
from django.conf import settings

from conftest import signed_in_client
from hotline.channels.tests.signing import call_params, new_sid, signature, voice_channel
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_call_pops_up_on_the_open_calls_page_with_the_callers_history(
    live_server: Any, browser: Any, personas: dict[str, Any], tmp_path: Any
) -> None:
    base = live_server.url
    settings.SITE_URL = base  # what the call's webhook is signed for
    line = voice_channel(tmp_path, forward_to="+13125550100")
    earlier = receive(Contact(channel="sms", caller_phone="202-555-0123"))
    hosts: set[str] = set()
    session = signed_in_client(personas["specialist"]).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=base, service_workers="block")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/console/calls/")
    assert "No calls are coming in." in page.inner_text("#calls-coming-in")
    page.evaluate("window.stillTheSamePage = true")

    params = call_params(line, new_sid("CA"), "ringing")
    url = line.webhook_url("inbound")
    request = Request(
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature(url, params)}
    )
    with urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    call_contact = Contact.objects.exclude(pk=earlier.pk).get()

    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    pop = page.locator("#calls-coming-in section.screen-pop", has_text=call_contact.reference)
    pop.wait_for(timeout=10_000)  # well before the 20-second refresh
    assert earlier.reference in pop.inner_text()
    assert "+12025550123" in pop.inner_text()
    assert page.evaluate("window.stillTheSamePage")
    assert hosts == {urlsplit(base).netloc}
    context.close()
