"""Library search: latency of `hotline.library.search.search()` and of the library page over
HTTP, on 10,000 generated resources (deterministic) and 200 queries (words, word pairs,
prefixes, typing mistakes, Spanish words). Prints one JSON line.

The page is served as in production (README, "Production notes"): gunicorn with 2 sync workers,
production settings (DEBUG=0, WhiteNoise, collected static files) on 127.0.0.1, asked with the
X-Forwarded-Proto header of a TLS proxy. `--server development` serves it instead from a
threaded development server in this process, with this process's settings (DEBUG=1).

    DEBUG=1 .venv/bin/python bench/library_search.py [--resources 10000] [--queries 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/library_search.py
"""

# ruff: noqa: S603 - the benchmark starts this project's own commands
import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8101"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")

WORDS = [
    "human",
    "trafficking",
    "labor",
    "sex",
    "child",
    "victim",
    "survivor",
    "assessment",
    "screening",
    "indicator",
    "medical",
    "health",
    "care",
    "provider",
    "law",
    "enforcement",
    "first",
    "responder",
    "training",
    "online",
    "toolkit",
    "guide",
    "manual",
    "handbook",
    "fact",
    "sheet",
    "report",
    "study",
    "program",
    "shelter",
    "housing",
    "legal",
    "immigration",
    "visa",
    "trauma",
    "mental",
    "recovery",
    "case",
    "management",
    "community",
    "coalition",
    "task",
    "force",
    "outreach",
    "youth",
    "runaway",
    "homeless",
    "domestic",
    "servitude",
    "agriculture",
    "restaurant",
    "hotel",
    "construction",
    "massage",
    "forced",
    "debt",
    "bondage",
    "recruitment",
    "coercion",
    "fraud",
    "identification",
    "interview",
    "ethics",
    "safety",
    "planning",
    "benefits",
    "services",
    "referral",
    "hotline",
    "campaign",
    "poster",
    "brochure",
    "card",
    "video",
    "presentation",
    "research",
    "policy",
    "prevention",
    "awareness",
    "business",
    "supply",
    "chain",
    "worker",
    "exploitation",
    "migrant",
    "foreign",
    "national",
    "language",
    "interpretation",
    "protection",
    "rights",
    "court",
    "prosecution",
    "evidence",
]
SPANISH = ["trafico", "trata", "victimas", "salud", "ninos", "laboral", "capacitacion"]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two neighbours


def make_queries(count: int) -> list[str]:
    rng = random.Random(7)  # noqa: S311 (deterministic test data, not secrets)
    kinds = [
        lambda: rng.choice(WORDS),
        lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
        lambda: rng.choice([w for w in WORDS if len(w) > 5])[:4],
        lambda: typo(rng.choice(WORDS), rng),
        lambda: rng.choice(SPANISH),
    ]
    return [kinds[i % len(kinds)]() for i in range(count)]


def build_library(count: int) -> None:
    from hotline.library import search
    from hotline.library.actions import ensure_vocabulary
    from hotline.library.models import Audience, Publisher, Resource, ResourceType, Topic

    rng = random.Random(42)  # noqa: S311 (deterministic test data, not secrets)
    ensure_vocabulary()
    kinds = ["Coalition", "Network", "Alliance", "Project", "Center", "Institute", "Council"]
    publishers = Publisher.objects.bulk_create(
        Publisher(name=f"{rng.choice(WORDS).title()} {kinds[i % 7]} {i}", slug=f"publisher-{i}")
        for i in range(50)
    )
    types = ResourceType.values
    resources = Resource.objects.bulk_create(
        (
            Resource(
                slug=f"resource-{i}",
                title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize(),
                summary=" ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 40))),
                publisher=rng.choice(publishers),
                resource_type=rng.choice(types),
            )
            for i in range(count)
        ),
        batch_size=1000,
    )
    audiences, topics = list(Audience.objects.all()), list(Topic.objects.all())
    Resource.audiences.through.objects.bulk_create(
        (
            Resource.audiences.through(resource=r, audience=a)
            for r in resources
            for a in rng.sample(audiences, rng.randint(1, 3))
        ),
        batch_size=2000,
    )
    Resource.topics.through.objects.bulk_create(
        (
            Resource.topics.through(resource=r, topic=t)
            for r in resources
            for t in rng.sample(topics, rng.randint(1, 3))
        ),
        batch_size=2000,
    )
    search.rebuild()
    # Fresh planner statistics, as after any bulk import (PostgreSQL's autovacuum would get
    # there later; SQLite never does by itself).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def production_settings() -> None:
    """The production settings as they are, except where collected static files go: the
    benchmark's own directory (BENCH_STATIC_ROOT), not the checkout's staticfiles/."""
    from django.conf import settings

    settings.STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])


