"""Intake API under load: gunicorn (2 workers) on loopback, N concurrent clients creating
contacts through the API for S seconds, then the same clients on a trivial endpoint of the same
server (the API without a token: middleware, routing, 401) as the framework's floor.

    DEBUG=1 .venv/bin/python bench/intake_load.py --database sqlite --seconds 60 --clients 16

Prints one JSON line: throughput and p50/p99 latency of both, and their ratio.
"""

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_server import HOST, PORT, environment, kill, machine, prepare, start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(seconds: float, clients: int, token: str, create: bool) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        n = 0
        while time.monotonic() < stop:
            n += 1
            started = time.perf_counter()
            if create:
                body = json.dumps(
                    {"request_types": ["tip"], "urgency": "urgent", "narrative": f"bench {n}"}
                )
                conn.request(
                    "POST",
                    "/api/contacts/",
                    body,
                    {
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": str(uuid.uuid4()),
                    },
                )
                expected = 201
            else:
                conn.request("GET", "/api/contacts/")
                expected = 401
            response = conn.getresponse()
            response.read()
            if response.status == expected:
                latencies[index].append(time.perf_counter() - started)
            else:
                errors[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    every = [x for per in latencies for x in per]
    return {
        "requests": len(every),
        "errors": sum(errors),
        "per_second": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every) * 1000, 2) if every else 0,
        "p99_ms": round(percentile(every, 0.99) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    env = environment(args.database)
    token = prepare(env)
    server = start(env)
    try:
        run(2, args.clients, token, create=True)  # warm-up, not counted
        created = run(args.seconds, args.clients, token, create=True)
        floor = run(args.seconds, args.clients, token, create=False)
    finally:
        kill(server)
    print(
        json.dumps(
            {
                "bench": "intake_load",
                "database": args.database,
                "clients": args.clients,
                "seconds": args.seconds,
                "create": created,
                "floor": floor,
                "throughput_ratio_to_floor": round(created["per_second"] / floor["per_second"], 3),
                "p99_ratio_to_floor": round(created["p99_ms"] / max(floor["p99_ms"], 0.01), 2),
                "machine": machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
