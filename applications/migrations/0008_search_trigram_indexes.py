"""Trigram indexes for the case queue's text search (casework.selectors.case_text_q), PostgreSQL only.

The search is Django's ``icontains``: ``UPPER(column::text) LIKE UPPER('%term%')``, which no B-tree can serve. A GIN
index of ``pg_trgm`` trigrams over the same expression can, for any term of three characters or more (shorter
terms, and every match, are still checked by the LIKE itself: the index only narrows the rows). Its statistics also
tell the planner how many rows a term matches, which is what lets it choose between the index and walking the
queue's order. SQLite (the embedded database) gets neither: its search stays a scan, as before.

The indexes are not in the models' Meta: SQLite cannot build them, and the migration state would then differ
between the two databases. Going back drops the indexes and leaves the extension (other objects may use it).
"""

from django.db import migrations

INDEXES = [
    ("application_reference_trgm", "applications_application", "reference"),
    ("company_legal_name_trgm", "applications_company", "legal_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: a role that may create objects in the database may add it
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )
        # the expressions' statistics are gathered by ANALYZE, not by CREATE INDEX: read them now, not at the
        # next autovacuum, so that the planner's estimates hold from the first search
        schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("applications", "0007_ipholding")]
    operations = [migrations.RunPython(create, drop)]
