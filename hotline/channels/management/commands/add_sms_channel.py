from hotline.channels.management.adding import AddChannelCommand
from hotline.channels.models import Kind


class Command(AddChannelCommand):
    help = (
        "Add an SMS channel (a number people text) and print the two webhook addresses to give "
        "the provider. The auth token stays in the file or environment variable named."
    )
    kind = Kind.SMS