def application() -> Any:
    """gunicorn's application factory (`library_search:application()`)."""
    production_settings()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def collect_static() -> None:
    production_settings()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)


@contextlib.contextmanager
def production_server(vendor: str, database: dict[str, Any]) -> Iterator[str]:
    """gunicorn on 127.0.0.1:PORT over the benchmark's database; yields its address."""
    static = tempfile.mkdtemp(prefix="hotline-bench-static-")
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        AUDIT_KEY=secrets.token_urlsafe(32),
        LOOKUP_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="hotline.settings",
        BENCH_STATIC_ROOT=static,
    )
    env.pop("SECRET_KEY_FILE", None)
    if vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["HOTLINE_VAR_DIR"] = str(Path(database["NAME"]).parent)  # its hotline.sqlite3
    else:
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = url._replace(path="/" + database["NAME"]).geturl()
    python = str(ROOT / ".venv" / "bin" / "python")
    here = str(Path(__file__).resolve().parent)
    subprocess.run(
        [python, "-c", "import library_search; library_search.collect_static()"],
        env=env,
        cwd=here,
        check=True,
    )
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "library_search:application()"]
    options = ["--workers", "2", "--bind", f"{HOST}:{PORT}", "--log-level", "warning"]
    server = subprocess.Popen(
        [*gunicorn, "--pythonpath", here, *options],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection(HOST, PORT, timeout=5)
                conn.request("GET", "/healthz", headers=PROXY)
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)  # not listening yet
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield f"http://{HOST}:{PORT}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static, ignore_errors=True)


@contextlib.contextmanager
def development_server() -> Iterator[str]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        # The handler writes a response in several small pieces; with Nagle's algorithm on,
        # the client's delayed acknowledgement held each page back by about 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            """Quiet: the benchmark prints one JSON line."""

    server = ThreadedWSGIServer((HOST, 0), Quiet)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()


# What the TLS-terminating proxy of a deployment adds (settings.SECURE_PROXY_SSL_HEADER).
PROXY = {"X-Forwarded-Proto": "https"}


def page_latencies(base: str, queries: list[str], warm_up: int) -> list[float]:
    """Milliseconds per page, as a visitor waits for it: one connection, kept open when the
    server allows (gunicorn's sync workers close it after each response)."""
    address = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(address.hostname or HOST, address.port, timeout=30)
    latencies = []
    for query in queries:
        path = f"/library/?{urllib.parse.urlencode({'q': query})}"
        started = time.perf_counter()
        conn.request("GET", path, headers=PROXY)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (response.status, path)
    conn.close()
    return latencies[warm_up:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--server", choices=["production", "development"], default="production")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    # A database of its own (test_<name> on PostgreSQL), dropped at the end.
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":  # hotline.sqlite3 of a var directory of its own
        var = Path(old_name).with_name("bench-library")
        var.mkdir(exist_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(var / "hotline.sqlite3")
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    from hotline.library import search

    started = time.perf_counter()
    build_library(args.resources)
    build_seconds = time.perf_counter() - started
    queries = make_queries(args.queries)

    # As the library page asks: its first 500 matches, best first.
    for query in queries[:20]:  # warm caches and connections
        search.search(query, limit=500)
    function_ms, hits = [], []
    for query in queries:
        started = time.perf_counter()
        found = search.search(query, limit=500)
        function_ms.append((time.perf_counter() - started) * 1000)
        hits.append(len(found))

    connection.close()  # the server's processes write to it too (the settings row)
    serving = (
        production_server(connection.vendor, connection.settings_dict)
        if args.server == "production"
        else development_server()
    )
    with serving as base:
        page_ms = page_latencies(base, [*queries[:20], *queries], warm_up=20)

    test_name = connection.settings_dict["NAME"]
    connection.creation.destroy_test_db(old_name, verbosity=0)
    if connection.vendor == "sqlite":
        shutil.rmtree(Path(test_name).parent, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "library_search",
                "database": connection.vendor,
                "resources": args.resources,
                "queries": len(queries),
                "queries_with_results": sum(1 for n in hits if n),
                "build_and_index_seconds": round(build_seconds, 1),
                "function_ms_p50": round(statistics.median(function_ms), 2),
                "function_ms_p95": round(percentile(function_ms, 0.95), 2),
                "page_ms_p50": round(statistics.median(page_ms), 2),
                "page_ms_p95": round(percentile(page_ms, 0.95), 2),
                "page_server": args.server,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
