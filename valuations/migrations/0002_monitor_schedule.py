from django.db import migrations


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    weekly, _ = Crontab.objects.get_or_create(minute="0", hour="6", day_of_week="1", day_of_month="*",
                                              month_of_year="*", timezone="Asia/Seoul")
    PeriodicTask.objects.get_or_create(name="Weekly valuation and IP expiry monitoring",
                                       defaults={"task": "valuations.monitor", "crontab": weekly})


def drop(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Weekly valuation and IP expiry monitoring").delete()


class Migration(migrations.Migration):
    dependencies = [("valuations", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, drop)]
