"""Console pages at the size of many years: 100,000 contacts and 10,000 cases on SQLite,
1,000,000 and 100,000 on PostgreSQL (`--contacts`, `--cases` for others), about a tenth of the
contacts open and spread over the whole span (so most open ones are past their deadlines: the
supervisor's lists are long). Times each page in this process with Django's test Client, signed
in as a specialist or a supervisor (two-factor done): the queue with each filter, its rows, a
contact page, the supervisor view, notifications, the cases list, a case page, the approvals
page, and the console search box when it is there. Prints one JSON line: p50/p95 and queries
per page, the data size, and a floor (the same client's /healthz, timed alternately).

The data is built once per database and size (kept between runs; `--rebuild` to redo), from a
seeded random generator, with bulk_create in batches.

    DEBUG=1 .venv/bin/python bench/console_pages.py [--contacts 100000] [--cases 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/console_pages.py --contacts 1000000 --cases 100000
"""

import argparse
import datetime as dt
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(contacts: int, cases: int) -> float:
    """The rows, deterministic; returns the seconds it took."""
    from django.db import transaction
    from django.utils import timezone

    from hotline.accounts.models import Role, User
    from hotline.cases.models import Case, Report
    from hotline.cases.vocabularies import CaseStatus, ReportStatus, TraffickingType
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
    words = [
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
            rows.append(
                Contact(
                    reference=f"HT-{received.year}-{i + 1:07d}",
                    channel=rng.choice(channels),
                    received_at=received,
                    request_types=kinds,
                    urgency=Urgency.URGENT if urgent else Urgency.NON_URGENT,
                    status=rng.choice(OPEN_STATUSES) if is_open else Status.CLOSED,
                    assigned_to=assignee,
                    created_by=assignee,
                    caller_phone=f"+1217555{i % 10_000:04d}" if rng.random() < 0.5 else "",
                    narrative=" ".join(rng.choice(words) for _ in range(12)) + " (fictional)",
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
            Contact.objects.bulk_create(rows, batch_size=2_000)
    org = Organization.objects.create(name="Bench Task Force (fictional)", description="d")
    case_span = span / max(cases, 1)
    for first in range(0, cases, BATCH):
        batch = []
        for i in range(first, min(first + BATCH, cases)):
            batch.append(
                Case(
                    reference=f"CS-{i + 1:07d}",
                    opened_at=start + case_span * i,
                    opened_by=staff[i % SPECIALISTS],
                    assigned_to=staff[(i * 7) % SPECIALISTS],
                    status=rng.choice([s for s, _ in CaseStatus.choices]),
                    trafficking_type=rng.choice([t for t, _ in TraffickingType.choices]),
                    potential_trafficking=rng.choice([True, False, None]),
                    city="Springfield",
                    state="IL",
                    summary="A fictional situation for the benchmark.",
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(batch, batch_size=2_000)
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


def search_urls(contact_reference: str, phone: str) -> dict[str, str]:
    """The console search box (issue 12, item 2): timed when this branch has it.
    TODO(lead): once the search view is merged, check its URL name and query parameter here."""
    from django.urls import NoReverseMatch, reverse

    for name in ("site:search", "console:search", "search"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        return {
            "search_reference": f"{url}?q={contact_reference}",
            "search_phone": f"{url}?q={phone}",
            "search_words": f"{url}?q=motel+passport",
        }
    return {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--rebuild", action="store_true")
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
        # TODO(lead): with caller history merged, this page shows it (nothing to change here).
        "contact": (
            specialist,
            lambda: reverse("contacts:detail", args=[rng.choice(open_ids)]),
        ),
        "supervisor": (supervisor, lambda: reverse("contacts:supervisor")),
        "notifications": (specialist, lambda: reverse("contacts:notifications")),
        "cases_list": (specialist, lambda: reverse("cases:list")),
        "cases_list_page_10": (specialist, lambda: reverse("cases:list") + "?page=10"),
        "case": (specialist, lambda: reverse("cases:detail", args=[rng.choice(case_ids)])),
        "approvals": (supervisor, lambda: reverse("cases:supervisor")),
    }
    some = Contact.objects.exclude(caller_phone="").order_by("pk").first()
    assert some is not None
    for key, address in search_urls(some.reference, some.caller_phone).items():
        pages[key] = (specialist, lambda address=address: address)  # type: ignore[misc]

    figures: dict[str, dict[str, float | int]] = {}
    floor: list[float] = []
    for key, (client, url) in pages.items():
        for _ in range(3):  # warm: templates, the session, cached settings
            response = client.get(url())
            assert response.status_code == 200, (key, response.status_code)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            client.get(url())
        timings = []
        for _ in range(args.requests):
            target = url()
            started = time.perf_counter()
            response = client.get(target)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (key, response.status_code)
            started = time.perf_counter()
            client.get("/healthz")
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
                "search_box": bool(search_urls("", "")),
                "load_average": [round(value, 2) for value in os.getloadavg()],
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
