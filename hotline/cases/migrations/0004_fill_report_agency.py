from django.db import migrations


def fill_agency(apps, schema_editor):
    """Reports already sent get the agency their recipient is linked to today: who sees them now
    is who saw them before this migration."""
    AgencyLink = apps.get_model("cases", "AgencyLink")
    Report = apps.get_model("cases", "Report")
    for link in AgencyLink.objects.all():
        Report.objects.filter(
            status="sent", recipient_id=link.organization_id, agency__isnull=True
        ).update(agency_id=link.agency_id)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_report_agency")]

    operations = [migrations.RunPython(fill_agency, migrations.RunPython.noop)]
