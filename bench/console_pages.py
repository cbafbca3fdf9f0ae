"""Console pages at the size of many years: 100,000 contacts and 10,000 cases on SQLite,
1,000,000 and 100,000 on PostgreSQL (`--contacts`, `--cases` for others), about a tenth of the
contacts open and spread over the whole span (so most open ones are past their deadlines: the
supervisor's lists are long). Times each page in this process with Django's test Client, signed
in as a specialist or a supervisor (two-factor done): the queue with each filter, its rows, a
contact page, the supervisor view, notifications, the cases list, a case page, the approvals
page, and the console search box (POST: a reference, a repeat caller's phone, words). Prints
one JSON line: p50/p95 and queries per page, the data size, and a floor (the specialist's
/healthz, timed alternately).

The data is built once per database and size (kept between runs; `--rebuild` to redo), from a
seeded random generator, with bulk_create in batches. bulk_create skips save() and its signals,
so the build sets what they would: the keyed phone and email hashes (hotline/lib/lookup.py) and
the full-text index of narratives and summaries (the search modules' own `index`). Half the
contacts give a phone; one phone in 20 calls again, 2 to 5 times in all (repeat callers, whose
contact pages show a caller history); a case in ten has a victim reached at a contact's phone.

    DEBUG=1 .venv/bin/python bench/console_pages.py [--contacts 100000] [--cases 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/console_pages.py --contacts 1000000 --cases 100000
"""

import argparse
import datetime as dt
import heapq
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")

