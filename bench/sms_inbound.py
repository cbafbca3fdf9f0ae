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
200 must be in the database once, and nothing else. Each phase gives the server's CPU time per
answer (gunicorn's processes, not the database's) and the load average at its start and end.
With --against CHECKOUT, the same load also goes to a server of that checkout (its own fresh
database, the next port), in turns of S/--turns seconds, this one and that one alternately, so
that both meet the same machine (shared, busy) and their ratio means something.

--mode crash: the same texts while the server (gunicorn master and workers) is killed with
SIGKILL K times, ~2 s apart, and restarted. Each client retries a text (same MessageSid, same
idempotency token, same signature: as Twilio retries) until it is answered 200. Afterwards every
MessageSid answered 200 must be stored exactly once (channels_message by provider_id).

--mode profile: no server; in one process through Django's test client, what one text costs:
statements, Python function calls, CPU time; for texts joining a conversation and texts
starting a contact.

    DEBUG=1 .venv/bin/python bench/sms_inbound.py --mode load --database sqlite
    DEBUG=1 .venv/bin/python bench/sms_inbound.py --database postgres --against ../old-checkout
    DEBUG=1 .venv/bin/python bench/sms_inbound.py --mode crash --database postgres --kills 20
    DEBUG=1 .venv/bin/python bench/sms_inbound.py --mode profile --database sqlite

Prints one JSON line; exits 1 when a message answered 200 is missing or stored twice.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_server import HOST, PORT, PY, ROOT, environment, kill, machine, manage, migrate, start

NUMBER = "+12025550100"  # the channel's, fictional
ACCOUNT = "AC" + "0" * 32
POOL = 2000  # senders: +15550000000 .. +15550001999
BODIES = ["hi", "I need help", "can someone call me back", "they took my passport", "thanks"]
# method, path, body, headers, the status expected, the text's MessageSid ("" for none)
Request = tuple[str, str, bytes | None, dict[str, str], int, str]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def add_channel(env: dict[str, str], token: str, root: Path = ROOT) -> str:
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
    return manage(env, "shell", "-c", code, root=root).strip().splitlines()[-1]


class Texts:
    """Incoming texts as Twilio would post them to the channel's inbound webhook."""

    def __init__(self, path: str, token: str, port: int = PORT) -> None:
        self.path = path
        self.url = f"http://{HOST}:{port}{self.path}"
        self.token = token
        self.validator = RequestValidator(token)
        self.run = secrets.token_hex(4)
        self.sids = itertools.count(1)

    def make(self, rng: random.Random, senders: int = POOL) -> tuple[str, bytes, dict[str, str]]:
        """A text from one of `senders` numbers, with a MessageSid never made before in this
        run: its MessageSid, its body as sent, its headers."""
        sid = f"SM{self.run}{next(self.sids):024x}"
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
            "From": f"+1555{rng.randrange(senders):07d}",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": str(self.validator.compute_signature(self.url, params)),
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        return sid, urlencode(params).encode(), headers


class Site:
    """One server under test: a checkout, its fresh database with one SMS channel, its
    gunicorn on its own port, the texts it answered."""

    def __init__(self, root: Path, database: str, port: int, name: str) -> None:
        self.root, self.port = root, port
        self.env = environment(database, name=name)
        # What the provider was given and signs: the server's own address here.
        self.env["SITE_URL"] = f"http://{HOST}:{port}"
        migrate(self.env, root=root)
        token = secrets.token_hex(16)
        self.texts = Texts(add_channel(self.env, token, root), token, port)
        self.answered: set[str] = set()
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        self.server = start(self.env, root=self.root, port=self.port)
        return self.server.pid

    def stop(self) -> None:
        if self.server is not None:
            kill(self.server)
            self.server = None

    def stored(self) -> dict[str, Any]:
        """Inbound messages per provider id, the audit events of messages taken and the
        contacts, read straight from the database."""
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
        out = manage(self.env, "shell", "-c", code, root=self.root)
        return dict(json.loads(out.strip().splitlines()[-1]))

    def checked(self) -> dict[str, int]:
        """Every text answered 200 stored once, and nothing else stored."""
        db = self.stored()
        messages: dict[str, int] = db["messages"]
        return {
            "answered_200": len(self.answered),
            "stored": sum(messages.values()),
            "audited": db["audited"],
            "contacts": db["contacts"],
            "lost": sum(1 for sid in self.answered if sid not in messages),
            "duplicated": sum(1 for count in messages.values() if count > 1),
            "stored_unanswered": sum(1 for sid in messages if sid not in self.answered),
        }


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the process `pid` and its children alive now (gunicorn's
    master and workers): Linux's /proc; 0 elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        pending += [int(child) for child in children]
    return total


