from django.db import migrations


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_morning, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="7", day_of_week="*", day_of_month="*",
                                                             month_of_year="*", timezone="Asia/Seoul")
    PeriodicTask.objects.get_or_create(name="Daily digest of overdue cases",
                                       defaults={"task": "casework.send_overdue_digest", "crontab": every_morning})


def drop(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Daily digest of overdue cases").delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, drop)]
