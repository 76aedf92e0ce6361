from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


def register_sqlite_functions(sender, connection, **kwargs):
    """The function the SQLite audit trigger asks before a DELETE (audit/migrations/0003_sqlite_append_only.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "ipfin_audit_delete_allowed",
            0,
            lambda: bool(getattr(settings, "AUDIT_SQLITE_ALLOW_DELETE", False)),
        )


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check)

        connection_created.connect(register_sqlite_functions, dispatch_uid="audit_sqlite_functions")
