"""PostgreSQL: the search table holds no document of a resource that no longer exists, so that
searches can read it without joining library_resource for every match (hotline/library/search.py).

A foreign key would do it, but a test database flush truncates library_resource alone, which a
foreign key forbids; triggers follow both a DELETE and a TRUNCATE instead. Documents left over
by earlier flushes are removed here. SQLite needs nothing: its searches join the resources."""

from django.db import migrations

FORWARD = [
    "DELETE FROM library_search_document d "
    "WHERE NOT EXISTS (SELECT 1 FROM library_resource r WHERE r.id = d.resource_id)",
    "CREATE FUNCTION library_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM library_search_document WHERE resource_id IN (SELECT id FROM gone); "
    "RETURN NULL; END $$",
    "CREATE TRIGGER library_search_forget AFTER DELETE ON library_resource "
    "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION library_search_forget()",
    "CREATE FUNCTION library_search_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN TRUNCATE library_search_document; RETURN NULL; END $$",
    "CREATE TRIGGER library_search_forget_all AFTER TRUNCATE ON library_resource "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_search_forget_all()",
]
BACKWARD = [
    "DROP TRIGGER library_search_forget_all ON library_resource",
    "DROP FUNCTION library_search_forget_all()",
    "DROP TRIGGER library_search_forget ON library_resource",
    "DROP FUNCTION library_search_forget()",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("library", "0003_search_title_vector")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
