import json

from django.db import migrations


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = Crontab.objects.get_or_create(minute="0", hour="6", day_of_month="1", month_of_year="*",
                                               day_of_week="*", timezone="Asia/Seoul")
    quarterly, _ = Crontab.objects.get_or_create(minute="30", hour="6", day_of_month="1", month_of_year="1,4,7,10",
                                                 day_of_week="*", timezone="Asia/Seoul")
    every_five, _ = Interval.objects.get_or_create(every=5, period="minutes")
    for name, schedule, frequency in [("Fund utilisation report (monthly)", monthly, "monthly"),
                                      ("Fund utilisation report (quarterly)", quarterly, "quarterly")]:
        PeriodicTask.objects.get_or_create(name=name, defaults={
            "task": "reporting.schedule_reports", "crontab": schedule,
            "kwargs": json.dumps({"kind": "fund_utilisation", "frequency": frequency})})
    PeriodicTask.objects.get_or_create(name="Re-queue lost report runs", defaults={
        "task": "reporting.sweep_report_runs", "interval": every_five})


def drop(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[
        "Fund utilisation report (monthly)", "Fund utilisation report (quarterly)", "Re-queue lost report runs"]).delete()


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, drop)]
