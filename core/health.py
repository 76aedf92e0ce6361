"""/health/: the database, the broker and a worker round-trip, as JSON."""

import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app

from .tasks import ping


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


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


CHECKS = {"database": _check_database, "broker": _check_broker, "worker": _check_worker}


@never_cache
def health(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            report[name] = {"ok": True}
        except CeleryTimeout:
            healthy = False
            report[name] = {"ok": False, "error": "no worker answered in time"}
        except Exception as exc:  # a health page reports every failure, it never raises
            healthy = False
            report[name] = {"ok": False, "error": exc.__class__.__name__}
        report[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": report}, status=200 if healthy else 503
    )
