"""The full-text index: an FTS5 table on SQLite, a tsvector table with a GIN index on
PostgreSQL (hotline/library/search.py queries them). The PostgreSQL table has no foreign key on
purpose: a test database flush truncates library_resource alone, and every query joins it."""

from django.db import migrations

CREATE = {
    "sqlite": [
        "CREATE VIRTUAL TABLE library_search_fts USING fts5("
        "title, summary, publisher, topics, extra, "
        "tokenize = 'porter unicode61 remove_diacritics 2')",
    ],
    "postgresql": [
        "CREATE TABLE library_search_document "
        "(resource_id bigint PRIMARY KEY, document tsvector NOT NULL)",
        "CREATE INDEX library_search_document_gin ON library_search_document USING gin (document)",
    ],
}
DROP = {
    "sqlite": ["DROP TABLE library_search_fts"],
    "postgresql": ["DROP TABLE library_search_document"],
}


def run(statements):
    def operation(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("library", "0001_resources_audiences_topics_collections")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
