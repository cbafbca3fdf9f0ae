"""Public pages and the anonymous public forms leave no cookie: those forms are protected by a
signed, expiring token in the form and a same-origin check instead of Django's CSRF cookie.
Staff forms keep Django's cookie-bound protection, with a cookie that ends with the browser
session, and a public form's token opens none of them."""

import re
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from hotline.contacts.models import Contact, Notification
from hotline.directory.models import JoinApplication
from hotline.directory.tests.test_join import FORM as JOIN
from hotline.lib import form_token
from hotline.tests.test_authorization_matrix import ROWS

pytestmark = pytest.mark.django_db
TIP = {"narrative": "Workers locked in at a nail salon (fictional)", "postal_code": "60601"}


def fields(html: str) -> dict[str, str]:
    # Hidden inputs, and the public forms' token: a text input with the `hidden` attribute (so
    # that the browser restores it on Back, contacts/forms.py RestorableHiddenInput).
    found = re.findall(r'<input type="(hidden|text)" name="([^"]+)" value="([^"]*)"([^>]*)>', html)
    return {
        name: value
        for kind, name, value, rest in found
        if kind == "hidden" or re.search(r"\bhidden\b", rest)
    }


def strict() -> Client:
    return Client(enforce_csrf_checks=True)


def test_no_public_page_sets_a_cookie(personas: dict[str, Any]) -> None:
    """Every page an anonymous visitor opens; only the staff's sign-in page sets one, Django's
    CSRF cookie, and it ends with the browser session."""
    checked = 0
    for row in ROWS:
        if row.method != "get" or row.expect["anonymous"] != 200:
            continue
        response = strict().get(reverse(row.name, kwargs=row.kwargs(personas)))
        if row.name == "accounts:login":
            assert list(response.cookies) == [settings.CSRF_COOKIE_NAME]
            assert not response.cookies[settings.CSRF_COOKIE_NAME]["max-age"]
        else:
            assert not response.cookies, (row.name, list(response.cookies))
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("name", ["contacts:tip", "contacts:help"])
def test_a_public_form_is_sent_with_its_token_and_no_cookie(name: str) -> None:
    client = strict()
    page = client.get(reverse(name))
    hidden = fields(page.content.decode())
    assert form_token.FIELD in hidden and not page.cookies
    extra = {"kind": "tta", "caller_email": "clinic@example.org"} if name == "contacts:help" else {}
    response = client.post(reverse(name), {**hidden, **TIP, **extra})
    assert response.status_code == 200 and not response.cookies and not client.cookies
    assert Contact.objects.get().narrative == TIP["narrative"]


def test_joining_the_directory_leaves_no_cookie() -> None:
    client = strict()
    hidden = fields(client.get(reverse("directory:join")).content.decode())
    response = client.post(reverse("directory:join"), {**hidden, **JOIN})
    assert response.status_code == 200 and not client.cookies
    assert JoinApplication.objects.get().organization_name == JOIN["organization_name"]


def test_the_public_directory_search_leaves_no_cookie() -> None:
    client = strict()
    hidden = fields(client.get(reverse("directory:public_search")).content.decode())
    response = client.post(reverse("directory:public_search"), {**hidden, "postal_code": "60608"})
    assert response.status_code == 200 and not client.cookies


def tip_with(token: str, **headers: str) -> Any:
    client = strict()
    hidden = fields(client.get(reverse("contacts:tip")).content.decode())
    return client.post(
        reverse("contacts:tip"), {**hidden, form_token.FIELD: token, **TIP}, headers=headers
    )


def test_a_public_form_without_a_good_token_is_refused_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = form_token.issue()
    day_ago = time.time() - settings.PUBLIC_FORM_TOKEN_SECONDS - 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: day_ago))
    expired = form_token.issue()
    monkeypatch.undo()
    for token in ["", "forged", good[:-2] + "xx", expired]:
        response = tip_with(token)
        assert response.status_code == 403, token
        assert "could not be sent" in response.content.decode()
    # From another site, even with a good token.
    assert tip_with(good, Origin="https://elsewhere.example").status_code == 403
    assert tip_with(good, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert not Contact.objects.exists()
    assert tip_with(good, Origin="http://testserver").status_code == 200
    assert Contact.objects.count() == 1


def test_staff_forms_keep_djangos_protection_and_a_public_token_opens_none(
    personas: dict[str, Any], client_for: Any
) -> None:
    client = client_for("specialist")
    client.handler.enforce_csrf_checks = True
    contact = Contact.objects.create(channel="phone", reference="HL-TEST-1")
    Notification.objects.create(user=personas["specialist"], kind="crisis", contact=contact)
    url = reverse("contacts:notifications")
    page = client.get(url)
    cookie = page.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # ends with the browser session
    assert client.post(url, {form_token.FIELD: form_token.issue()}).status_code == 403
    assert client.post(url).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    good = fields(page.content.decode())[form_token.FIELD]
    assert client.post(url, {form_token.FIELD: good}).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_signing_in_keeps_djangos_protection_with_a_session_cookie() -> None:
    client = strict()
    page = client.get(reverse("accounts:login"))
    cookie = page.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    forged = {form_token.FIELD: form_token.issue(), "username": "x", "password": "y"}
    assert strict().post(reverse("accounts:login"), forged).status_code == 403


def test_views_exempt_from_csrf_stay_exempt(personas: dict[str, Any]) -> None:
    """The intake API (token-authenticated, exempt from CSRF like every django-ninja view) is
    marked public, but it is no form: no form token is asked of it."""
    from hotline.contacts.tests.test_api import BODY, URL, token_for

    token = token_for(personas["specialist"])
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "key-1"}
    client = Client(enforce_csrf_checks=True, headers=headers)
    response = client.post(URL, BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Contact.objects.count() == 1
