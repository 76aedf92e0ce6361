import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import health
from config.celery import app as celery_app


@pytest.fixture
def real_queue():
    """Tasks go to the broker instead of running in-process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def broken(*args, **kwargs):
    raise ConnectionError("down")


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0


@pytest.mark.django_db
def test_liveness_stays_200_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "_check_database", broken)
    assert client.get("/health/live/").status_code == 200
    assert client.get("/health/ready/").status_code == 503


@pytest.mark.django_db
def test_readiness_is_200_without_any_worker(client, real_queue):
    response = client.get("/health/ready/")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert "worker" not in checks
    assert checks["cache"]["required"] is False and checks["broker"]["required"] is False


@pytest.mark.django_db
def test_readiness_stays_200_when_cache_and_broker_fail_and_says_so(client, monkeypatch):
    monkeypatch.setattr(health, "_check_cache", broken)
    monkeypatch.setattr(health, "_check_broker", broken)
    response = client.get("/health/ready/")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and checks["cache"]["error"] == "ConnectionError"
    assert checks["broker"]["ok"] is False


@pytest.mark.django_db
def test_readiness_is_503_when_the_database_fails(client, monkeypatch):
    monkeypatch.setattr(health, "_check_database", broken)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["database"]["error"] == "ConnectionError"


@pytest.mark.django_db
def test_the_bare_health_url_is_readiness_so_old_load_balancer_settings_keep_working(client, real_queue):
    response = client.get("/health/")
    assert response.status_code == 200
    assert "worker" not in response.json()["checks"]


@pytest.mark.django_db
def test_the_worker_check_fails_with_503_when_no_worker_answers(client, real_queue):
    response = client.get("/health/worker/")
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
def test_the_worker_check_refuses_to_call_in_process_tasks_a_worker(client):
    response = client.get("/health/worker/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_worker_check_is_200_when_a_real_worker_answers_through_redis(client, real_queue):
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        response = client.get("/health/worker/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        name: {"ok": True, "ms": response.json()["checks"][name]["ms"]}
        for name in ("database", "broker", "worker")
    }


@pytest.mark.django_db
def test_metrics_are_not_served_unless_switched_on(client):
    assert client.get("/health/metrics/").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_bearer_token_when_one_is_set(client, settings):
    settings.METRICS_ENABLED, settings.METRICS_TOKEN = True, "s3cret-token"
    assert client.get("/health/metrics/").status_code == 401
    assert client.get("/health/metrics/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/health/metrics/", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert b"python_info" in response.content or b"process_" in response.content
