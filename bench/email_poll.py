"""Email poll: a mailbox of 2,000 messages (a throwaway Dovecot, as in the tests) read into the
queue by the worker's poll, then a second poll that must take nothing. Prints one JSON line.

    DEBUG=1 .venv/bin/python bench/email_poll.py [--messages 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench DEBUG=1 \
        .venv/bin/python bench/email_poll.py

The target (issue 15): 2,000 messages in at most 60 s on SQLite. Needs Dovecot
(apt-get install dovecot-imapd); it says so and exits 0 without it.
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.channels.tests.mailserver import Dovecot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["AUDIT_CHECKPOINT_DIR"] = tempfile.mkdtemp(prefix="hotline-bench-audit-")
os.environ["EMAIL_ATTACHMENT_DIR"] = tempfile.mkdtemp(prefix="hotline-bench-mail-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from hotline.channels.tests.mailserver import Dovecot, available

    if not available():
        print(json.dumps({"bench": "email_poll", "skipped": "Dovecot is not installed"}))
        return

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(old_name).with_name("bench.sqlite3"))
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-dovecot-"))
    server = Dovecot(root)
    try:
        server.start()
        figures = run(server, args.messages)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(
        json.dumps(
            {
                "bench": "email_poll",
                "database": connection.vendor,
                **figures,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


def run(server: "Dovecot", count: int) -> dict[str, object]:
    from imap_tools import MailBoxUnencrypted

    from hotline.channels import mail_inbound
    from hotline.channels.actions import add_channel
    from hotline.channels.models import Message
    from hotline.channels.tests import mails

    box = server.add_mailbox()
    os.environ["HOTLINE_BENCH_IMAP_PASSWORD"] = box.password

    channel = add_channel(
        kind="email",
        provider="mailbox",
        name="Bench mail",
        address=mails.HOTLINE,
        mail_host=box.host,
        mail_port=box.port,
        mail_security="none",
        mail_user=box.user,
        secret_env="HOTLINE_BENCH_IMAP_PASSWORD",
        urgency="non_urgent",
    )
    started = time.perf_counter()
    with MailBoxUnencrypted(box.host, box.port).login(box.user, box.password) as imap:
        for i in range(count):
            # Every tenth a reply to the one before, so that threading is part of the work.
            extra = f"In-Reply-To: <bench-{i - 1}@example.net>" if i % 10 == 9 else ""
            imap.append(
                mails.text_mail(
                    f"Message {i}: fictional text of a few words, and a little more.",
                    message_id=f"<bench-{i}@example.net>",
                    sender=f"person{i % 500}@example.net",
                    extra=extra,
                ),
                "INBOX",
            )
    append_seconds = time.perf_counter() - started

    started = time.perf_counter()
    polls = 0
    while True:
        channel.refresh_from_db()
        taken = mail_inbound.poll(channel)
        polls += 1
        if taken < mail_inbound.POLL_BATCH:
            break
    poll_seconds = time.perf_counter() - started
    stored = Message.objects.filter(direction="in").count()
    assert stored == count, (stored, count)

    channel.refresh_from_db()
    started = time.perf_counter()
    again = mail_inbound.poll(channel)
    second_seconds = time.perf_counter() - started
    assert again == 0 and Message.objects.filter(direction="in").count() == count
    return {
        "messages": count,
        "append_seconds": round(append_seconds, 2),
        "poll_seconds": round(poll_seconds, 2),
        "polls": polls,
        "messages_per_second": round(count / poll_seconds, 1),
        "second_poll_taken": again,
        "second_poll_seconds": round(second_seconds, 3),
    }


if __name__ == "__main__":
    main()
