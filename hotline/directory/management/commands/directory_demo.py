import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from hotline.directory import index
from hotline.directory.demo import generate, ns_id, tables
from hotline.directory.hsds import TABLE
from hotline.directory.importer import json_source, run_import
from hotline.directory.models import Organization

ORGANIZATIONS, SERVICES, LOCATIONS = 3000, 4500, 5400


class Command(BaseCommand):
    help = (
        "Load the demo directory: the national lines the seeds name and about 3,000 fictional "
        "organizations over every state and DC. Idempotent; does nothing when already loaded."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.filter(pk=ns_id("org", ORGANIZATIONS - 1)).exists():
            self.stdout.write("Demo directory already loaded.")
            return
        data = tables(generate(ORGANIZATIONS, SERVICES, LOCATIONS))
        with transaction.atomic():
            result = run_import(
                json_source({TABLE[name].file: rows for name, rows in data.items()}, "demo"),
                updated_by="directory_demo",
                refresh_index=False,
            )
            # Most listings were verified in the last year; some are due again.
            rng, now = random.Random(5), timezone.now()  # noqa: S311
            organizations = list(
                Organization.objects.filter(pk__in=[r["id"] for r in data["organization"]])
            )
            for organization in sorted(organizations, key=lambda o: str(o.pk)):
                days = rng.randint(0, 330) if rng.random() < 0.85 else rng.randint(380, 900)
                organization.last_verified_at = now - dt.timedelta(days=days)
            Organization.objects.bulk_update(organizations, ["last_verified_at"], batch_size=500)
            index.rebuild_all()
        summary = result.summary()
        self.stdout.write(
            f"Demo directory: {len(data['organization'])} organizations, "
            f"{len(data['service'])} services, {summary['created']} rows created."
        )
