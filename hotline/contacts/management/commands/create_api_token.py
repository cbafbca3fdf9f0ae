from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts.api import new_token
from hotline.contacts.models import ApiToken, Scope, token_hash


class Command(BaseCommand):
    help = "Create an API token for a staff or integration account; prints it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="integration")
        parser.add_argument(
            "--scope",
            action="append",
            choices=[s.value for s in Scope],
            help="Repeat for several; default: all.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError("No active account with that user name.")
        token = new_token()
        created = ApiToken.objects.create(
            user=user,
            name=options["name"],
            prefix=token[:12],
            hash=token_hash(token),
            scopes=options["scope"] or [s.value for s in Scope],
        )
        record("api_token.create", obj=created, detail={"user": user.pk})
        self.stdout.write(token)
