from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp import user_has_device

from hotline.accounts.actions import one_time_password
from hotline.accounts.models import Agency, Role, User
from hotline.audit.actions import record

DEMO_AGENCY = "Demo County Human Trafficking Task Force"


class Command(BaseCommand):
    help = "Create one demo account per role and print one-time passwords for those not set up."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        agency, _ = Agency.objects.get_or_create(name=DEMO_AGENCY)
        rows = []
        for role in Role:
            username = f"demo-{role.value.replace('_', '-')}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username, role=role, first_name="Demo", last_name=str(role.label)
                )
                user.agency = agency if role == Role.LIAISON else None
                user.save()
                record("staff.create", obj=user, detail={"role": role, "demo": True})
            if (
                user.must_change_password
                or not user.has_usable_password()
                or not user_has_device(user, confirmed=True)
            ):
                password = one_time_password()
                user.set_password(password)
                user.must_change_password = True
                user.save(update_fields=["password", "must_change_password"])
                record("staff.demo_password", obj=user)
            else:
                password = "(already set by its user)"
            rows.append((username, str(role.label), password))
        width = max(len(r[0]) for r in rows)
        self.stdout.write(
            "\nDemo accounts (one-time passwords; two-factor enrolment at first sign-in):"
        )
        for username, label, password in rows:
            self.stdout.write(f"  {username.ljust(width)}  {password}  {label}")
        self.stdout.write("")
