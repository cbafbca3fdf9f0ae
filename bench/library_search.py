"""Library search: latency of `hotline.library.search.search()` and of the library page over
HTTP, on 10,000 generated resources (deterministic) and 200 queries (words, word pairs,
prefixes, typing mistakes, Spanish words). Prints one JSON line.

    DEBUG=1 .venv/bin/python bench/library_search.py [--resources 10000] [--queries 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/library_search.py
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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


def serve() -> tuple[str, object]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            """Quiet: the benchmark prints one JSON line."""

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    # A database of its own (test_<name> on PostgreSQL), dropped at the end.
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(old_name).with_name("bench-library.sqlite3")
        )
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

    base, server = serve()
    page_ms = []
    for query in [*queries[:20], *queries]:
        url = f"{base}/library/?{urllib.parse.urlencode({'q': query})}"
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:  # noqa: S310 (our own server)
            assert response.status == 200
            response.read()
        page_ms.append((time.perf_counter() - started) * 1000)
    page_ms = page_ms[20:]
    server.shutdown()  # type: ignore[attr-defined]

    connection.creation.destroy_test_db(old_name, verbosity=0)
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
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
