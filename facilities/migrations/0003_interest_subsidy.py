from django.db import migrations, models


def backfill(apps, schema_editor):
    """Facilities disbursed before the column existed get their cost computed from their terms, as at disbursement."""
    from facilities.services import interest_subsidy_cost  # pure: reads only the facility's terms

    Facility = apps.get_model("facilities", "Facility")
    for facility in Facility.objects.filter(disbursed_on__isnull=False, interest_subsidy__isnull=True).iterator():
        facility.interest_subsidy = interest_subsidy_cost(facility)
        facility.save(update_fields=["interest_subsidy"])


class Migration(migrations.Migration):
    dependencies = [("facilities", "0002_dpd_schedule")]

    operations = [
        migrations.AddField(
            model_name="facility",
            name="interest_subsidy",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=20, null=True,
                                      help_text="What the subsidised rate costs over the schedule, fixed at disbursement."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
