"""Directory import: time and peak memory to import an HSDS CSV datapackage of 100,000 services
(deterministic, fictional) into an empty database, all in one transaction. Prints one JSON line:
the whole import and its phases (reading, checking and writing the rows; checking references;
building the search index, with the commit), and the peak resident memory of the process that
imports (a fresh one, started after the data is generated).

    DEBUG=1 .venv/bin/python bench/directory_import.py [--services 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/directory_import.py
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")


def setup_database(name: str) -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        old = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = str(Path(old).with_name(f"{name}.sqlite3"))
    else:
        connection.settings_dict["TEST"]["NAME"] = f"test_{name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def peak_rss_mb() -> int:
    """This process's peak resident memory. Not `ru_maxrss`: on Linux a child's starts at its
    parent's resident memory when it was started (the parent generated the data)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return round(
        int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        / 1024
    )


def child(directory: str) -> None:
    """Runs in a fresh process so that its peak memory is the import's alone."""
    setup_database("bench_directory_import")
    from django.db import connection

    from hotline.directory.importer import directory_source, run_import
    from hotline.directory.models import SearchEntry, Service

    baseline = peak_rss_mb()
    marks: dict[str, float] = {}

    def progress(label: str, done: int, total: int) -> None:
        # "import <table>" (reading and writing), "check references", "index services"
        marks.setdefault(label.split()[0], time.perf_counter())

    started = time.perf_counter()
    result = run_import(directory_source(Path(directory)), updated_by="bench", progress=progress)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    check, index = marks["check"], marks.get("index", started + seconds)
    print(
        json.dumps(
            {
                "import_seconds": round(seconds, 1),
                "write_seconds": round(check - started, 1),
                "check_seconds": round(index - check, 1),
                "index_seconds": round(started + seconds - index, 1),
                "rows_created": result.summary()["created"],
                "services_in_db": Service.objects.count(),
                "search_entries": SearchEntry.objects.count(),
                "peak_rss_mb": peak,
                "rss_before_import_mb": baseline,
                "database": connection.vendor,
            }
        )
    )
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    import django

    django.setup()
    from hotline.directory.demo import generate, write_csv_package

    services = args.services
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        counts = write_csv_package(
            Path(tmp), generate(services // 5, services, int(services * 1.3), seed=11)
        )
        generated = time.perf_counter() - started
        output = (
            subprocess.run(  # noqa: S603 (this script, re-run)
                [sys.executable, __file__, "--child", tmp],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        size = sum(f.stat().st_size for f in Path(tmp).iterdir())
    figures = json.loads(output)
    print(
        json.dumps(
            {
                "bench": "directory_import",
                "services": counts.get("service", 0),
                "locations": counts.get("location", 0),
                "rows": sum(counts.values()),
                "csv_mb": round(size / 1e6, 1),
                "generate_seconds": round(generated, 1),
                **figures,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
