"""PostgreSQL: titles get a vector and a GIN index of their own, so that a query whose words
most resources hold can rank the title matches alone; and no GIN "pending list" (fastupdate):
the library is written rarely and read often, and a long pending list is scanned by every
query. SQLite needs nothing: FTS5 filters by column itself."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE library_search_document ADD COLUMN title tsvector NOT NULL DEFAULT ''",
    "UPDATE library_search_document SET title = ts_filter(document, '{a}')",
    "CREATE INDEX library_search_document_title_gin ON library_search_document "
    "USING gin (title) WITH (fastupdate = off)",
    "ALTER INDEX library_search_document_gin SET (fastupdate = off)",
]
BACKWARD = [
    "ALTER INDEX library_search_document_gin RESET (fastupdate)",
    "DROP INDEX library_search_document_title_gin",
    "ALTER TABLE library_search_document DROP COLUMN title",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("library", "0002_full_text_search_index")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
