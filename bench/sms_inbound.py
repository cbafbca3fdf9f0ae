"""The inbound SMS webhook under load, and killed under load (issue 14).

gunicorn (2 workers) on loopback with a fresh database and one SMS channel whose auth token is
in a file; SITE_URL is the server's own address, so that the signature the clients compute
over http://127.0.0.1:PORT/... is the one the server checks. N clients post incoming texts as
Twilio does: form-encoded, signed with X-Twilio-Signature (the `twilio` package's
RequestValidator), an I-Twilio-Idempotency-Token header, a new MessageSid each, From drawn from
a pool of fictional numbers (+1555...), so that most texts join a conversation already open
and some start a new contact.

--mode load: texts for S seconds, then GET /healthz on the same server for S seconds as the
floor (it reads the database: the applied migrations), then for S seconds intake_load.py's
trivial floor (the API without a token: middleware, routing, a 401). Every message answered
200 must be in the database once, and nothing else.

--mode crash: the same texts while the server (gunicorn master and workers) is killed with
SIGKILL K times, ~2 s apart, and restarted. Each client retries a text (same MessageSid, same
idempotency token, same signature: as Twilio retries) until it is answered 200. Afterwards every
MessageSid answered 200 must be stored exactly once (channels_message by provider_id).

    DEBUG=1 .venv/bin/python bench/sms_inbound.py --mode load --database sqlite
    DEBUG=1 .venv/bin/python bench/sms_inbound.py --mode crash --database postgres --kills 20

Prints one JSON line; exits 1 when a message answered 200 is missing or stored twice.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_server import HOST, PORT, ROOT, environment, kill, machine, manage, migrate, start

NUMBER = "+12025550100"  # the channel's, fictional
ACCOUNT = "AC" + "0" * 32
POOL = 2000  # senders: +15550000000 .. +15550001999
BODIES = ["hi", "I need help", "can someone call me back", "they took my passport", "thanks"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else 0,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def add_channel(env: dict[str, str], token: str) -> str:
    """One active SMS channel (through add_channel, as an administrator's command would), its
    auth token in a file of its own; the path of its inbound webhook."""
    secret = Path(tempfile.mkdtemp(prefix="hotline-bench-sms-")) / "twilio-token"
    secret.write_text(token + "\n")
    secret.chmod(0o600)
    code = (
        "from hotline.channels.actions import add_channel; "
        f"c = add_channel(name='Bench texts', address={NUMBER!r}, account={ACCOUNT!r}, "
        f"secret_file={str(secret)!r}); print(c.webhook_path('inbound'))"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


class Texts:
    """Incoming texts as Twilio would post them to the channel's inbound webhook."""

    def __init__(self, path: str, token: str) -> None:
        self.path = path
        self.url = f"http://{HOST}:{PORT}{self.path}"
        self.validator = RequestValidator(token)
        self.run = secrets.token_hex(4)

    def make(self, client: int, n: int, rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
        """A text: its MessageSid, its body as sent, its headers."""
        sid = f"SM{self.run}{client:04x}{n:020x}"
        params = {
            "ToCountry": "US",
            "ToState": "DC",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "WASHINGTON",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": rng.choice(BODIES),
            "FromCountry": "US",
            "To": NUMBER,
            "MessagingServiceSid": "MG" + "1" * 32,
            "ToZip": "20001",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT,
            "From": f"+1555{rng.randrange(POOL):07d}",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": str(self.validator.compute_signature(self.url, params)),
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        return sid, urlencode(params).encode(), headers


def stored(env: dict[str, str]) -> dict[str, int]:
    """Inbound messages per provider id, and the audit events of messages taken, read straight
    from the database."""
    code = (
        "import json; from django.db.models import Count; "
        "from hotline.audit.models import AuditEvent; "
        "from hotline.channels.models import Message; "
        "from hotline.contacts.models import Contact; "
        "rows = Message.objects.filter(direction='in').values('provider_id')"
        ".annotate(n=Count('pk')).order_by(); "
        "print(json.dumps({'messages': {r['provider_id']: r['n'] for r in rows}, "
        "'audited': AuditEvent.objects.filter(action='channels.message_in').count(), "
        "'contacts': Contact.objects.count()}))"
    )
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


# method, path, body, headers, the status expected, the text's MessageSid ("" for none)
Request = tuple[str, str, bytes | None, dict[str, str], int, str]


def hammer(
    clients: int, seconds: float, request: Callable[[int, int], Request], answered: set[str]
) -> dict[str, float]:
    """`clients` threads sending `request(client, n)` one after another for `seconds`; the
    latencies of the expected answers. The MessageSid of each text answered as expected goes
    into `answered`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        n = 0
        while time.monotonic() < stop:
            n += 1
            method, path, body, headers, expected, sid = request(index, n)
            started = time.perf_counter()
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            if response.status == expected:
                latencies[index].append(time.perf_counter() - started)
                if sid:
                    with lock:
                        answered.add(sid)
            else:
                errors[index] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary([x for per in latencies for x in per], sum(errors), time.monotonic() - began)


def load(args: argparse.Namespace, env: dict[str, str], texts: Texts) -> dict[str, object]:
    acked: set[str] = set()
    rngs = [random.Random(f"{texts.run}-{i}") for i in range(args.clients)]  # noqa: S311

    def text(index: int, n: int) -> Request:
        sid, body, headers = texts.make(index, n, rngs[index])
        return "POST", texts.path, body, headers, 200, sid

    def healthz(index: int, n: int) -> Request:
        return "GET", "/healthz", None, {}, 200, ""

    def trivial(index: int, n: int) -> Request:
        # intake_load.py's floor: middleware, routing and a 401, no database.
        return "GET", "/api/contacts/", None, {}, 401, ""

    server = start(env)
    try:
        hammer(args.clients, 2, text, acked)  # warm-up: stored and checked, not timed
        load_before = os.getloadavg()
        sms = hammer(args.clients, args.seconds, text, acked)
        floor = hammer(args.clients, args.seconds, healthz, set())
        bare = hammer(args.clients, args.seconds, trivial, set())
        load_after = os.getloadavg()
    finally:
        kill(server)
    db = stored(env)
    messages = db["messages"]
    assert isinstance(messages, dict)
    lost = [sid for sid in acked if sid not in messages]
    twice = [sid for sid, count in messages.items() if count > 1]
    unanswered = [sid for sid in messages if sid not in acked]
    return {
        "sms": sms,
        "floor_healthz": floor,
        "throughput_ratio_to_floor": round(sms["per_second"] / max(floor["per_second"], 0.1), 3),
        "p99_ratio_to_floor": round(sms["p99_ms"] / max(floor["p99_ms"], 0.01), 2),
        "floor_401": bare,
        "answered_200": len(acked),
        "stored": sum(messages.values()),
        "audited": db["audited"],
        "contacts": db["contacts"],
        "lost": len(lost),
        "duplicated": len(twice),
        "stored_unanswered": len(unanswered),
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
    }


def crash(args: argparse.Namespace, env: dict[str, str], texts: Texts) -> dict[str, object]:
    acked: set[str] = set()
    given_up = [0]
    tries = [0]
    lock = threading.Lock()
    done = threading.Event()

    def client(index: int) -> None:
        rng = random.Random(f"{texts.run}-{index}")  # noqa: S311 - test data and back-off
        n = 0
        while not done.is_set():
            n += 1
            sid, body, headers = texts.make(index, n, rng)
            for _ in range(args.max_attempts):
                with lock:
                    tries[0] += 1
                try:
                    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
                    conn.request("POST", texts.path, body, headers)
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                except OSError:
                    time.sleep(0.05 + rng.random() * 0.1)
                    continue
                if response.status == 200:
                    with lock:
                        acked.add(sid)
                    break
                time.sleep(0.1 + rng.random() * 0.2)  # any other answer: try again
            else:
                with lock:
                    given_up[0] += 1

    load_before = os.getloadavg()
    server = start(env)
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
    load_after = os.getloadavg()
    db = stored(env)
    messages = db["messages"]
    assert isinstance(messages, dict)
    lost = [sid for sid in acked if sid not in messages]
    twice = [sid for sid, count in messages.items() if count > 1]
    return {
        "kills": args.kills,
        "answered_200": len(acked),
        "requests_sent": tries[0],
        "stored": sum(messages.values()),
        "audited": db["audited"],
        "contacts": db["contacts"],
        "lost": len(lost),
        "duplicated": len(twice),
        "gave_up": given_up[0],
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
    }


def commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - the checkout's own git
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "hotline"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["load", "crash"], default="load")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--max-attempts", type=int, default=400)
    args = parser.parse_args()
    env = environment(args.database, name="hotline_bench_sms")
    # What the provider was given and signs: the server's own address here.
    env["SITE_URL"] = f"http://{HOST}:{PORT}"
    migrate(env)
    token = secrets.token_hex(16)
    texts = Texts(add_channel(env, token), token)
    figures = (load if args.mode == "load" else crash)(args, env, texts)
    print(
        json.dumps(
            {
                "bench": f"sms_inbound_{args.mode}",
                "database": args.database,
                "clients": args.clients,
                "seconds": args.seconds,
                **figures,
                "senders": POOL,
                "commit": commit(),
                "machine": machine(),
            }
        )
    )
    if figures["lost"] or figures["duplicated"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
