"""The queue's filters and pages, the supervisor's bounded lists, and list pages whose queries
do not grow with their rows."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hotline.accounts.models import User
from hotline.audit.models import AuditEvent
from hotline.contacts.actions import receive
from hotline.contacts.forms import QUEUE_PAGE_SIZE
from hotline.contacts.models import Contact, Notification, NotificationKind, Status, Urgency
from hotline.contacts.views import SUPERVISOR_LIST
from hotline.hours.models import SlaPolicy

pytestmark = pytest.mark.django_db
numbers = itertools.count(1)


def many(count: int, **fields: Any) -> list[Contact]:
    """Contacts straight into the table (no triage, no alerts): rows for the lists to show."""
    now = timezone.now()
    values: dict[str, Any] = {
        "channel": "phone",
        "urgency": Urgency.URGENT,
        "request_types": ["crisis"],
        "status": Status.NEW,
        "received_at": now - dt.timedelta(hours=1),
        "first_response_due": now - dt.timedelta(minutes=5),
        "resolution_due": now + dt.timedelta(minutes=10),
        "sla_policy": SlaPolicy.objects.first(),
        "follow_up_needed": True,
        "follow_up_on": timezone.localdate(),
        **fields,
    }
    return Contact.objects.bulk_create(
        Contact(reference=f"HT-TEST-{next(numbers):05d}", **values) for _ in range(count)
    )


def rows_of(page: bytes) -> int:
    return page.decode().count('<tr class="')


def queue(client, query: str = "", rows: bool = False):
    name = "contacts:queue_rows" if rows else "contacts:queue"
    return client.get(reverse(name) + (f"?{query}" if query else ""))


# --- Filters ---------------------------------------------------------------------------------


def test_each_filter_keeps_only_its_contacts(client_for, personas) -> None:
    specialist = personas["specialist"]
    base = {"request_types": ["tip"], "urgency": Urgency.NON_URGENT, "channel": "email"}
    (mine,) = many(1, assigned_to=specialist, **base)
    (theirs,) = many(1, assigned_to=personas["supervisor"], **base)
    (nobodys,) = many(1, **base)
    (urgent,) = many(1, assigned_to=personas["supervisor"], request_types=["crisis"])
    (phone_tta,) = many(1, request_types=["tta"], channel="phone", urgency=Urgency.NON_URGENT)
    (closed,) = many(1, status=Status.CLOSED, **base)
    (taken,) = many(1, status=Status.MESSAGE_TAKEN, **base)
    (old,) = many(1, received_at=timezone.now() - dt.timedelta(days=40), **base)
    client = client_for("specialist")

    def shown(query: str) -> set[str]:
        page = queue(client, query).content.decode()
        every = (mine, theirs, nobodys, urgent, phone_tta, closed, taken, old)
        return {c.reference for c in every if c.reference in page}

    everything_open = {c.reference for c in (mine, theirs, nobodys, urgent, phone_tta, taken, old)}
    assert shown("") == everything_open
    assert shown("assigned=mine") == {mine.reference}
    assert shown("assigned=nobody") == everything_open - {
        mine.reference,
        theirs.reference,
        urgent.reference,
    }
    assert shown("urgency=urgent") == {urgent.reference}
    assert shown("request_type=tta") == {phone_tta.reference}
    assert shown("request_type=crisis") == {urgent.reference}
    assert shown("channel=phone") == {urgent.reference, phone_tta.reference}
    assert shown("status=closed") == {closed.reference}
    assert shown("status=message_taken") == {taken.reference}
    assert shown("status=any") == everything_open | {closed.reference}
    month_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert shown(f"received_to={month_ago}") == {old.reference}
    assert old.reference not in shown(f"received_from={month_ago}")
    assert shown(f"assigned=mine&received_from={month_ago}&status=any") == {mine.reference}


def test_the_default_queue_is_open_contacts_urgent_first_then_oldest(client_for) -> None:
    now = timezone.now()
    (newer_routine,) = many(1, urgency=Urgency.NON_URGENT, received_at=now - dt.timedelta(hours=1))
    (older_routine,) = many(1, urgency=Urgency.NON_URGENT, received_at=now - dt.timedelta(hours=5))
    (newer_urgent,) = many(1, received_at=now - dt.timedelta(hours=2))
    (older_urgent,) = many(1, received_at=now - dt.timedelta(hours=3))
    page = queue(client_for("specialist")).content.decode()
    order = [older_urgent, newer_urgent, older_routine, newer_routine]
    positions = [page.index(c.reference) for c in order]
    assert positions == sorted(positions)


def test_closed_contacts_are_listed_newest_first(client_for) -> None:
    now = timezone.now()
    older, newer = (
        many(1, status=Status.CLOSED, received_at=now - dt.timedelta(days=d))[0] for d in (3, 1)
    )
    page = queue(client_for("specialist"), "status=closed").content.decode()
    assert page.index(newer.reference) < page.index(older.reference)
    assert "newest first" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("received_from=2026-02-30", "Enter a valid date."),
        ("received_from=yesterday", "Enter a valid date."),
        ("received_from=1850-01-01", "Enter a date between the year 2000 and today."),
        ("received_from=2026-03-02&received_to=2026-03-01", "The end of the range is before"),
        ("status=lost", "Select a valid choice."),
        ("urgency=%27%3B--", "Select a valid choice."),
        ("page=0", "There is no such page: pages go from 1 to 200."),
        ("page=two", "There is no such page"),
        ("page=201", "There is no such page"),
    ],
)
def test_a_bad_filter_is_an_error_in_words_and_lists_nothing(client_for, query, message) -> None:
    many(2)
    client = client_for("specialist")
    response = queue(client, query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert rows_of(response.content) == 0
    assert "Correct the filters above" in page
    rows = queue(client, query, rows=True)
    assert rows.status_code == 400 and rows_of(rows.content) == 0


def test_the_filter_form_has_labels_and_keeps_its_values(client_for) -> None:
    page = queue(client_for("specialist"), "urgency=urgent&status=any").content.decode()
    for label in ("Assigned", "Urgency", "Request type", "Channel", "Status", "Received from"):
        assert f">{label}:</label>" in page
    assert '<option value="urgent" selected>' in page
    assert '<option value="any" selected>' in page


def test_the_refresh_script_asks_for_the_same_filters(client_for) -> None:
    page = queue(client_for("specialist"), "assigned=mine&channel=sms").content.decode()
    rows_url = reverse("contacts:queue_rows") + "?assigned=mine&amp;channel=sms"
    assert f'data-refresh-url="{rows_url}"' in page


def test_queue_rows_take_the_filters(client_for, personas) -> None:
    many(2, assigned_to=personas["specialist"])
    many(3)
    client = client_for("specialist")
    assert rows_of(queue(client, "assigned=mine", rows=True).content) == 2
    assert rows_of(queue(client, "assigned=nobody", rows=True).content) == 3


def test_the_queue_comes_in_pages(client_for) -> None:
    contacts = many(QUEUE_PAGE_SIZE + 3)
    client = client_for("specialist")
    first = queue(client)
    assert rows_of(first.content) == QUEUE_PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first.content.decode()
    second = queue(client, "page=2").content.decode()
    assert rows_of(second.encode()) == 3
    assert 'rel="next"' not in second and 'href="?page=1" rel="prev"' in second
    # Same received time: in id order, so that every contact is on exactly one page.
    assert contacts[-1].reference in second and contacts[0].reference not in second
    filtered = queue(client, "urgency=urgent").content.decode()
    assert 'href="?urgency=urgent&amp;page=2"' in filtered


def test_the_queue_view_is_audited_with_its_filters(client_for, personas) -> None:
    many(2)
    queue(client_for("specialist"), "urgency=urgent&status=any")
    event = AuditEvent.objects.filter(action="contact.list").latest("seq")
    assert event.actor_id == personas["specialist"].pk
    assert event.detail == {
        "page": "queue",
        "count": 2,
        "filters": {"urgency": "urgent", "status": "any"},
    }


# --- The supervisor's lists -------------------------------------------------------------------


def test_supervisor_lists_are_bounded_with_and_n_more(client_for) -> None:
    now = timezone.now()
    late = many(SUPERVISOR_LIST + 4, resolution_due=now - dt.timedelta(hours=1))
    many(2, first_response_at=now, resolution_due=now + dt.timedelta(minutes=2))  # at risk
    page = client_for("supervisor").get(reverse("contacts:supervisor")).content.decode()
    breached = page.split('<ul class="breached">')[1].split("</ul>")[0]
    assert breached.count("<li>") == SUPERVISOR_LIST
    assert late[0].reference in breached
    # Late twice (first response and resolution): counted once.
    assert "And 4 more." in page
    at_risk = page.split('<ul class="at-risk">')[1].split("</ul>")[0]
    assert at_risk.count("<li>") == 2
    follow_ups = page.split('<ul class="follow-ups">')[1].split("</ul>")[0]
    assert follow_ups.count("<li>") == SUPERVISOR_LIST
    assert "And 6 more." in page


def test_supervisor_counts_leave_closed_contacts_out(client_for) -> None:
    many(3, status=Status.IN_PROGRESS)
    many(5, status=Status.CLOSED)
    page = client_for("supervisor").get(reverse("contacts:supervisor")).content.decode()
    counts = page.split('<table class="counts">')[1].split("</table>")[0]
    urgent = counts.split("<th>Urgent</th>")[1].split("</tr>")[0]
    assert urgent == "<td>0</td><td>3</td><td>0</td><td>0</td>"


# --- Queries do not grow with rows ------------------------------------------------------------


def assert_constant_queries(client, url: str, grow, rows: int = 3, more: int = 27) -> None:
    grow(rows)
    client.get(url)  # warm: sessions, cached settings
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    grow(more)
    with CaptureQueriesContext(connection) as lots:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert small.content != large.content, "the page should show the new rows"
    assert len(lots.captured_queries) == len(few.captured_queries), [
        q["sql"] for q in lots.captured_queries
    ]


QUEUE_FILTERS = [
    ("", {}),
    ("assigned=mine", {"assigned_to": "specialist"}),
    ("assigned=nobody", {}),
    ("urgency=urgent", {}),
    ("request_type=crisis", {}),
    ("channel=phone", {"assigned_to": "supervisor"}),
    ("status=closed", {"status": Status.CLOSED}),
    ("status=any", {"status": Status.CLOSED}),
    ("status=in_progress", {"status": Status.IN_PROGRESS}),
    ("received_from=2000-01-01&received_to=2099-01-01", {}),
]


@pytest.mark.parametrize("rows", [False, True], ids=["page", "rows"])
@pytest.mark.parametrize(
    ("query", "fields"), QUEUE_FILTERS, ids=[q or "default" for q, _ in QUEUE_FILTERS]
)
def test_queue_queries_do_not_grow_with_rows(client_for, personas, query, fields, rows) -> None:
    if query.startswith("received_from"):
        query = f"received_from=2000-01-01&received_to={timezone.localdate().isoformat()}"
    fields = {k: personas[v] if k == "assigned_to" else v for k, v in fields.items()}
    name = "contacts:queue_rows" if rows else "contacts:queue"
    url = reverse(name) + (f"?{query}" if query else "")
    assert_constant_queries(client_for("specialist"), url, lambda n: many(n, **fields))


def test_supervisor_queries_do_not_grow_with_rows(client_for, personas) -> None:
    now = timezone.now()

    def grow(n: int) -> None:
        many(n, resolution_due=now - dt.timedelta(hours=1), assigned_to=personas["specialist"])
        many(n, first_response_at=now, resolution_due=now + dt.timedelta(minutes=2))  # at risk
        many(n, assigned_to=None, follow_up_needed=False)

    assert_constant_queries(client_for("supervisor"), reverse("contacts:supervisor"), grow)


def test_notifications_queries_do_not_grow_with_rows(client_for, personas) -> None:
    user: User = personas["specialist"]

    def grow(n: int) -> None:
        Notification.objects.bulk_create(
            Notification(user=user, kind=NotificationKind.AT_RISK, contact=c) for c in many(n)
        )

    assert_constant_queries(client_for("specialist"), reverse("contacts:notifications"), grow)


def test_a_received_contact_is_in_the_open_queue(client_for) -> None:
    """The partial indexes' condition and the queue's filter agree (rows through the ORM)."""
    item = receive(Contact(channel="phone"))
    assert item.reference in queue(client_for("specialist")).content.decode()
    assert Contact.objects.open().filter(pk=item.pk).exists()
