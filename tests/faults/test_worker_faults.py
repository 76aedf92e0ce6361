"""Faults of the report queue, with real processes: a worker killed mid-report, Redis restarted with runs queued.

Each test runs its own redis-server (so no message of another run can interfere and it may be killed at will) and
real ``celery worker`` subprocesses on the pytest database. Nothing is mocked; the beat is stood in for by calling
the sweeper with the clock it would have when its threshold has passed.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from reporting import services
from reporting.models import Report, RunStatus
from reporting.services import QUEUE_LOST_AFTER, STUCK_AFTER
from tests.funds.factories import REPORT_QUARTER, fund_with_ledger, request_fund_report

ROOT = Path(settings.BASE_DIR)
TIMEOUT = 60


@pytest.fixture
def funds_data():
    return fund_with_ledger()


def _wait_for(condition, what, *, timeout=TIMEOUT, logs=()):
    """Poll ``condition`` every 50 ms until it is true; fail with the workers' output after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            output = "\n".join(f"--- {log}:\n{Path(log).read_text()[-4000:]}" for log in logs)
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{output}")
        time.sleep(0.05)


class RedisServer:
    """A private, disposable redis-server on a free port."""

    def __init__(self, tmp_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = tmp_path / f"redis-{self.port}.log"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.log),
            ],
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def up():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        _wait_for(up, "redis-server to answer", timeout=10, logs=[self.log])

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def queued(self):
        return redis.Redis(port=self.port).llen("celery")


def _use_broker(url):
    """Point this process's Celery at ``url``: forget the cached connection and producer pools (kombu keeps one
    pool per broker URL, so the previous broker's pools are found again when it is restored)."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path):
    """A private Redis that this process queues to, for real (not eagerly). Restored afterwards."""
    server = RedisServer(tmp_path)
    server.start()
    previous = celery_app.conf.broker_url
    _use_broker(server.url)
    celery_app.conf.task_always_eager = False
    try:
        yield server
    finally:
        celery_app.conf.task_always_eager = True
        _use_broker(previous)
        server.kill()


class Workers:
    """``celery worker`` subprocesses on the pytest database and the private broker; all killed at the end."""

    def __init__(self, tmp_path, broker_url):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BROKER_URL": broker_url,
            "DATABASE_URL": f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        }
        self.tmp_path, self.processes, self.logs = tmp_path, [], []

    def start(self):
        log = self.tmp_path / f"worker-{len(self.processes) + 1}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "-Q",
                    "celery",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "WARNING",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def kill(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill_all(self):
        for process in self.processes:
            self.kill(process)


@pytest.fixture
def workers(tmp_path, broker):
    pool = Workers(tmp_path, broker.url)
    try:
        yield pool
    finally:
        pool.kill_all()


def _status(run):
    run.refresh_from_db()
    return run.status


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_report_is_made_good_by_the_sweeper_with_one_report(funds_data, broker, workers):
    """SIGKILL leaves the run RUNNING and its message unacknowledged (Redis would hand it out again only after the
    one-hour visibility timeout): the sweeper re-queues it once STUCK_AFTER has passed, and a second worker
    completes it. Exactly one report for the period."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    locker = psycopg.connect(**params)
    try:
        # the builder reads the ledger's quarter sums: with that table locked, the first worker stops in the middle of
        # the report
        locker.execute("LOCK TABLE funds_ledgerquarter IN ACCESS EXCLUSIVE MODE")
        first = workers.start()
        run = request_fund_report()
        assert _status(run) == RunStatus.QUEUED

        def blocked_in_the_builder():
            waiting = locker.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = 'funds_ledgerquarter'::regclass "
                "AND NOT granted"
            ).fetchone()[0]
            return waiting > 0 and _status(run) == RunStatus.RUNNING

        _wait_for(blocked_in_the_builder, "the worker to block while building the report", logs=workers.logs)
        workers.kill(first)
        assert first.returncode == -signal.SIGKILL
    finally:
        locker.rollback()
        locker.close()

    assert _status(run) == RunStatus.RUNNING and run.attempts == 1 and not Report.objects.exists()
    workers.start()
    assert services.report_runs_sweep(now=timezone.now() + STUCK_AFTER + timedelta(seconds=1)) == 1
    _wait_for(lambda: _status(run) == RunStatus.DONE, "the re-queued run to complete", logs=workers.logs)
    assert (
        Report.objects.filter(kind="fund_utilisation", scope="all", period_end=REPORT_QUARTER[1]).count() == 1
    )
    assert run.attempts == 2 and run.report_id is not None


SWEEP_EVERY = timedelta(seconds=60)  # at most; checked against the beat schedule below


@pytest.mark.django_db
def test_the_beat_sweeps_for_lost_runs_at_least_every_minute():
    """Read from the schedule the migrations made (a non-transactional test sees it: transactional ones flush it)."""
    task = PeriodicTask.objects.select_related("interval").get(
        task="reporting.sweep_report_runs", enabled=True
    )
    assert task.interval.schedule.run_every <= SWEEP_EVERY


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_runs_lost_with_a_restarted_redis_are_all_done_within_two_minutes(funds_data, broker, workers):
    """Redis keeps nothing across a restart (no persistence): the queued messages are gone, the runs are still in
    the database. The beat's sweeper (every SWEEP_EVERY) re-queues runs queued for QUEUE_LOST_AFTER, so everything
    recorded is done at most SWEEP_EVERY + QUEUE_LOST_AFTER + the time measured here after Redis is back."""
    mother, _fund = funds_data
    periods = [(date(2025, 1, 1), date(2025, 3, 31)), REPORT_QUARTER]
    runs = [
        services.report_request(kind="fund_utilisation", scope=scope, period_start=start, period_end=end)
        for scope in ("all", f"fund:{mother.pk}")
        for start, end in periods
    ]
    assert broker.queued() == len(runs) == 4

    broker.kill()
    broker.start()  # same port, empty
    back = time.monotonic()
    assert broker.queued() == 0
    workers.start()
    assert services.report_runs_sweep(now=timezone.now() + QUEUE_LOST_AFTER + timedelta(seconds=1)) == 4
    _wait_for(
        lambda: all(_status(run) == RunStatus.DONE for run in runs),
        "every run to complete",
        logs=workers.logs,
    )
    elapsed = timedelta(seconds=time.monotonic() - back)

    for run in runs:
        assert Report.objects.filter(kind=run.kind, scope=run.scope, period_end=run.period_end).count() == 1
    assert Report.objects.count() == 4
    assert SWEEP_EVERY + QUEUE_LOST_AFTER + elapsed < timedelta(minutes=2), elapsed
