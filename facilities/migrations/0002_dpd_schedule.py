from django.db import migrations


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = Crontab.objects.get_or_create(minute="30", hour="1", day_of_week="*", day_of_month="*",
                                               month_of_year="*", timezone="Asia/Seoul")
    PeriodicTask.objects.get_or_create(name="Daily days-past-due", defaults={"task": "facilities.update_dpd",
                                                                              "crontab": nightly})


def drop(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Daily days-past-due").delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, drop)]
