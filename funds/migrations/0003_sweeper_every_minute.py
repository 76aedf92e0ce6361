from django.db import migrations
from django.utils import timezone

SWEEPER = "Re-queue lost report runs"


def every(seconds):
    def change(apps, schema_editor):
        Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
        schedule, _ = Interval.objects.get_or_create(every=seconds, period="seconds")
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEPER).update(interval=schedule)
        # a running beat reloads its schedule when this changes (bulk updates send no signal)
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()})

    return change


class Migration(migrations.Migration):
    """The report-run sweeper every 60 s (was 5 minutes): with reporting.services.QUEUE_LOST_AFTER, runs lost with a
    restarted Redis are re-queued within two minutes of it being back."""

    dependencies = [("funds", "0002_report_schedules")]
    operations = [migrations.RunPython(every(60), every(300))]
