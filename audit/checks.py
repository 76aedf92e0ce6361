"""Deploy check: the application's database role must not be able to rewrite the audit log.

The trigger refuses UPDATE and DELETE, but the table's owner (or a superuser) can TRUNCATE the table or disable the
trigger. The check is tagged ``database`` and ``deploy``: it queries the database, so Django runs it only when asked
for both, as the release procedure does (``manage.py check --deploy --database default``, docs/operations.md). A
plain ``check --deploy`` (CI's, which runs as the ``postgres`` superuser against its scratch database) skips it.
"""

from django.core.checks import Tags, Warning, register
from django.db import connections

OWNER_SQL = """
SELECT pg_has_role(current_user, c.relowner, 'MEMBER'), pg_get_userbyid(c.relowner)
FROM pg_class c WHERE c.oid = to_regclass(%s)
"""
SUPERUSER_SQL = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"


@register(Tags.database, deploy=True)
def audit_log_role_check(app_configs=None, databases=None, **kwargs):
    """Warn when a checked PostgreSQL database's role owns the audit table or is a superuser."""
    from .models import AuditEvent

    warnings = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(SUPERUSER_SQL)
            (superuser,) = cursor.fetchone() or (False,)
            cursor.execute(OWNER_SQL, [AuditEvent._meta.db_table])
            owner = cursor.fetchone()
        user = connection.settings_dict.get("USER") or "the connecting role"
        if superuser:
            warnings.append(
                Warning(
                    f"Database '{alias}': the application connects as a superuser ({user}), which can disable the "
                    "audit log's append-only trigger or TRUNCATE the table.",
                    hint="Connect as a role with SELECT and INSERT only on audit_auditevent (docs/operations.md, "
                    "'Audit log in production').",
                    id="audit.W002",
                )
            )
        if owner and owner[0]:
            warnings.append(
                Warning(
                    f"Database '{alias}': the application's role owns (or is a member of the owner of) the audit "
                    f"table (owner {owner[1]}); an owner can TRUNCATE it or disable its trigger.",
                    hint="Run the application as a non-owner role; run migrations as the owner (docs/operations.md).",
                    id="audit.W001",
                )
            )
    return warnings
