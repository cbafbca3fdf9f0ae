import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_while_a_migration_is_pending() -> None:
    client = Client()
    assert client.get("/healthz").status_code == 200
    call_command("migrate", "audit", "0001", verbosity=0)
    try:
        response = client.get("/healthz")
        assert response.status_code == 503 and b"migrations pending" in response.content
    finally:
        call_command("migrate", "audit", verbosity=0)
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path) -> None:
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, r.content.decode().strip())\n"
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.stdout.strip() == "503 database unreachable", result.stderr
