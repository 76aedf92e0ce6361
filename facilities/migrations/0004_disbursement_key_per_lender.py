import django.db.models.deletion
from django.db import migrations, models


def copy_lender(apps, schema_editor):
    """Each disbursement's lender is its facility's."""
    Disbursement = apps.get_model("facilities", "Disbursement")
    for disbursement in Disbursement.objects.select_related("facility").only("pk", "facility__lender_id"):
        Disbursement.objects.filter(pk=disbursement.pk).update(lender_id=disbursement.facility.lender_id)


class Migration(migrations.Migration):
    """Idempotency keys were unique across all banks: bank B reusing bank A's key was refused as a mismatch.
    They are now unique per lender."""

    dependencies = [
        ("accounts", "0002_notification"),
        ("facilities", "0003_interest_subsidy"),
    ]

    operations = [
        migrations.AddField(
            model_name="disbursement",
            name="lender",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organization",
            ),
        ),
        migrations.RunPython(copy_lender, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="disbursement",
            name="lender",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="disbursement",
            name="idempotency_key",
            field=models.CharField(max_length=100),
        ),
        migrations.AddConstraint(
            model_name="disbursement",
            constraint=models.UniqueConstraint(
                fields=("lender", "idempotency_key"), name="disbursement_key_per_lender"
            ),
        ),
    ]