class Turns:
    """What one kind of request met on one server, over one or several turns."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.seconds = self.cpu = 0.0
        self.loads: list[float] = []

    def figures(self) -> dict[str, Any]:
        answered = len(self.latencies)
        return {
            "requests": answered,
            "errors": self.errors,
            "per_second": round(answered / max(self.seconds, 0.001), 1),
            "p50_ms": round(statistics.median(self.latencies) * 1000, 2) if answered else 0,
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 2),
            "server_cpu_ms": round(self.cpu * 1000 / max(answered, 1), 2),
            "load": [round(min(self.loads), 2), round(max(self.loads), 2)],
        }


def hammer(
    site: Site,
    clients: int,
    seconds: float,
    request: Callable[[int], Request],
    into: Turns,
) -> None:
    """`clients` threads sending `request(client)` to the site one after another for
    `seconds`: the latencies of the expected answers, the server's CPU time and the load average
    (1 min) at the start and the end go `into` the turns. The MessageSid of each text answered
    as expected goes into the site's `answered`."""
    assert site.server is not None
    into.loads.append(os.getloadavg()[0])
    cpu_at_start = server_cpu(site.server.pid)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, site.port, timeout=30)
        while time.monotonic() < stop:
            method, path, body, headers, expected, sid = request(index)
            started = time.perf_counter()
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            if response.status == expected:
                latencies[index].append(time.perf_counter() - started)
                if sid:
                    with lock:
                        site.answered.add(sid)
            else:
                errors[index] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    into.seconds += time.monotonic() - began
    into.cpu += server_cpu(site.server.pid) - cpu_at_start
    into.latencies += [x for per in latencies for x in per]
    into.errors += sum(errors)
    into.loads.append(os.getloadavg()[0])


def load(args: argparse.Namespace, sites: list[Site]) -> dict[str, Any]:
    """Texts, then /healthz, then the trivial floor, on each site; with two sites in turns."""

    def texting(site: Site) -> Callable[[int], Request]:
        rngs = [random.Random(f"{site.texts.run}-{i}") for i in range(args.clients)]  # noqa: S311

        def text(index: int) -> Request:
            sid, body, headers = site.texts.make(rngs[index])
            return "POST", site.texts.path, body, headers, 200, sid

        return text

    def healthz(index: int) -> Request:
        return "GET", "/healthz", None, {}, 200, ""

    def trivial(index: int) -> Request:
        # intake_load.py's floor: middleware, routing and a 401, no database.
        return "GET", "/api/contacts/", None, {}, 401, ""

    kinds = ["sms", "floor_healthz", "floor_401"]
    turns = {id(site): {kind: Turns() for kind in kinds} for site in sites}
    texts = {id(site): texting(site) for site in sites}
    count = args.turns if len(sites) > 1 else 1
    try:
        for site in sites:
            site.start()
            hammer(site, args.clients, 2, texts[id(site)], Turns())  # warm-up: checked, not timed
        for kind in kinds:
            for turn in range(count):
                for site in sites if turn % 2 == 0 else sites[::-1]:
                    request = {"sms": texts[id(site)], "floor_healthz": healthz}.get(kind, trivial)
                    hammer(site, args.clients, args.seconds / count, request, turns[id(site)][kind])
    finally:
        for site in sites:
            site.stop()
    results: list[dict[str, Any]] = []
    for site in sites:
        figures: dict[str, Any] = {kind: turns[id(site)][kind].figures() for kind in kinds}
        sms, floor = figures["sms"], figures["floor_healthz"]
        figures["throughput_ratio_to_floor"] = round(
            sms["per_second"] / max(floor["per_second"], 0.1), 3
        )
        figures["p99_ratio_to_floor"] = round(sms["p99_ms"] / max(floor["p99_ms"], 0.01), 2)
        results.append({**figures, **site.checked()})
    if len(sites) == 1:
        return results[0]
    this, other = results
    return {
        **this,
        "against": {"checkout": str(sites[1].root), "commit": commit(sites[1].root), **other},
        "turns": count,
        "ratio_to_against": {
            "per_second": round(
                this["sms"]["per_second"] / max(other["sms"]["per_second"], 0.1), 2
            ),
            "p99": round(this["sms"]["p99_ms"] / max(other["sms"]["p99_ms"], 0.01), 2),
            "server_cpu": round(
                this["sms"]["server_cpu_ms"] / max(other["sms"]["server_cpu_ms"], 0.01), 2
            ),
        },
        "lost": this["lost"] + other["lost"],
        "duplicated": this["duplicated"] + other["duplicated"],
    }


