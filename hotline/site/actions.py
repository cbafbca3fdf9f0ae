from django import forms
from django.db import transaction

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.site.models import PublicSettings


@transaction.atomic
def update_public_settings(form: forms.ModelForm[PublicSettings], *, actor: User) -> PublicSettings:
    settings: PublicSettings = form.save()
    record(
        "site.public_settings_update",
        actor=actor,
        obj=settings,
        detail={"fields": ",".join(sorted(form.changed_data))},
    )
    return settings
