import pytest
from django.core.management import call_command

from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_demo_contacts_are_added_once_with_a_repeat_caller_to_find() -> None:
    call_command("demo_contacts")
    call_command("demo_contacts")
    assert Contact.objects.count() == 5
    repeat = Contact.objects.exclude(caller_phone="")
    assert repeat.count() == 2
    # Two spellings of one number: one look-up hash, so the history and the search find both.
    assert len({c.caller_phone_hash for c in repeat}) == 1