def crash(args: argparse.Namespace, site: Site) -> dict[str, Any]:
    texts, acked = site.texts, site.answered
    given_up = [0]
    tries = [0]
    lock = threading.Lock()
    done = threading.Event()

    def client(index: int) -> None:
        rng = random.Random(f"{texts.run}-{index}")  # noqa: S311 - test data and back-off
        while not done.is_set():
            sid, body, headers = texts.make(rng)
            for _ in range(args.max_attempts):
                with lock:
                    tries[0] += 1
                try:
                    conn = http.client.HTTPConnection(HOST, site.port, timeout=10)
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
    site.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(args.kills):
            time.sleep(args.interval)
            site.stop()
            site.start()
        time.sleep(args.interval)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=600)
        site.stop()
    load_after = os.getloadavg()
    return {
        **site.checked(),
        "requests_sent": tries[0],
        "gave_up": given_up[0],
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
    }


def profile(args: argparse.Namespace, site: Site) -> dict[str, Any]:
    """The webhook in one process, through Django's test client (no HTTP server): per text, the
    statements run (without BEGIN, COMMIT and savepoints) and the Python function calls
    (counted by cProfile, the same from run to run), and the CPU time (the fastest batch of
    100, unprofiled), for texts that join a conversation and texts that start a contact."""
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); import sms_inbound; "
        f"print(json.dumps(sms_inbound.profile_here({site.texts.path!r}, {site.texts.token!r}, "
        f"{args.texts})))"
    )
    env = {**site.env, "DJANGO_SETTINGS_MODULE": "hotline.settings"}
    out = subprocess.run(  # noqa: S603 - this checkout's own Python
        [PY, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "lost": 0, "duplicated": 0}


def profile_here(path: str, token: str, count: int) -> dict[str, object]:
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    texts = Texts(path, token)
    client = Client(HTTP_HOST=HOST)
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")

    def post(rng: random.Random, senders: int) -> None:
        _sid, body, headers = texts.make(rng, senders=senders)
        del headers["Content-Type"]
        answer = client.post(path, body, "application/x-www-form-urlencoded", headers=headers)
        assert answer.status_code == 200, answer.status_code

    figures: dict[str, object] = {}
    for kind, senders in [("joining", 20), ("starting_a_contact", 10**7)]:
        rng = random.Random(kind)  # noqa: S311 - test data
        for _ in range(200 if senders < 10**3 else 20):
            post(rng, senders)  # joining: each of the numbers has its conversation by now
        with CaptureQueriesContext(connection) as queries:
            post(rng, senders)
        statements = [q for q in queries.captured_queries if not q["sql"].startswith(control)]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            post(rng, senders)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        batches = []
        for _ in range(max(count // 100, 1)):
            started = time.process_time()
            for _ in range(100):
                post(rng, senders)
            batches.append(time.process_time() - started)
        figures[kind] = {
            "statements": len(statements),
            "function_calls": round(calls / count),
            "cpu_ms": round(min(batches) * 10, 2),
        }
    return figures


def commit(root: Path = ROOT) -> str:
    """The checkout's commit, "+changes" when its hotline/ differs from it; "" outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - the checkout's own git
            ["git", *args],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no", "hotline")
    return head + ("+changes" if head and changed else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["load", "crash", "profile"], default="load")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--against", type=Path, help="another checkout, loaded in turns (load)")
    parser.add_argument("--turns", type=int, default=6, help="turns of each site (--against)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--max-attempts", type=int, default=400)
    parser.add_argument("--texts", type=int, default=1000, help="texts of each kind (profile)")
    args = parser.parse_args()
    # Stopped from outside: the servers are stopped too (the `finally`s run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sites = [Site(ROOT, args.database, PORT, "hotline_bench_sms")]
    if args.mode == "load" and args.against:
        sites.append(Site(args.against.resolve(), args.database, PORT + 1, "hotline_bench_sms_b"))
    if args.mode == "load":
        figures = load(args, sites)
        setting: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds}
    elif args.mode == "crash":
        figures = crash(args, sites[0])
        setting = {"clients": args.clients, "kills": args.kills}
    else:
        figures = profile(args, sites[0])
        setting = {"texts": args.texts}
    print(
        json.dumps(
            {
                "bench": f"sms_inbound_{args.mode}",
                "database": args.database,
                **setting,
                "senders": POOL,
                **figures,
                "commit": commit(),
                "machine": machine(),
            }
        )
    )
    if figures["lost"] or figures["duplicated"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
