"""Audit chain: how fast events are appended (one transaction each, as views do) and how fast
`verify_audit` walks the chain. Prints one JSON line.

    DEBUG=1 .venv/bin/python bench/audit_chain.py [--events 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/audit_chain.py
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")
# The benchmark's chain is thrown away: so are its checkpoints (none are written, and the
# install's own must not be read against it).
os.environ["AUDIT_CHECKPOINT_DIR"] = tempfile.mkdtemp(prefix="hotline-bench-audit-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    # A database of its own (test_<name> on PostgreSQL), dropped at the end.
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(old_name).with_name("bench.sqlite3"))
    connection.creation.create_test_db(verbosity=0, keepdb=False)

    from hotline.audit.actions import record, verify

    started = time.perf_counter()
    for i in range(args.events):
        record("bench.event", object_type="bench.thing", object_id=i, detail={"n": i})
    append_seconds = time.perf_counter() - started

    started = time.perf_counter()
    verdict = verify()
    verify_seconds = time.perf_counter() - started
    assert verdict.ok and verdict.count == args.events

    connection.creation.destroy_test_db(old_name, verbosity=0)
    print(
        json.dumps(
            {
                "bench": "audit_chain",
                "database": connection.vendor,
                "events": args.events,
                "appends_per_second": round(args.events / append_seconds),
                "append_ms_mean": round(append_seconds * 1000 / args.events, 3),
                "verify_seconds": round(verify_seconds, 3),
                "verify_events_per_second": round(args.events / verify_seconds),
                "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
