"""Crash safety of intake: the load of intake_load.py while the server (gunicorn master and
workers) is killed with SIGKILL K times and restarted. Each client retries a request with the
same Idempotency-Key until it gets 201, as an integration should. Afterwards every contact
acknowledged with 201 must be in the database, and none twice.

    DEBUG=1 .venv/bin/python bench/intake_crash.py --database sqlite --kills 20 --clients 16

Bounded: K kills, at most --max-attempts tries per request, loopback only.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_server import (
    HOST,
    PORT,
    count_contacts,
    environment,
    kill,
    machine,
    prepare,
    start,
)

MARKER = "crash-bench "


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--max-attempts", type=int, default=400)
    args = parser.parse_args()
    env = environment(args.database)
    token = prepare(env)
    server = start(env)
    acked: dict[str, str] = {}  # narrative -> reference
    given_up = [0]
    lock = threading.Lock()
    done = threading.Event()

    def client(index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - back-off jitter, not a secret
        n = 0
        while not done.is_set():
            n += 1
            narrative = f"{MARKER}{index}-{n}-{uuid.uuid4().hex[:8]}"
            body = json.dumps({"request_types": ["tip"], "narrative": narrative})
            key = str(uuid.uuid4())
            for _ in range(args.max_attempts):
                try:
                    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
                    conn.request(
                        "POST",
                        "/api/contacts/",
                        body,
                        {
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                            "Idempotency-Key": key,
                        },
                    )
                    response = conn.getresponse()
                    payload = response.read()
                    conn.close()
                except OSError:
                    time.sleep(0.05 + rng.random() * 0.1)
                    continue
                if response.status == 201:
                    with lock:
                        acked[narrative] = json.loads(payload)["reference"]
                    break
                time.sleep(0.1 + rng.random() * 0.2)  # any other answer: try again
            else:
                with lock:
                    given_up[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(args.kills):
            time.sleep(args.interval)
            kill(server)
            server = start(env)
        time.sleep(args.interval)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=600)
        kill(server)
    stored = count_contacts(env, MARKER)
    lost = [n for n in acked if n not in stored]
    twice = [n for n, count in stored.items() if count > 1]
    print(
        json.dumps(
            {
                "bench": "intake_crash",
                "database": args.database,
                "kills": args.kills,
                "clients": args.clients,
                "acknowledged": len(acked),
                "stored": sum(stored.values()),
                "lost": len(lost),
                "duplicated": len(twice),
                "gave_up": given_up[0],
                "machine": machine(),
            }
        )
    )
    if lost or twice:
        sys.exit(1)


if __name__ == "__main__":
    main()
