from django.db import migrations


def create_policy(apps, schema_editor):
    ReportingPolicy = apps.get_model("cases", "ReportingPolicy")
    ReportingPolicy.objects.get_or_create(
        pk=1, defaults={"recipient_kinds": ["law_enforcement", "task_force", "government"]}
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases_victims_consents_reports_policy")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
