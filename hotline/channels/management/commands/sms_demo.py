import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.channels import demo
from hotline.channels.management.adding import webhook_lines


class Command(BaseCommand):
    help = (
        "The demo's text line. With --setup: create the SMS channel for 233733 (a test auth "
        "token in var/, talking to `manage.py sms_gateway`). Without: text it, as two "
        "fictional people would, through the running server's webhook (make demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--setup", action="store_true", help="Create the demo channel.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["setup"]:
            line_set_up, created = demo.set_up()
            self.stdout.write(("Added " if created else "Kept ") + f"{line_set_up.name}.")
            for line in webhook_lines(line_set_up):
                self.stdout.write(line)
            return
        channel = demo.channel()
        if channel is None:
            raise CommandError("There is no demo text line: run `manage.py sms_demo --setup`.")
        for sender, body in demo.TEXTS:
            try:
                status, answer = demo.post_text(channel, sender, body, "SM" + secrets.token_hex(16))
            except OSError as error:
                raise CommandError(
                    f"The server at {channel.webhook_url('inbound')} did not answer ({error}). "
                    "Is `make demo` running?"
                ) from None
            if status != 200:
                raise CommandError(f"The webhook answered {status}: {answer[:200]}")
            replied = " (it answered with the automatic reply)" if "<Message>" in answer else ""
            self.stdout.write(f"Texted from {sender[:-2]}..: {body[:40]!r}{replied}")
        self.stdout.write(
            "The texts are in the queue (/console/contacts/). Reply from a contact's page; "
            "`manage.py sms_gateway` shows the reply arriving and sends its delivery status back."
        )
