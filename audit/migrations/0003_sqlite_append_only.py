"""On SQLite (the embedded demo database) the audit log refuses UPDATE and DELETE too.

UPDATE is always refused. DELETE is refused unless the connection's function
``ipfin_audit_delete_allowed()`` says yes: audit.apps registers it on every SQLite
connection from the setting AUDIT_SQLITE_ALLOW_DELETE, which only the test settings
turn on, because SQLite has no TRUNCATE and a test-database flush empties every
table with DELETE. A connection without the function (the sqlite3 shell) cannot
delete either: the trigger fails on the unknown function.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT ipfin_audit_delete_allowed()
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(create, drop)]
