"""What `add_sms_channel` and `add_voice_channel` share: the provider account's arguments, the
channel added through `actions.add_channel` (refused in words, nothing left behind), and the
webhook addresses printed to paste into the provider's console."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.channels.actions import add_channel
from hotline.channels.models import Channel, Kind, Provider


def webhook_lines(channel: Channel) -> list[str]:
    """What to paste into the provider's console for this channel."""
    if channel.provider == Provider.API:
        return [
            "The phone system posts each call's news to /api/calls/ with the channel "
            f"{channel.public_id}."
        ]
    if channel.kind == Kind.VOICE:
        lines = [f"A call comes in (POST):   {channel.webhook_url('inbound')}"]
        if channel.forward_to:
            lines.append(
                f"Calls are put through to {channel.forward_to}; their news comes back to "
                f"{channel.webhook_url('status')} by itself (leave the number's call status "
                "changes empty)."
            )
        else:
            lines.append(f"Call status changes (POST): {channel.webhook_url('status')}")
        return lines
    return [
        f"Incoming messages (POST): {channel.webhook_url('inbound')}",
        f"Status callbacks (POST):  {channel.webhook_url('status')}",
    ]


def error_words(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
    return " ".join(error.messages)


class AddChannelCommand(BaseCommand):
    kind: str = Kind.SMS
    providers: list[str] = [Provider.TWILIO]
    account_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", choices=self.providers, default=Provider.TWILIO)
        parser.add_argument("--number", required=True, help="As +15551234567, or a short code.")
        parser.add_argument(
            "--account-sid",
            required=self.account_required,
            default="",
            help="Twilio's Account SID (AC...).",
        )
        secret = parser.add_mutually_exclusive_group(required=self.account_required)
        secret.add_argument("--auth-token-file", help="A file that holds the auth token.")
        secret.add_argument("--auth-token-env", help="An environment variable that holds it.")
        parser.add_argument("--api-base", default="", help="A test server or compatible gateway.")
        parser.add_argument("--name", default="", help="What staff see (default: the number).")

    def default_name(self, number: str) -> str:
        return f"Texts to {number}"

    def more_fields(self, options: dict[str, Any]) -> dict[str, Any]:
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        # Absolute: the server and the worker may run from another directory.
        token_file = options["auth_token_file"]
        try:
            channel = add_channel(
                kind=self.kind,
                provider=options["provider"],
                name=options["name"] or self.default_name(options["number"]),
                address=options["number"],
                account=options["account_sid"],
                secret_file=str(Path(token_file).resolve()) if token_file else "",
                secret_env=options["auth_token_env"] or "",
                api_base=options["api_base"],
                **self.more_fields(options),
            )
        except ValidationError as error:
            raise CommandError(f"The channel was not added. {error_words(error)}") from None
        if channel.provider != Provider.API:
            try:
                channel.secret()
            except ImproperlyConfigured as error:
                # Said, not refused: the file or variable may be put in place before the first
                # request.
                self.stderr.write(f"Warning: {error}")
        self.stdout.write(f"Added {channel.name} ({channel.address}).")
        for line in webhook_lines(channel):
            self.stdout.write(line)
