"""Beat schedules are edited in the admin (django-celery-beat): a task picked from the project's registered tasks,
scheduled from the admin, is what the database scheduler of the one beat process runs."""

import pytest
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from accounts.roles import Role
from config.celery import app as celery_app
from tests.factories import make_user


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def test_the_task_list_offers_the_projects_tasks(admin_client):
    page = admin_client.get(reverse("admin:django_celery_beat_periodictask_add"))
    assert page.status_code == 200
    choices = dict(page.context["adminform"].form.fields["regtask"].widget.choices)
    assert "reporting.sweep_report_runs" in choices


def test_a_schedule_added_in_the_admin_is_run_by_the_beat(admin_client):
    every = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_add"),
        {
            "name": "Sweep lost report runs (every 15 minutes)",
            "regtask": "reporting.sweep_report_runs",
            "enabled": "on",
            "interval": every.pk,
            "args": "[]",
            "kwargs": "{}",
            "priority": "",
            "headers": "{}",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    task = PeriodicTask.objects.get(name="Sweep lost report runs (every 15 minutes)")
    assert task.task == "reporting.sweep_report_runs"
    schedule = DatabaseScheduler(app=celery_app, lazy=True).all_as_schedule()
    assert schedule[task.name].schedule.run_every.total_seconds() == 15 * 60


def test_a_schedule_without_a_schedule_comes_back_with_errors(admin_client):
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_add"),
        {"name": "No schedule", "regtask": "reporting.sweep_report_runs", "args": "[]", "kwargs": "{}"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not PeriodicTask.objects.filter(name="No schedule").exists()
