"""Production mode is whatever runs without DEBUG=1: it must refuse weak settings and pass
Django's deployment checks."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

SCRIPT_HEADERS = (
    "import django; django.setup()\n"
    "from django.test import Client\n"
    "r = Client().get('/healthz', secure=True, headers={'host': 'hotline.example.org'})\n"
    "print(r.status_code)\n"
    "for name in ['Strict-Transport-Security', 'X-Frame-Options', 'Referrer-Policy', "
    "'Content-Security-Policy', 'X-Content-Type-Options']:\n"
    "    print(name + ': ' + r.get(name, 'MISSING'))\n"
)


def run(args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "AUDIT_KEY",
            "LOOKUP_HASH_KEY",
        }
    }
    clean.update(
        DEBUG="0", HOTLINE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hotline.settings", **env
    )
    return subprocess.run(
        [sys.executable, *args],
        env=clean,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "hotline.example.org",
        "AUDIT_KEY": secrets.token_urlsafe(32),
        "LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
    }


def test_manage_py_without_any_secret_is_a_development_install(tmp_path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE"}
    }
    env.update(HOTLINE_VAR_DIR=str(tmp_path))
    script = "from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


def test_the_web_server_never_assumes_development(tmp_path) -> None:
    result = run(["-c", "import hotline.wsgi"], tmp_path, ALLOWED_HOSTS="x.example.org")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    result = run(["manage.py", "check"], tmp_path, ALLOWED_HOSTS="hotline.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path) -> None:
    result = run(
        ["manage.py", "check"], tmp_path, SECRET_KEY="short", ALLOWED_HOSTS="x.example.org"
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_hosts(tmp_path) -> None:
    result = run(["manage.py", "check"], tmp_path, SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path) -> None:
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = run(
        ["manage.py", "check"],
        tmp_path,
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="x.example.org",
        AUDIT_KEY=secrets.token_urlsafe(32),
        LOOKUP_HASH_KEY=secrets.token_urlsafe(32),
    )
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_an_audit_key(tmp_path) -> None:
    env = {**production_env(), "AUDIT_KEY": "short"}
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0 and "AUDIT_KEY" in result.stderr


def test_the_audit_key_can_come_from_a_file(tmp_path) -> None:
    key_file = tmp_path / "audit-key"
    key_file.write_text(secrets.token_urlsafe(32))
    env = {k: v for k, v in production_env().items() if k != "AUDIT_KEY"}
    result = run(["manage.py", "check"], tmp_path, AUDIT_KEY_FILE=str(key_file), **env)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_lookup_hash_key(tmp_path) -> None:
    env = {k: v for k, v in production_env().items() if k != "LOOKUP_HASH_KEY"}
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0 and "LOOKUP_HASH_KEY" in result.stderr


def test_production_passes_check_deploy(tmp_path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_sends_hsts_and_the_other_security_headers(tmp_path) -> None:
    run(["manage.py", "migrate", "-v0"], tmp_path, **production_env())
    result = run(["-c", SCRIPT_HEADERS], tmp_path, **production_env())
    lines = result.stdout.splitlines()
    assert lines[0] == "200", result.stderr
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "unsafe" not in headers["Content-Security-Policy"]


def test_production_cookies_are_secure(tmp_path) -> None:
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)\n"
    )
    result = run(["-c", script], tmp_path, **production_env())
    assert result.stdout.split() == ["True", "True", "True", "False"], result.stderr
