from typing import Any

from django.core.management.base import CommandParser

from hotline.channels.management.adding import AddChannelCommand
from hotline.channels.models import Kind, Provider


class Command(AddChannelCommand):
    help = (
        "Add a phone line (a number people call) and print the webhook addresses to give the "
        "provider. With --forward-to, each call is put through to the call center's number; "
        "with --provider=api, another phone system posts its calls to /api/calls/ instead "
        "(no Twilio account then). The auth token stays in the file or environment variable "
        "named."
    )
    kind = Kind.VOICE
    providers = [Provider.TWILIO, Provider.API]
    account_required = False

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--forward-to", default="", help="The call center's number that takes the calls."
        )

    def default_name(self, number: str) -> str:
        return f"Calls to {number}"

    def more_fields(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"forward_to": options["forward_to"]}
