"""hotline.lib.db's statements written once per model: the same rows as the ORM's, on SQLite and
PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.audit.models import GENESIS_HASH, ChainHead
from hotline.contacts.models import Contact, IdempotencyKey, ReferenceCounter
from hotline.lib.db import increment, insert, partial, update

pytestmark = pytest.mark.django_db


def test_increment_starts_a_row_at_one_then_adds_one() -> None:
    assert increment(ReferenceCounter, 2031, "last", read=["last"]) == (1,)
    assert increment(ReferenceCounter, 2031, "last", read=["year", "last"]) == (2031, 2)
    assert increment(ReferenceCounter, 2032, "last", read=["last"]) == (1,)
    assert dict(ReferenceCounter.objects.values_list("year", "last")) == {2031: 2, 2032: 1}


def test_increment_sets_the_defaults_of_a_new_row_only() -> None:
    ChainHead.objects.all().delete()
    assert increment(ChainHead, 1, "seq", read=["seq", "hash"], hash=GENESIS_HASH) == (
        1,
        GENESIS_HASH,
    )
    ChainHead.objects.filter(pk=1).update(hash="a" * 64)
    assert increment(ChainHead, 1, "seq", read=["seq", "hash"], hash=GENESIS_HASH) == (2, "a" * 64)


def test_insert_stores_what_save_would(personas) -> None:
    fields = {
        "channel": "sms",
        "received_at": timezone.now() - dt.timedelta(hours=1),
        "request_types": ["tip", "referral"],
        "urgency": "urgent",
        "substantive": False,
        "safe_to_text": None,
        "code_word": "lighthouse",
        "follow_up_on": dt.date(2026, 12, 24),
        "created_by": personas["specialist"],
    }
    by_orm = Contact(reference="HT-2026-000001", **fields)
    by_orm.save(force_insert=True)
    written = Contact(reference="HT-2026-000002", **fields)
    with CaptureQueriesContext(connection) as queries:
        insert(written)
    assert len(queries) == 1
    assert written.pk and not written._state.adding
    stored, expected = (row(Contact.objects.get(pk=c.pk)) for c in (written, by_orm))
    assert stored.pop("updated_at") and expected.pop("updated_at")  # set by auto_now
    assert stored == expected


def row(contact: Contact) -> dict:
    skip = {"id", "reference"}
    return {
        f.attname: getattr(contact, f.attname)
        for f in Contact._meta.concrete_fields
        if f.attname not in skip
    }


def test_update_changes_only_the_rows_that_match(personas) -> None:
    contact = Contact.objects.create(reference="HT-2026-000003")
    token = personas["specialist"].api_tokens.create(name="t", hash="h" * 64, scopes=[])
    keys = [
        IdempotencyKey.objects.create(
            token=token,
            key=k,
            request_hash="x",
            state="in_flight",
            lease=k,
            locked_until=timezone.now(),
        )
        for k in ["a", "b"]
    ]
    body = {"reference": contact.reference, "types": ["tip"]}
    changed = update(
        IdempotencyKey,
        {"pk": keys[0].pk, "lease": "a", "state": "in_flight"},
        state="done",
        response_body=body,
        contact_id=contact.pk,
    )
    assert changed == 1
    assert update(IdempotencyKey, {"pk": keys[1].pk, "lease": "someone else"}, state="done") == 0
    first, second = IdempotencyKey.objects.order_by("key")
    assert (first.state, first.response_body, first.contact_id) == ("done", body, contact.pk)
    assert (second.state, second.response_body, second.contact_id) == ("in_flight", None, None)


def test_partial_loads_the_fields_not_given_on_first_use() -> None:
    user = User.objects.create(username="partial", email="p@example.org", role=Role.SPECIALIST)
    loaded = partial(User, id=user.pk, username="partial", role=Role.SPECIALIST)
    assert loaded.get_deferred_fields() >= {"email", "is_active"}
    with CaptureQueriesContext(connection) as queries:
        assert loaded.email == "p@example.org"
    assert len(queries) == 1
