"""Drop the single-column index on case_type: audit_case_idx (case_type, case_id, occurred_at) starts with it, so it
served no query and cost every audit insert an index update. The index is dropped by SQL, not AlterField: on SQLite
AlterField remakes the table, which would lose the append-only triggers of 0003."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "audit_auditevent_case_type_id_c5ed5c14"


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_sqlite_append_only"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON audit_auditevent (case_type_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="case_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                )
            ],
        )
    ]
