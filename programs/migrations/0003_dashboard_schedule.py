import json

from django.db import migrations


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = Crontab.objects.get_or_create(minute="15", hour="6", day_of_month="1", month_of_year="*",
                                               day_of_week="*", timezone="Asia/Seoul")
    PeriodicTask.objects.get_or_create(name="Program dashboard report (monthly)", defaults={
        "task": "reporting.schedule_reports", "crontab": monthly,
        "kwargs": json.dumps({"kind": "program_dashboard", "frequency": "monthly"})})


def drop(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Program dashboard report (monthly)").delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_eligibilityrule_referencecounter"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, drop)]
