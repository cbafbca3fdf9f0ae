"""Shared by the intake and webhook benchmarks: a fresh database, an API token, gunicorn on
loopback."""
# ruff: noqa: S603, S607 - a benchmark starting this project's own commands

import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8031"))


def environment(database: str, name: str = "hotline_bench_intake") -> dict[str, str]:
    """Production settings for a fresh database: SQLite in a new directory, or the PostgreSQL
    database `name` (BENCH_DATABASE_URL overrides it)."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        AUDIT_KEY=secrets.token_urlsafe(32),
        LOOKUP_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if database == "postgres":
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}"
        )
    else:
        env.pop("DATABASE_URL", None)
        env["HOTLINE_VAR_DIR"] = tempfile.mkdtemp(prefix="hotline-bench-")
    return env


def manage(env: dict[str, str], *args: str, root: Path = ROOT) -> str:
    """Run a management command of this checkout (or of the one at `root`); its output."""
    done = subprocess.run(
        [PY, "manage.py", *args], env=env, cwd=root, check=True, capture_output=True, text=True
    )
    return done.stdout


def migrate(env: dict[str, str], root: Path = ROOT) -> None:
    """A fresh database (PostgreSQL's dropped and created again), migrated."""
    if "DATABASE_URL" in env:
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        for sql in [f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"']:
            subprocess.run(
                ["psql", "-h", HOST, "-U", "postgres", "-c", sql],
                check=True,
                capture_output=True,
            )
    manage(env, "migrate", "--no-input", "-v0", root=root)
    manage(env, "createcachetable", root=root)


def prepare(env: dict[str, str]) -> str:
    """Migrate a fresh database and return an API token of a specialist."""
    migrate(env)
    manage(
        env,
        "shell",
        "-c",
        "from hotline.accounts.models import User, Role; "
        "User.objects.get_or_create(username='bench', defaults={'role': Role.SPECIALIST})",
    )
    return manage(env, "create_api_token", "bench").strip()


def start(
    env: dict[str, str], workers: int = 2, root: Path = ROOT, port: int = PORT
) -> subprocess.Popen[bytes]:
    """gunicorn serving this checkout (or the one at `root`) on `port`, once it answers."""
    server = subprocess.Popen(
        [
            str(root / ".venv" / "bin" / "gunicorn"),
            "hotline.wsgi",
            "-w",
            str(workers),
            "-b",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=root,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/contacts/")
            if conn.getresponse().status == 401:
                return server
        except OSError:
            time.sleep(0.1)
    kill(server)
    raise RuntimeError("gunicorn did not start")


def kill(server: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, sig)
    server.wait(timeout=30)


def count_contacts(env: dict[str, str], marker: str) -> dict[str, int]:
    """Contacts per narrative (each request's own marker), read straight from the database."""
    code = (
        "import json; from django.db.models import Count; "
        "from hotline.contacts.models import Contact; "
        f"rows = Contact.objects.filter(narrative__startswith={marker!r})"
        ".values('narrative').annotate(n=Count('pk')); "
        "print(json.dumps({r['narrative']: r['n'] for r in rows}))"
    )
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def machine() -> str:
    return f"{os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}"
