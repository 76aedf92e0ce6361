"""Load test, open model: requests arrive at a constant rate whatever the server's speed (a slow answer does not slow
the next arrival, so queueing shows in the latencies), from distinct officers with their own sessions, over a mix
of queue pages with different filters and pages, distinct case pages and pages of the cases API.

The server (gunicorn, production settings) is pinned to CPU 1 and this client to CPU 0 (``taskset``); PostgreSQL
is not pinned (it runs where the kernel puts it, on either CPU: stated in the results). First a closed loop of 8
clients without pause measures the server's capacity (requests/s); then the open model runs at 25, 50, 70 and 90 %
of it. Latency counts from each request's scheduled arrival. CPU ms per request: the server processes' CPU time
(from /proc) over the requests served."""

import http.client
import os
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .setup import ENV, ROOT

PORT = int(os.environ.get("BENCH_PORT", "8899"))
# Production runs with Redis (the cache: config/settings/base.py; sessions stay in the database); so does the
# server measured here, its keys prefixed with the bench database's name.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WEB_ARGS = os.environ.get("BENCH_WEB_ARGS", "--workers 3 --threads 4")
OFFICERS = 20
CLK = os.sysconf("SC_CLK_TCK")


def _officers():
    """OFFICERS case officers of the bench agency, each with a session of their own that passed the TOTP step."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.mfa import session_mark_passed_mfa
    from accounts.models import Organization, User
    from accounts.roles import Role
    from tests.factories import TEST_TOTP_SECRET

    agency = Organization.objects.get(short_code="BENCH")
    cookies = []
    for n in range(OFFICERS):
        user, made = User.objects.get_or_create(email=f"officer{n}@bench.example")
        if made:
            user.set_password("bench-password-1")
            user.save()
            user.memberships.create(organization=agency, role=Role.CASE_OFFICER)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, TEST_TOTP_SECRET)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session_mark_passed_mfa(session, user)
        session.create()
        cookies.append(f"__Host-sessionid={session.session_key}")
    return cookies


def _paths():
    from applications.models import Application

    cases = list(
        Application.objects.filter(program__code="BENCH").order_by("?").values_list("pk", flat=True)[:500]
    )
    queues = [
        f"/casework/?page={page}&status={status}&ordering={ordering}"
        for page in (1, 2, 3)
        for status in ("", "submitted", "screening", "credit_review")
        for ordering in ("due", "-submitted")
    ]
    api = [f"/api/v1/cases/?page_size=50&page={page}" for page in (1, 2, 3)]
    return queues, [f"/casework/cases/{pk}/" for pk in cases], api


class Server:
    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            *WEB_ARGS.split(),
        ]
        self.process = subprocess.Popen(
            ["taskset", "-c", "1", *command, "--log-level", "warning"],
            cwd=ROOT,
            env={
                **os.environ,
                **ENV,
                "REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": ENV["DATABASE_URL"].rsplit("/", 1)[1],
            },
        )
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/health/")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self):
        """User + system CPU of the master and its workers, from /proc."""
        pids = [self.process.pid]
        children = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        if os.path.exists(children):
            pids += [int(p) for p in open(children).read().split()]
        total = 0
        for pid in pids:
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                pass
        return total / CLK

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


class Mix:
    """Request n: officer n mod OFFICERS; every fifth a page of the cases API, else every other one a case page
    (distinct cases), else a queue page (its filter and page vary)."""

    def __init__(self, cookies, paths):
        self.cookies, (self.queues, self.cases, self.others) = cookies, paths
        self.local = threading.local()

    def path(self, n):
        if n % 5 == 4:
            return self.others[n % len(self.others)]
        if n % 2:
            return self.cases[n % len(self.cases)]
        return self.queues[n % len(self.queues)]

    def ask(self, n):
        """Status of request n (one retry on a keep-alive connection the server closed)."""
        headers = {"Cookie": self.cookies[n % len(self.cookies)], "X-Forwarded-Proto": "https"}
        for attempt in (0, 1):
            if getattr(self.local, "conn", None) is None:
                self.local.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            try:
                self.local.conn.request("GET", self.path(n), headers=headers)
                response = self.local.conn.getresponse()
                response.read()
                return response.status
            except OSError:
                self.local.conn = None
                if attempt:
                    return "connection"
        return "unreachable"


def _summary(latencies, errors, seconds, cpu):
    latencies = sorted(latencies)
    n = len(latencies)

    def at(share):
        return 1000 * latencies[min(n - 1, int(n * share))] if n else None

    return {
        "requests": n,
        "per_second": n / seconds,
        "errors": len(errors),
        "error_samples": errors[:5],
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "cpu_ms_per_request": 1000 * cpu / n if n else None,
    }


def closed(mix, server, clients=8, seconds=15):
    """The capacity: ``clients`` asking without pause."""
    latencies, errors, stop, counter = [], [], time.monotonic() + seconds, iter(range(10**9))
    cpu = server.cpu_seconds()

    def client():
        while time.monotonic() < stop:
            n, started = next(counter), time.perf_counter()
            status = mix.ask(n)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append((mix.path(n), status))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return _summary(latencies, errors, seconds, server.cpu_seconds() - cpu)


def open_model(mix, server, rate, seconds):
    """Arrivals every 1/rate s for ``seconds``; latency from the scheduled arrival to the answer read."""
    latencies, errors = [], []
    cpu, start = server.cpu_seconds(), time.perf_counter() + 0.05

    def one(n, due):
        status = mix.ask(n)
        latencies.append(time.perf_counter() - due)
        if status != 200:
            errors.append((mix.path(n), status))

    with ThreadPoolExecutor(max_workers=96) as pool:
        for n in range(int(rate * seconds)):
            due = start + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(one, n, due)
    return {"rate": rate, **_summary(latencies, errors, seconds, server.cpu_seconds() - cpu)}


def load_test(seconds):
    random.seed(11)
    mix = Mix(_officers(), _paths())
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})  # the client on CPU 0, the server on CPU 1
    try:
        with Server() as server:
            for n in range(40):  # warm every worker a little
                mix.ask(n)
            capacity = closed(mix, server)
            points = {
                f"{int(share * 100)}%": open_model(mix, server, share * capacity["per_second"], seconds)
                for share in (0.25, 0.5, 0.7, 0.9)
            }
    finally:
        os.sched_setaffinity(0, pinned)
    return {
        "capacity": capacity,
        "points": points,
        "officers": OFFICERS,
        "web_args": WEB_ARGS,
        "pinning": "server CPU 1, client CPU 0, PostgreSQL unpinned",
        "redis": REDIS_URL,
    }
