"""Health endpoints, one per question an operator asks.

- ``/health/live/``: is the process answering? No I/O at all, so a slow database never makes the orchestrator
  restart healthy web processes.
- ``/health/ready/`` (and ``/health/``): may this web node take traffic? 503 only when the database is unreachable;
  the cache and the broker are reported but optional (a web node serves pages without them, and a worker outage
  must not take every web node out of the load balancer).
- ``/health/worker/``: the database, the broker and a worker round-trip (a ``ping`` task), for dashboards and
  alerting, never for a load balancer.
- ``/health/metrics/``: Prometheus metrics, only when the production settings switch them on (METRICS_ENABLED),
  behind METRICS_TOKEN when one is set.
"""

import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache

from core.tasks import ping

from .celery import app as celery_app


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = "health:ready"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_worker():
    if celery_app.conf.task_always_eager:
        raise RuntimeError("tasks run in-process (CELERY_TASK_ALWAYS_EAGER); no worker is consulted")
    result = ping.apply_async(expires=settings.HEALTH_WORKER_TIMEOUT * 2)
    try:
        answer = result.get(timeout=settings.HEALTH_WORKER_TIMEOUT, interval=0.1)
    finally:
        result.forget()
    if answer != "pong":
        raise RuntimeError(f"unexpected answer {answer!r}")


def _run(check):
    started = time.monotonic()
    try:
        check()
        outcome = {"ok": True}
    except CeleryTimeout:
        outcome = {"ok": False, "error": "no worker answered in time"}
    except Exception as exc:  # a health page reports every failure, it never raises
        outcome = {"ok": False, "error": exc.__class__.__name__}
    outcome["ms"] = round((time.monotonic() - started) * 1000, 1)
    return outcome


def _report(required, optional=None):
    """Run the checks; 503 when a required one fails. Optional ones are reported with ``"required": false``."""
    checks, healthy = {}, True
    for name, check in required.items():
        checks[name] = _run(check)
        healthy = healthy and checks[name]["ok"]
    for name, check in (optional or {}).items():
        checks[name] = {**_run(check), "required": False}
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


@never_cache
def live(request):
    """The process answers. Touches neither the database nor the network."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """The database answers (required); the cache and the broker are reported (optional)."""
    return _report({"database": _check_database}, {"cache": _check_cache, "broker": _check_broker})


@never_cache
def worker(request):
    """The database, the broker and a worker's answer to a ``ping`` task: for dashboards, not load balancers."""
    return _report({"database": _check_database, "broker": _check_broker, "worker": _check_worker})


@never_cache
def metrics(request):
    """Prometheus exposition of django-prometheus's counters; 404 unless switched on."""
    if not getattr(settings, "METRICS_ENABLED", False):
        raise Http404
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and not constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("metrics need the bearer token", status=401, content_type="text/plain")
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)


urlpatterns = [
    path("", ready, name="health"),
    path("live/", live, name="health-live"),
    path("ready/", ready, name="health-ready"),
    path("worker/", worker, name="health-worker"),
    path("metrics/", metrics, name="health-metrics"),
]
