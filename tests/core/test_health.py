import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app


@pytest.fixture
def real_queue():
    """Tasks go to the broker instead of running in-process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.django_db
def test_health_fails_with_503_when_no_worker_answers(client, real_queue):
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "no worker answered in time",
        "ms": body["checks"]["worker"]["ms"],
    }


@pytest.mark.django_db
def test_health_refuses_to_call_in_process_tasks_a_worker(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_health_is_200_when_a_real_worker_answers_through_redis(client, real_queue):
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        response = client.get("/health/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        name: {"ok": True, "ms": response.json()["checks"][name]["ms"]}
        for name in ("database", "broker", "worker")
    }
