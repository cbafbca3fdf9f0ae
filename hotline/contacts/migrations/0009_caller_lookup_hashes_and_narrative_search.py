"""Keyed hashes of the caller's phone and email beside the fields (hotline/lib/lookup.py),
filled for the contacts already stored; and the full-text index of narratives
(hotline/lib/fulltext.py: an FTS5 table on SQLite, a tsvector table on PostgreSQL), filled too."""

from django.db import migrations, models

from hotline.lib import lookup
from hotline.lib.fulltext import TextIndex

NARRATIVES = TextIndex("contacts_narrative")
BATCH = 1000


def fill_hashes(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    rows = Contact.objects.exclude(caller_phone="", caller_email="").only(
        "pk", "caller_phone", "caller_email"
    )
    changed = []
    for contact in rows.iterator(chunk_size=BATCH):
        contact.caller_phone_hash = lookup.phone_hash(contact.caller_phone)
        contact.caller_email_hash = lookup.email_hash(contact.caller_email)
        changed.append(contact)
        if len(changed) >= BATCH:
            Contact.objects.bulk_update(changed, ["caller_phone_hash", "caller_email_hash"])
            changed = []
    Contact.objects.bulk_update(changed, ["caller_phone_hash", "caller_email_hash"])


def create_index(apps, schema_editor):
    for sql in NARRATIVES.create_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)
    Contact = apps.get_model("contacts", "Contact")
    rows = Contact.objects.exclude(narrative="").values_list("pk", "narrative").order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            NARRATIVES.index(batch)
            batch = []
    NARRATIVES.index(batch)


def drop_index(apps, schema_editor):
    for sql in NARRATIVES.drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0008_open_contact_indexes")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="caller_phone_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="contact",
            name="caller_email_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
