"""Keyed hashes of a victim's phone and email beside the fields (hotline/lib/lookup.py), filled
for the victims already stored; and the full-text index of case summaries
(hotline/lib/fulltext.py: an FTS5 table on SQLite, a tsvector table on PostgreSQL), filled too."""

from django.db import migrations, models

from hotline.lib import lookup
from hotline.lib.fulltext import TextIndex

SUMMARIES = TextIndex("cases_summary")
BATCH = 1000


def fill_hashes(apps, schema_editor):
    Victim = apps.get_model("cases", "Victim")
    rows = Victim.objects.exclude(phone="", email="").only("pk", "phone", "email")
    changed = []
    for victim in rows.iterator(chunk_size=BATCH):
        victim.phone_hash = lookup.phone_hash(victim.phone)
        victim.email_hash = lookup.email_hash(victim.email)
        changed.append(victim)
        if len(changed) >= BATCH:
            Victim.objects.bulk_update(changed, ["phone_hash", "email_hash"])
            changed = []
    Victim.objects.bulk_update(changed, ["phone_hash", "email_hash"])


def create_index(apps, schema_editor):
    for sql in SUMMARIES.create_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)
    Case = apps.get_model("cases", "Case")
    rows = Case.objects.exclude(summary="").values_list("pk", "summary").order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            SUMMARIES.index(batch)
            batch = []
    SUMMARIES.index(batch)


def drop_index(apps, schema_editor):
    for sql in SUMMARIES.drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_list_index")]

    operations = [
        migrations.AddField(
            model_name="victim",
            name="phone_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="victim",
            name="email_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