BATCH = 10_000
SPECIALISTS = 20
OPEN_SHARE = 0.097  # as measured for the issue: 9,700 of 100,000 open
PHONE_SHARE = 0.5
EMAIL_SHARE = 0.1
REPEAT_SHARE = 0.05  # one phone in 20 calls again
REPEAT_WITHIN = 3_000  # contacts later, at most
WORDS = [
    "motel",
    "farm",
    "restaurant",
    "salon",
    "night",
    "shift",
    "passport",
    "debt",
    "wages",
    "van",
    "city",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(contacts: int, cases: int) -> float:
    """The rows, deterministic; returns the seconds it took."""
    from django.db import transaction
    from django.utils import timezone

    from hotline.accounts.models import Role, User
    from hotline.cases import search as case_search
    from hotline.cases.models import Case, Report, Victim
    from hotline.cases.vocabularies import CaseStatus, ReportStatus, TraffickingType
    from hotline.contacts import search as contact_search
    from hotline.contacts.models import (
        OPEN_STATUSES,
        Channel,
        Contact,
        Notification,
        NotificationKind,
        RequestType,
        Status,
        Urgency,
    )
    from hotline.directory.models import Organization
    from hotline.hours.models import SlaPolicy
    from hotline.lib import lookup

    started = time.perf_counter()
    rng = random.Random(12)  # noqa: S311
    staff = [
        User.objects.get_or_create(username=f"bench-specialist-{i}", role=Role.SPECIALIST)[0]
        for i in range(SPECIALISTS)
    ]
    supervisor = User.objects.get_or_create(username="bench-supervisor", role=Role.SUPERVISOR)[0]
    policies: list[SlaPolicy | None] = [*SlaPolicy.objects.all()] or [None]
    channels = [c for c, _ in Channel.choices]
    request_types = [r for r, _ in RequestType.choices]
    now = timezone.now().replace(microsecond=0)
    # About 150 contacts a day, back from now; at least a year.
    span = dt.timedelta(days=max(365, contacts // 150))
    step = span / contacts
    start = now - span
    numbers: dict[int, int] = {}  # year → the last reference number given in it

    def reference(prefix: str, at: dt.datetime) -> str:
        numbers[at.year] = numbers.get(at.year, 0) + 1
        return f"{prefix}-{at.year}-{numbers[at.year]:06d}"

    # Fictional numbers (area code 555 is not assigned), each with its hash computed once.
    calls_again: list[tuple[int, str, str]] = []  # (contact index, phone, hash), a heap
    phones_seen: list[tuple[str, str]] = []
    distinct = 0

    def phone_for(i: int) -> tuple[str, str]:
        nonlocal distinct
        if calls_again and calls_again[0][0] <= i:
            _due, phone, hashed = heapq.heappop(calls_again)
            return phone, hashed
        distinct += 1
        phone = f"+1 555 {distinct // 10_000:03d} {distinct % 10_000:04d}"
        hashed = lookup.phone_hash(phone)
        if rng.random() < REPEAT_SHARE:
            for _ in range(rng.randint(1, 4)):
                heapq.heappush(calls_again, (i + rng.randint(1, REPEAT_WITHIN), phone, hashed))
        if len(phones_seen) < 100_000:
            phones_seen.append((phone, hashed))
        return phone, hashed

    for first in range(0, contacts, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, contacts)):
            received = start + step * i
            is_open = rng.random() < OPEN_SHARE
            kinds = [rng.choice(request_types)]
            urgent = "crisis" in kinds or rng.random() < 0.08
            answered = not is_open or rng.random() < 0.6
            assignee = staff[i % SPECIALISTS] if answered or rng.random() < 0.3 else None
            follow_up = is_open and rng.random() < 0.05
            phone, phone_hash = phone_for(i) if rng.random() < PHONE_SHARE else ("", "")
            email = f"caller{i}@example.org" if rng.random() < EMAIL_SHARE else ""
            rows.append(
                Contact(
                    reference=reference("HT", received),
                    channel=rng.choice(channels),
                    received_at=received,
                    request_types=kinds,
                    urgency=Urgency.URGENT if urgent else Urgency.NON_URGENT,
                    status=rng.choice(OPEN_STATUSES) if is_open else Status.CLOSED,
                    assigned_to=assignee,
                    created_by=assignee,
                    caller_phone=phone,
                    caller_phone_hash=phone_hash,
                    caller_email=email,
                    caller_email_hash=lookup.email_hash(email),
                    narrative=" ".join(rng.choice(WORDS) for _ in range(12)) + " (fictional)",
                    sla_policy=rng.choice(policies),
                    first_response_due=received + dt.timedelta(minutes=15 if urgent else 240),
                    first_response_at=received + dt.timedelta(minutes=5) if answered else None,
                    resolution_due=received + dt.timedelta(days=1 if urgent else 5),
                    follow_up_needed=follow_up,
                    follow_up_on=(received + dt.timedelta(days=3)).date() if follow_up else None,
                    closed_at=None if is_open else received + dt.timedelta(hours=2),
                )
            )
        with transaction.atomic():
            created = Contact.objects.bulk_create(rows, batch_size=2_000)
            contact_search.index(c.pk for c in created)
    org = Organization.objects.create(name="Bench Task Force (fictional)", description="d")
    case_span = span / max(cases, 1)
    numbers.clear()
    for first in range(0, cases, BATCH):
        batch = []
        for i in range(first, min(first + BATCH, cases)):
            opened = start + case_span * i
            batch.append(
                Case(
                    reference=reference("CS", opened),
                    opened_at=opened,
                    opened_by=staff[i % SPECIALISTS],
                    assigned_to=staff[(i * 7) % SPECIALISTS],
                    status=rng.choice([s for s, _ in CaseStatus.choices]),
                    trafficking_type=rng.choice([t for t, _ in TraffickingType.choices]),
                    potential_trafficking=rng.choice([True, False, None]),
                    city="Springfield",
                    state="IL",
                    summary="A fictional situation: "
                    + " ".join(rng.choice(WORDS) for _ in range(8)),
                )
            )
        with transaction.atomic():
            created_cases = Case.objects.bulk_create(batch, batch_size=2_000)
            case_search.index(c.pk for c in created_cases)
            victims = []
            for case in created_cases:
                if rng.random() < 0.1:
                    phone, hashed = rng.choice(phones_seen)
                    victims.append(Victim(case=case, phone=phone, phone_hash=hashed))
            Victim.objects.bulk_create(victims, batch_size=2_000)
    recent_cases = list(Case.objects.order_by("-opened_at")[:100])
    Report.objects.bulk_create(
        Report(
            case=case,
            recipient=org,
            status=ReportStatus.AWAITING_APPROVAL,
            requested_by=staff[0],
            basis="consent",
        )
        for case in recent_cases
    )
    recent = list(Contact.objects.order_by("-received_at")[:300])
    Notification.objects.bulk_create(
        Notification(user=user, kind=NotificationKind.AT_RISK, contact=c)
        for c in recent
        for user in (staff[0], supervisor)
    )
    return time.perf_counter() - started


class QueryCounter:
    """An execute wrapper that counts the statements sent (DEBUG or not)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.count += 1
        return execute(*args)


def signed_in(username: str) -> "Client":
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hotline.accounts.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def getter(client: "Client", url: Callable[[], str]) -> Callable[[], Any]:
    return lambda: client.get(url())


def poster(client: "Client", address: str, data: Callable[[], dict[str, str]]) -> Callable[[], Any]:
    return lambda: client.post(address, data())


def searches(
    references: list[str], phones: list[str]
) -> dict[str, tuple[str, Callable[[], dict[str, str]], int]]:
    """The console search box (issue 12, item 2): `site:search`, sent by POST (what is typed may
    be a phone number, never put in a URL) in ConsoleSearchForm's field `q`. A reference
    redirects to its record (302, not followed: the record's page is timed apart); a phone or
    words list what they find (200). Page → (url, form data, the status expected)."""
    from django.urls import reverse

    url = reverse("site:search")
    rng = random.Random(7)  # noqa: S311
    queries = ["motel passport", "farm wages", "night shift van", "debt", "salon city"]
    return {
        "search_reference": (url, lambda: {"q": rng.choice(references)}, 302),
        "search_phone": (url, lambda: {"q": rng.choice(phones)}, 200),
        "search_words": (url, lambda: {"q": rng.choice(queries)}, 200),
        # Words no record holds: every window and the index are asked, then any word.
        "search_words_none": (url, lambda: {"q": rng.choice(["zebra", "glacier tundra"])}, 200),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", default="", help="time only these pages (comma-separated)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, reset_queries

    big = connection.vendor == "postgresql"
    contacts = args.contacts or (1_000_000 if big else 100_000)
    cases = args.cases or (100_000 if big else 10_000)
    name = f"bench_console_pages_{contacts}_{cases}"
    if connection.vendor == "sqlite":
        old = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = str(Path(old).with_name(f"{name}.sqlite3"))
    else:
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_{name}"
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=not args.rebuild
    )

    from django.db.models import Count, Max
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from hotline.cases.models import Case
    from hotline.contacts.models import Contact

    build_seconds = None
    if Contact.objects.count() < contacts:
        build_seconds = round(build(contacts, cases), 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) contacts_contact")
            cursor.execute("VACUUM (ANALYZE) cases_case")

    rng = random.Random(5)  # noqa: S311
    specialist, supervisor = signed_in("bench-specialist-0"), signed_in("bench-supervisor")
    open_ids = list(Contact.objects.open().order_by("pk").values_list("pk", flat=True)[::97])
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True)[::97])
    queue = reverse("contacts:queue")
    month_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    year_ago = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    pages: dict[str, tuple[Client, Callable[[], str]]] = {
        "queue": (specialist, lambda: queue),
        "queue_rows": (specialist, lambda: reverse("contacts:queue_rows")),
        "queue_mine": (specialist, lambda: f"{queue}?assigned=mine"),
        "queue_unassigned": (specialist, lambda: f"{queue}?assigned=nobody"),
        "queue_urgent": (specialist, lambda: f"{queue}?urgency=urgent"),
        "queue_request_type": (specialist, lambda: f"{queue}?request_type=tta"),
        "queue_channel": (specialist, lambda: f"{queue}?channel=api"),
        "queue_status_new": (specialist, lambda: f"{queue}?status=new"),
        "queue_closed": (specialist, lambda: f"{queue}?status=closed"),
        "queue_any_status": (specialist, lambda: f"{queue}?status=any"),
        "queue_last_month": (specialist, lambda: f"{queue}?received_from={month_ago}"),
        "queue_closed_a_year_ago": (
            specialist,
            lambda: f"{queue}?status=closed&received_to={year_ago}",
        ),
        "queue_page_5": (specialist, lambda: f"{queue}?page=5"),
        "contact": (
            specialist,
            lambda: reverse("contacts:detail", args=[rng.choice(open_ids)]),
        ),
        "contact_repeat_caller": (
            specialist,
            lambda: reverse("contacts:detail", args=[rng.choice(repeat_ids)]),
        ),
        "supervisor": (supervisor, lambda: reverse("contacts:supervisor")),
        "notifications": (specialist, lambda: reverse("contacts:notifications")),
        "cases_list": (specialist, lambda: reverse("cases:list")),
        "cases_list_page_10": (specialist, lambda: reverse("cases:list") + "?page=10"),
        "case": (specialist, lambda: reverse("cases:detail", args=[rng.choice(case_ids)])),
        "approvals": (supervisor, lambda: reverse("cases:supervisor")),
    }
    # Repeat callers: phones given on 3 or more contacts, a contact of each, and the phone
    # written as a caller would say it (the search normalises it).
    repeat = list(
        Contact.objects.exclude(caller_phone_hash="")
        .filter(pk__gte=open_ids[len(open_ids) // 2])
        .values("caller_phone_hash")
        .annotate(calls=Count("pk"), last=Max("pk"))
        .filter(calls__gte=3)
        .order_by("last")
        .values_list("last", flat=True)[:50]
    )
    repeat_ids = repeat
    repeat_phones = [
        phone.replace("+1 ", "(", 1).replace(" ", ") ", 1)
        for phone in Contact.objects.filter(pk__in=repeat).values_list("caller_phone", flat=True)
    ]
    references = list(
        Contact.objects.filter(pk__in=open_ids[::5]).values_list("reference", flat=True)
    )
    assert repeat_ids and references, "no repeat callers: rebuild the data (--rebuild)"
    posts = searches(references, repeat_phones)

    figures: dict[str, dict[str, float | int]] = {}
    floor: list[float] = []
    senders = {key: (getter(client, url), 200) for key, (client, url) in pages.items()}
    senders |= {
        key: (poster(specialist, address, data), expected)
        for key, (address, data, expected) in posts.items()
    }
    if args.only:
        senders = {key: value for key, value in senders.items() if key in args.only.split(",")}
    for key, (send, expected) in senders.items():
        for _ in range(3):  # warm: templates, the session, cached settings
            response = send()
            assert response.status_code == expected, (key, response.status_code)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            send()
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = send()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == expected, (key, response.status_code)
            started = time.perf_counter()
            specialist.get("/healthz")
            floor.append((time.perf_counter() - started) * 1000)
            reset_queries()
        figures[key] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": counter.count,
        }

    print(
        json.dumps(
            {
                "bench": "console_pages",
                "database": connection.vendor,
                "contacts": Contact.objects.count(),
                "open_contacts": Contact.objects.open().count(),
                "cases": Case.objects.count(),
                "requests_per_page": args.requests,
                "pages": figures,
                "worst_p95_ms": max(f["p95_ms"] for f in figures.values()),
                "floor_p50_ms": round(statistics.median(floor), 2),
                "floor_p95_ms": round(percentile(floor, 0.95), 2),
                "build_seconds": build_seconds,
                "repeat_callers_shown": len(repeat_ids),
                "load_average": [round(value, 2) for value in os.getloadavg()],
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
