from typing import Any

from django.db import transaction

from hotline.audit.actions import record
from hotline.site.models import PublicSettings


@transaction.atomic
def update_public_settings(form: Any, *, actor: Any) -> PublicSettings:
    settings: PublicSettings = form.save()
    record(
        "site.public_settings_update",
        actor=actor,
        obj=settings,
        detail={"fields": ",".join(sorted(form.changed_data))},
    )
    return settings
