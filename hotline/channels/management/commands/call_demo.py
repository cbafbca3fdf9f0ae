from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.channels import call_demo
from hotline.channels.management.adding import webhook_lines


class Command(BaseCommand):
    help = (
        "The demo's phone line. With --setup: create the phone line (a test auth token in "
        "var/). Without: call it, as Twilio would, through the running server's webhooks (make "
        "demo): one call left ringing from the demo's repeat caller (the screen pop at "
        "/console/calls/ shows their earlier contacts), one that nobody answers (the "
        "supervisor's abandoned calls)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--setup", action="store_true", help="Create the demo phone line.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["setup"]:
            made, created = call_demo.set_up()
            self.stdout.write(("Added " if created else "Kept ") + f"{made.name}.")
            for text in webhook_lines(made):
                self.stdout.write(text)
            return
        line = call_demo.channel()
        if line is None:
            raise CommandError("There is no demo phone line: run `manage.py call_demo --setup`.")
        try:
            done = call_demo.calls(line)
        except OSError as error:
            raise CommandError(
                f"The server at {line.webhook_url('inbound')} did not answer ({error}). "
                "Is `make demo` running?"
            ) from None
        for what, status, answer in done:
            if status != 200:
                raise CommandError(f"The webhook answered {status}: {answer[:200]}")
            self.stdout.write(f"Called: {what}.")
        self.stdout.write(
            "Open /console/calls/ for the call ringing and its caller's history, and the "
            "supervisor's view for the call nobody answered."
        )
