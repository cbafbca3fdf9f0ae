from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.channels.actions import add_channel
from hotline.channels.models import Channel, Kind, Provider


def webhook_lines(channel: Channel) -> list[str]:
    """What to paste into the provider's console for this channel."""
    return [
        f"Incoming messages (POST): {channel.webhook_url('inbound')}",
        f"Status callbacks (POST):  {channel.webhook_url('status')}",
    ]


def error_words(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Add an SMS channel (a number people text) and print the two webhook addresses to give "
        "the provider. The auth token stays in the file or environment variable named."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", choices=Provider.values, default=Provider.TWILIO)
        parser.add_argument("--number", required=True, help="As +15551234567, or a short code.")
        parser.add_argument("--account-sid", required=True, help="Twilio's Account SID (AC...).")
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--auth-token-file", help="A file that holds the auth token.")
        secret.add_argument("--auth-token-env", help="An environment variable that holds it.")
        parser.add_argument("--api-base", default="", help="A test server or compatible gateway.")
        parser.add_argument("--name", default="", help="What staff see (default: the number).")

    def handle(self, *args: Any, **options: Any) -> None:
        # Absolute: the server and the worker may run from another directory.
        token_file = options["auth_token_file"]
        try:
            channel = add_channel(
                kind=Kind.SMS,
                provider=options["provider"],
                name=options["name"] or f"Texts to {options['number']}",
                address=options["number"],
                account=options["account_sid"],
                secret_file=str(Path(token_file).resolve()) if token_file else "",
                secret_env=options["auth_token_env"] or "",
                api_base=options["api_base"],
            )
        except ValidationError as error:
            raise CommandError(f"The channel was not added. {error_words(error)}") from None
        try:
            channel.secret()
        except ImproperlyConfigured as error:
            # Said, not refused: the file or variable may be put in place before the first text.
            self.stderr.write(f"Warning: {error}")
        self.stdout.write(f"Added {channel.name} ({channel.address}).")
        for line in webhook_lines(channel):
            self.stdout.write(line)
