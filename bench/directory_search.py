"""Directory search: 500 deterministic searches mixing ZIP + radius + category + language +
keyword over 100,000 services at 130,000 locations (`--services` for more); p50/p95 for the
search function and for the staff search page over HTTP (a real socket to a WSGI server in
this process). Prints one JSON line. The data is built once per database (kept between runs,
`--rebuild` to redo); when it is built, the import's time and the process's peak memory
(VmHWM) are given.

The floor, measured in the same run alternately with the searches: the one read every search
ends with, all columns of 50 entries by id. On a shared machine compare the ratio
(function p95 / floor p95) between runs rather than the milliseconds.

    DEBUG=1 .venv/bin/python bench/directory_search.py [--services 100000] [--searches 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/directory_search.py
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_mb() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024


def queries(count: int, seed: int = 7) -> list[dict]:
    from hotline.directory import geo, profile
    from hotline.directory.demo import STATES

    rng = random.Random(seed)  # noqa: S311
    zips = [p.postal_code for p in geo.all_zips() if p.state in STATES]
    categories = [v for v, _ in profile.choices("category")]
    out = []
    for _ in range(count):
        form: dict = {"postal_code": rng.choice(zips), "radius": rng.choice([10, 25, 25, 50])}
        if rng.random() < 0.6:
            form["categories"] = [rng.choice(categories)]
        if rng.random() < 0.4:
            form["languages"] = ["es"]
        if rng.random() < 0.3:
            form["populations"] = ["minors"]
        if rng.random() < 0.2:
            form["keyword"] = rng.choice(["legal", "shelter", "survivors", "counseling"])
        out.append(form)
    return out


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        """Quiet: the benchmark prints one JSON line."""


def page_timings(forms: list[dict]) -> list[float]:
    """The staff search page over HTTP, signed in as a specialist with two-factor."""
    from django.core.wsgi import get_wsgi_application
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hotline.accounts.models import Role, User

    user = User.objects.filter(username="bench-specialist").first()
    if user is None:
        user = User.objects.create(username="bench-specialist", role=Role.SPECIALIST)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    session_cookie = client.cookies["sessionid"].value
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def request(method: str, body: str = "", cookies: str = "") -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": cookies, "Host": "127.0.0.1"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, "/directory/staff/search/", body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        return response.status, text, response.getheader("Set-Cookie") or ""

    status, page, set_cookie = request("GET", cookies=f"sessionid={session_cookie}")
    assert status == 200, status
    csrf_cookie = re.search(r"csrftoken=([^;]+)", set_cookie).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    cookies = f"sessionid={session_cookie}; csrftoken={csrf_cookie}"
    http_timings = []
    for data in forms:
        body = urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        started = time.perf_counter()
        status, _, _ = request("POST", body, cookies)
        http_timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    server.shutdown()
    return http_timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-page", action="store_true", help="time the function only")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    name = f"bench_directory_search_{args.services}"
    if connection.vendor == "sqlite":
        # Beside the configured database file, so under HOTLINE_VAR_DIR.
        old = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = str(Path(old).with_name(f"{name}.sqlite3"))
    else:
        # Named after the configured database, so that two people's runs keep apart.
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_{name}"
    # serialize=False: no copy of every row for test rollbacks (a minute and a half here).
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=not args.rebuild
    )

    from hotline.directory.demo import generate, write_csv_package
    from hotline.directory.forms import SearchForm
    from hotline.directory.importer import directory_source, run_import
    from hotline.directory.models import SearchEntry, Service
    from hotline.directory.search import FIELDS, search

    load_seconds, load_peak_mb = None, None
    if Service.objects.count() < args.services:
        with tempfile.TemporaryDirectory() as tmp:
            write_csv_package(
                Path(tmp),
                generate(args.services // 5, args.services, int(args.services * 1.3), seed=11),
            )
            started = time.perf_counter()
            run_import(directory_source(Path(tmp)), updated_by="bench")
            load_seconds = round(time.perf_counter() - started, 1)
            load_peak_mb = peak_rss_mb()
        # Planner statistics, as after any bulk import (PostgreSQL's autovacuum would get there
        # later; SQLite's plans for these statements are the same with or without them).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        # What autovacuum does after a large insert, done now: the visibility map lets the
        # search's counts read the index alone (cheap when there is nothing to do).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) directory_searchentry")

    forms = queries(args.searches)
    built = []
    for data in forms:
        form = SearchForm(data)
        assert form.is_valid(), form.errors
        built.append(form.query())
    for query in built[:20]:
        search(query)  # warm caches (ZIP index, connection)
    ids = list(SearchEntry.objects.order_by("id").values_list("id", flat=True)[::997][:2000])
    rng = random.Random(3)  # noqa: S311
    timings, found, floor = [], [], []
    for query in built:
        started = time.perf_counter()
        results = search(query)
        timings.append((time.perf_counter() - started) * 1000)
        found.append(results.local_total)
        chosen = rng.sample(ids, min(50, len(ids)))
        started = time.perf_counter()
        list(SearchEntry.objects.filter(id__in=chosen).values(*FIELDS))
        floor.append((time.perf_counter() - started) * 1000)

    http_timings = [] if args.no_page else page_timings(forms)

    print(
        json.dumps(
            {
                "bench": "directory_search",
                "database": connection.vendor,
                "services": Service.objects.count(),
                "search_entries": SearchEntry.objects.count(),
                "searches": len(built),
                "function_p50_ms": round(statistics.median(timings), 2),
                "function_p95_ms": round(percentile(timings, 0.95), 2),
                "function_max_ms": round(max(timings), 2),
                "floor_p50_ms": round(statistics.median(floor), 2),
                "floor_p95_ms": round(percentile(floor, 0.95), 2),
                "ratio_p95": round(percentile(timings, 0.95) / percentile(floor, 0.95), 2),
                "searches_finding_nothing": found.count(0),
                "http_p50_ms": round(statistics.median(http_timings), 2) if http_timings else None,
                "http_p95_ms": round(percentile(http_timings, 0.95), 2) if http_timings else None,
                "mean_local_results": round(statistics.mean(found), 1),
                "load_seconds": load_seconds,
                "load_peak_mb": load_peak_mb,
                "load_average": [round(value, 2) for value in os.getloadavg()],
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
