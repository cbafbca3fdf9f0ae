"""The contact page as a whole: one id per element, values in words."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from hotline.contacts.actions import receive
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_the_contact_page_gives_every_element_its_own_id(client_for) -> None:
    # The note form, the side panel's searches and the caller's details share one page: a
    # repeated id sends a label, a test or a screen reader to the wrong field.
    contact = receive(Contact(channel="phone", narrative="Asked for a shelter (fictional)"))
    response = client_for("specialist").get(
        reverse("contacts:detail", kwargs={"contact_id": contact.pk})
    )
    ids = Counter(re.findall(r'\sid="([^"]+)"', response.content.decode()))
    assert "id_note_text" in ids
    assert [name for name, count in ids.items() if count > 1] == []


def test_the_contact_page_names_the_callers_language(client_for) -> None:
    contact = receive(Contact(channel="phone", language="vi", narrative="(fictional)"))
    response = client_for("specialist").get(
        reverse("contacts:detail", kwargs={"contact_id": contact.pk})
    )
    assert "<dd>Vietnamese" in response.content.decode()
