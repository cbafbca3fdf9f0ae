from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.channels.actions import add_channel
from hotline.channels.management.adding import error_words
from hotline.channels.models import Kind, MailSecurity, Provider
from hotline.contacts.models import Urgency


class Command(BaseCommand):
    help = (
        "Add an email channel: the mailbox the worker reads over IMAP (replies go out through "
        "the outgoing mail settings, from the channel's address). The IMAP password stays in "
        "the file or environment variable named."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", required=True, help="The address people write to.")
        parser.add_argument("--host", required=True, help="The IMAP server's host name.")
        parser.add_argument("--port", type=int, default=None, help="Default: 993, or 143.")
        parser.add_argument("--security", choices=MailSecurity.values, default=MailSecurity.TLS)
        parser.add_argument("--user", required=True, help="The IMAP user name.")
        parser.add_argument("--folder", default="INBOX")
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password-file", help="A file that holds the IMAP password.")
        secret.add_argument("--password-env", help="An environment variable that holds it.")
        parser.add_argument(
            "--urgency",
            choices=Urgency.values,
            default=Urgency.NON_URGENT,
            help="What a new email contact starts as (the SLA policies then apply).",
        )
        parser.add_argument("--name", default="", help="What staff see (default: the address).")

    def handle(self, *args: Any, **options: Any) -> None:
        password_file = options["password_file"]
        try:
            channel = add_channel(
                kind=Kind.EMAIL,
                provider=Provider.MAILBOX,
                name=options["name"] or f"Email to {options['address']}",
                address=options["address"],
                mail_host=options["host"],
                mail_port=options["port"],
                mail_security=options["security"],
                mail_user=options["user"],
                mail_folder=options["folder"],
                # Absolute: the worker may run from another directory.
                secret_file=str(Path(password_file).resolve()) if password_file else "",
                secret_env=options["password_env"] or "",
                urgency=options["urgency"],
            )
        except ValidationError as error:
            raise CommandError(f"The channel was not added. {error_words(error)}") from None
        try:
            channel.secret()
        except ImproperlyConfigured as error:
            self.stderr.write(f"Warning: {error}")
        self.stdout.write(
            f"Added {channel.name}: the worker reads {channel.mail_user}@{channel.mail_host}:"
            f"{channel.mail_port} ({channel.mail_folder}) every poll."
        )
