import uuid
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from hotline.accounts.management.commands.demo_setup import DEMO_AGENCY
from hotline.accounts.models import Agency
from hotline.audit.actions import record
from hotline.cases.models import AgencyLink, ReportingPolicy
from hotline.directory import profile
from hotline.directory.models import Attribute, Organization, Taxonomy, TaxonomyTerm

TASK_FORCE_ID = uuid.uuid5(profile.NAMESPACE, "demo:cases:task-force")


class Command(BaseCommand):
    help = (
        "Link the demo liaison's agency to a directory organization (a fictional county task "
        "force) so that reports to it reach the portal. Idempotent."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        ReportingPolicy.objects.get_or_create(
            pk=1, defaults={"recipient_kinds": list(ReportingPolicy.current().recipient_kinds)}
        )
        agency, _ = Agency.objects.get_or_create(name=DEMO_AGENCY)
        organization, created = Organization.objects.get_or_create(
            pk=TASK_FORCE_ID,
            defaults={
                "name": DEMO_AGENCY,
                "description": "A fictional multi-agency task force for the demo.",
            },
        )
        term = profile.TERM_BY_CODE["org_kind:task_force"]
        _ensure_profile_taxonomy()
        row = profile.attribute_row(organization.pk, term)
        Attribute.objects.get_or_create(
            pk=row["id"],
            defaults={
                "link_id": organization.pk,
                "taxonomy_term_id": term.id,
                "link_type": row["link_type"],
                "link_entity": row["link_entity"],
            },
        )
        link, linked = AgencyLink.objects.get_or_create(
            agency=agency, defaults={"organization": organization}
        )
        if linked:
            record(
                "cases.agency_link",
                obj=link,
                detail={"agency": agency.pk, "organization": str(organization.pk)},
            )
        self.stdout.write(
            f"Demo cases: agency {agency.name!r} receives reports sent to the directory "
            f"organization {organization.name!r}{' (created)' if created else ''}."
        )


def _ensure_profile_taxonomy() -> None:
    """The directory's own taxonomy, in case the directory demo has not been loaded yet."""
    rows = profile.taxonomy_rows()
    for row in rows["taxonomy"]:
        Taxonomy.objects.get_or_create(
            pk=row["id"], defaults={k: v for k, v in row.items() if k != "id"}
        )
    for row in rows["taxonomy_term"]:
        fields = {k: v for k, v in row.items() if k not in {"id", "taxonomy_id"}}
        fields["taxonomy_detail_id"] = row["taxonomy_id"]
        TaxonomyTerm.objects.get_or_create(pk=row["id"], defaults=fields)
