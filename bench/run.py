"""`make bench`: IPFin at scale on PostgreSQL. Not part of the test suite.

Generates (once, into its own database) 100,000 applications, 50,000 facilities with their installments and
200 sub-funds with 1,000,000 cash-flow rows (BENCH_SCALE scales all of it), then measures:
- the utilisation report for all funds and one period ÷ a raw SQL aggregate of the same totals, and the ORM
  aggregate ÷ raw SQL;
- the case queue page and the applications API list (50 rows) ÷ a bare values() + template / json.dumps baseline,
  with their query counts;
- a load test against gunicorn with the production settings on 127.0.0.1;
- the program dashboard and the peak memory of the report task.
Results: a table on stdout and bench/results.json.
"""

import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ipfin_bench")
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LOAD_USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
# A user reads a page before asking for the next: 1–2 s between requests (locust's between(1, 2)); "0" for none.
THINK = tuple(float(x) for x in os.environ.get("BENCH_THINK_SECONDS", "1,2").split(",")) or None
THINK = (THINK * 2)[:2] if THINK and max(THINK) > 0 else None
PORT = int(os.environ.get("BENCH_PORT", "8899"))
# gunicorn's arguments besides --bind: the web command of docs/operations.md on this 2-core machine
WEB_ARGS = os.environ.get("BENCH_WEB_ARGS", "--workers 3 --threads 4")
if not DB.startswith("postgres"):
    sys.exit("make bench runs on PostgreSQL only: set BENCH_DATABASE_URL=postgres://...")
ENV = {
    "DATABASE_URL": DB,
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "bench-" + "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "CELERY_BROKER_URL": "memory://",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "60",
    # The throttles run (their cache round trip is part of what is measured) but never refuse the one bench user.
    "API_THROTTLE_USER": "1000000/min",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def ensure_database():
    name = DB.rsplit("/", 1)[1]
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
        ],
        capture_output=True,
        text=True,
    )
    if "1" not in exists.stdout:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


ensure_database()
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N_APPLICATIONS = int(100_000 * SCALE)
N_FACILITIES = int(50_000 * SCALE)
N_SUBFUNDS = max(2, int(200 * SCALE))
N_FLOWS = int(1_000_000 * SCALE)
TERM = 12


def copy(table, columns, rows):
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out,
    ):
        for row in rows:
            out.write_row(row)


def generate():
    from accounts.models import Organization, User
    from accounts.roles import Role
    from applications.models import Application
    from funds.models import Fund
    from programs.models import Program
    from tests.factories import TEST_TOTP_SECRET

    if Application.objects.count() >= N_APPLICATIONS:
        return False
    random.seed(7)
    agency = Organization.objects.create(name="Bench agency", kind="agency", short_code="BENCH")
    bank = Organization.objects.create(name="Bench bank", kind="lender", short_code="BENCHBANK")
    manager = Organization.objects.create(name="Bench GP", kind="fund_manager", short_code="BENCHGP")
    officer = User.objects.create_user(email="officer@bench.example", password="bench-password-1")
    officer.memberships.create(organization=agency, role=Role.CASE_OFFICER)
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(officer, TEST_TOTP_SECRET)
    official = User.objects.create_user(email="official@bench.example", password="bench-password-1")
    official.memberships.create(
        organization=Organization.objects.create(
            name="Bench ministry", kind="oversight", short_code="BENCHMIN"
        ),
        role=Role.OFFICIAL,
    )
    TOTP.activate(official, TEST_TOTP_SECRET)
    applicant = User.objects.create_user(email="applicant@bench.example", password="bench-password-1")
    program = Program.objects.create(
        agency=agency,
        code="BENCH",
        name="Bench program",
        kind="ip_guaranteed_loan",
        currency="KRW",
        min_amount=1,
        max_amount=10**10,
        max_advance_rate="0.5",
        base_interest_rate="0.04",
        subsidised_interest_rate="0.02",
        budget_envelope=10**16,
        company_exposure_ceiling=10**12,
        is_published=True,
        service_levels={"screening": 5, "credit_review": 10},
    )
    n_companies = max(10, N_APPLICATIONS // 5)
    first_org = Organization.objects.order_by("-pk").first().pk + 1
    copy(
        "accounts_organization",
        ["name", "kind", "country", "short_code", "is_active", "created_at"],
        ((f"Company {i}", "company", "KR", f"BC{i}", True, "2024-01-01") for i in range(n_companies)),
    )
    copy(
        "applications_company",
        [
            "organization_id",
            "legal_name",
            "registration_number",
            "country",
            "region",
            "sector",
            "employees",
            "credit_grade",
            "contact_name",
            "contact_email",
            "contact_phone",
            "created_at",
        ],
        (
            (
                first_org + i,
                f"Company {i}",
                f"{i:010d}",
                "KR",
                "Seoul",
                random.choice(["Biotech", "Games", "Software"]),
                random.randint(1, 500),
                random.choice(["A", "BBB", "BB", "B", "CCC"]),
                "",
                "",
                "",
                "2024-01-01",
            )
            for i in range(n_companies)
        ),
    )
    applicant.memberships.create(organization_id=first_org, role=Role.APPLICANT)
    first_company = connection.cursor().execute("SELECT min(id) FROM applications_company").fetchone()[0]
    statuses = ["submitted", "screening", "valuation", "credit_review", "recommended", "approved", "rejected"]
    start = date(2023, 1, 1)

    def applications():
        for i in range(N_APPLICATIONS):
            status = "approved" if i < N_FACILITIES else random.choice(statuses)
            submitted = start + timedelta(days=random.randint(0, 1000))
            yield (
                f"BENCH-{i:07d}",
                program.pk,
                first_company + i % n_companies,
                officer.pk,
                status,
                random.randint(10, 1000) * 1_000_000,
                "bench",
                "submitted",
                None,
                "{}",
                f"{submitted} 09:00+00",
                f"{submitted + timedelta(days=20)} 09:00+00" if status in ("approved", "rejected") else None,
                officer.pk if i % 3 else None,
                f"{submitted + timedelta(days=random.randint(-30, 30))} 09:00+00",
                random.randint(10, 500) * 1_000_000 if status == "approved" else None,
                f"{submitted} 08:00+00",
                f"{submitted} 08:00+00",
            )

    copy(
        "applications_application",
        [
            "reference",
            "program_id",
            "company_id",
            "created_by_id",
            "status",
            "requested_amount",
            "purpose",
            "wizard_step",
            "declaration_accepted_at",
            "eligibility_snapshot",
            "submitted_at",
            "decided_at",
            "assignee_id",
            "stage_due_at",
            "approved_amount",
            "created_at",
            "updated_at",
        ],
        applications(),
    )
    first_app = connection.cursor().execute("SELECT min(id) FROM applications_application").fetchone()[0]
    from facilities.models import Facility
    from facilities.services import interest_subsidy_cost

    terms = {
        "currency": "KRW",
        "principal": 120_000_000,
        "base_rate": Decimal("0.04"),
        "subsidised_rate": Decimal("0.02"),
        "term_months": TERM,
        "schedule_type": "equal_principal",
        "disbursed_on": date(2025, 1, 15),
    }
    subsidy = interest_subsidy_cost(Facility(**terms))  # the same for every generated loan
    copy(
        "facilities_facility",
        [
            "application_id",
            "lender_id",
            "kind",
            "currency",
            "principal",
            "base_rate",
            "subsidised_rate",
            "term_months",
            "schedule_type",
            "coverage_ratio",
            "guarantee_fee_rate",
            "status",
            "disbursed_on",
            "days_past_due",
            "dpd_bucket",
            "default_reason",
            "interest_subsidy",
            "created_at",
        ],
        (
            (
                first_app + i,
                bank.pk,
                "ip_guaranteed_loan",
                "KRW",
                120_000_000,
                "0.04",
                "0.02",
                TERM,
                "equal_principal",
                "0.8",
                "0.01",
                "active",
                "2025-01-15",
                0,
                "current",
                "",
                subsidy,
                "2025-01-10 00:00+00",
            )
            for i in range(N_FACILITIES)
        ),
    )
    first_facility = connection.cursor().execute("SELECT min(id) FROM facilities_facility").fetchone()[0]
    copy(
        "facilities_installment",
        ["facility_id", "number", "due_date", "principal", "interest", "paid_principal", "paid_interest"],
        (
            (
                first_facility + f,
                n,
                date(2025, 1 + (n - 1) % 12, 15) if n <= 12 else date(2026, 1, 15),
                10_000_000,
                200_000,
                10_000_000 if n < 6 else 0,
                200_000 if n < 6 else 0,
            )
            for f in range(N_FACILITIES)
            for n in range(1, TERM + 1)
        ),
    )
    mother = Fund.objects.create(
        name="Bench fund of funds",
        agency=agency,
        currency="KRW",
        size=10**15,
        vintage=2022,
        investment_period_start=date(2022, 1, 1),
        investment_period_end=date(2026, 12, 31),
    )
    copy(
        "funds_fund",
        [
            "parent_id",
            "name",
            "manager_id",
            "currency",
            "size",
            "public_commitment",
            "private_commitment",
            "vintage",
            "investment_period_start",
            "investment_period_end",
            "term_years",
            "category",
            "management_fee_rate",
            "licence_state",
            "committed_to_sub_funds",
            "deployed_total",
            "reserved_total",
        ],
        (
            (
                mother.pk,
                f"Sub-fund {i}",
                manager.pk,
                "KRW",
                10**12,
                4 * 10**11,
                6 * 10**11,
                2022,
                "2022-01-01",
                "2026-12-31",
                8,
                random.choice(["drama", "film", "games", "patents"]),
                "0.02",
                "active",
                0,
                0,
                0,
            )
            for i in range(N_SUBFUNDS)
        ),
    )
    sub_ids = list(Fund.objects.filter(parent=mother).values_list("pk", flat=True))
    kinds = ["call", "deploy", "fee", "distribution", "reserve"]

    def flows():
        for n in range(N_FLOWS):
            # kinds cycle per fund (n // funds), so that every fund has calls, deployments, fees, distributions,
            # reserves and NAVs on its own days (n % 5 with 200 funds gave each fund a single kind)
            kind = kinds[(n // len(sub_ids)) % 5] if (n // len(sub_ids)) % 50 else "nav"
            day = date(2022, 1, 1) + timedelta(days=random.randint(0, 1300))
            yield (
                sub_ids[n % len(sub_ids)],
                kind,
                day,
                random.randint(1, 1000) * 100_000,
                None,
                "",
                "validated",
                "2024-01-01 00:00+00",
            )

    copy(
        "funds_cashflow",
        ["fund_id", "kind", "date", "amount", "cash", "description", "validation", "created_at"],
        flows(),
    )
    from funds import ledger

    ledger.rebuild()  # the day sums the services keep entry by entry (COPY bypasses them)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def interleaved(fns, repeat):
    """The run times of each of ``fns``, called in turn ``repeat`` times: the machine's slow moments (this VM's speed
    drifts by a quarter) fall on all of them alike, so that their ratios hold."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return times


def timed(fn, repeat=5):
    return statistics.median(interleaved([fn], repeat)[0])


def report_ratios():
    from django.db.models import Sum

    from funds.models import CashFlow
    from funds.reports import build

    period = (date(2025, 4, 1), date(2025, 6, 30))
    raw_sql = (
        "SELECT kind, SUM(amount) FROM funds_cashflow WHERE date <= %s AND validation <> 'rejected' "
        "GROUP BY kind"
    )

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [period[1]])
            return cursor.fetchall()

    def orm():
        return list(
            CashFlow.objects.filter(date__lte=period[1])
            .exclude(validation="rejected")
            .values("kind")
            .annotate(total=Sum("amount"))
            .order_by()
        )

    raw_s, orm_s, report_s = (
        statistics.median(t) for t in interleaved([raw, orm, lambda: build("all", *period)], 9)
    )
    write_s = timed(ledger_write, repeat=9)
    tracemalloc.start()
    build("all", *period)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "raw_sql_s": raw_s,
        "orm_aggregate_s": orm_s,
        "report_s": report_s,
        "ledger_write_s": write_s,
        "report_over_raw": report_s / raw_s,
        "orm_over_raw": orm_s / raw_s,
        "report_peak_memory_mb": peak / 2**20,
    }


def ledger_write():
    """What the summaries cost on write: one capital call recorded on a sub-fund of 5,000 entries (its day, quarter
    and investor flows recomputed), rolled back so that the data stays as generated."""
    from funds.models import Fund
    from funds.services import cash_flow_record

    fund = Fund.objects.filter(parent__isnull=False).order_by("pk").first()
    with transaction.atomic():
        cash_flow_record(fund=fund, actor=None, kind="call", date=date(2025, 5, 2), amount=Decimal(1_000_000))
        transaction.set_rollback(True)


PATHS = {  # the actions a generated case took to reach its status; the states come from the transition table
    "submitted": ["submit"],
    "screening": ["submit", "start_screening"],
    "valuation": ["submit", "start_screening", "send_to_valuation"],
    "credit_review": ["submit", "start_screening", "send_to_valuation", "start_credit_review"],
    "recommended": ["submit", "start_screening", "send_to_valuation", "start_credit_review", "recommend"],
    "approved": [
        "submit",
        "start_screening",
        "send_to_valuation",
        "start_credit_review",
        "recommend",
        "approve",
    ],
    "rejected": ["submit", "start_screening", "reject"],
}


def generate_audit():
    """The audit log of the generated cases and their stage spans (the dashboard's funnel and days per stage read
    those): each case's moves to its status, a few days apart. Once, with COPY."""
    from django.contrib.contenttypes.models import ContentType

    from applications.models import TRANSITIONS, Application
    from audit.models import AuditEvent

    application = ContentType.objects.get_for_model(Application)
    if (
        AuditEvent.objects.filter(case_type=application, action="application.submit").count()
        >= N_APPLICATIONS // 2
    ):
        return False
    random.seed(13)

    cases = list(
        Application.objects.filter(reference__startswith="BENCH-").values_list("pk", "status", "submitted_at")
    )

    spans = []  # each case's stays in its stages, as application_transition records them beside the events

    def events():  # read before the COPY starts: the connection cannot run a query in the middle of one
        for pk, status, submitted in cases:
            at, previous = submitted, ""
            path = PATHS.get(status, [])
            for step, action in enumerate(path):
                state = TRANSITIONS[(previous or "draft", action)]
                yield (
                    at,
                    f"application.{action}",
                    application.pk,
                    str(pk),
                    application.pk,
                    str(pk),
                    previous,
                    state,
                    "{}",
                    False,
                    "",
                )
                left = at + timedelta(days=random.randint(1, 9), hours=random.randint(0, 8))
                last = step == len(path) - 1
                spans.append((pk, state, at, None if last else left, None if last else (left - at).days))
                at, previous = left, state

    copy(
        "audit_auditevent",
        [
            "occurred_at",
            "action",
            "target_type_id",
            "target_id",
            "case_type_id",
            "case_id",
            "old_state",
            "new_state",
            "details",
            "applicant_visible",
            "actor_label",
        ],
        events(),
    )
    copy("applications_stagespan", ["application_id", "stage", "entered_at", "left_at", "days"], spans)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute("ANALYZE applications_stagespan")
    return True


def applicant_with_fifty_applications():
    """The applications API is measured on a full page: the bench applicant's company gets 50 applications."""
    from accounts.models import User
    from applications.models import Application, Company

    applicant = User.objects.get(email="applicant@bench.example")
    company = Company.objects.get(organization__in=applicant.organizations_for("applicant"))
    template = Application.objects.filter(company=company).first()
    missing = 50 - Application.objects.filter(company=company).count()
    Application.objects.bulk_create(
        [
            Application(
                reference=f"BENCH-A-{n:04d}",
                program_id=template.program_id,
                company=company,
                created_by=applicant,
                status="submitted",
                requested_amount=100_000_000,
                purpose="bench",
                wizard_step="submitted",
                eligibility_snapshot={},
                submitted_at=template.submitted_at,
            )
            for n in range(max(missing, 0))
        ]
    )


def _passed_mfa(client, user):
    """A staff session must have passed the TOTP step (accounts.middleware); force_login stands in for the sign-in."""
    from accounts.mfa import session_mark_passed_mfa

    session = client.session
    session_mark_passed_mfa(session, user)
    session.save()


def page_ratios():
    """Each page against the same rows rendered by a bare view through the same middleware, session and login
    (bench/urls.py: the target's measure), and against the bare function alone (no request at all)."""
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User
    from bench.urls import ROWS, applicant_rows, queue_rows

    officer = User.objects.get(email="officer@bench.example")
    applicant = User.objects.get(email="applicant@bench.example")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(officer)
    _passed_mfa(client, officer)
    api = Client(HTTP_X_FORWARDED_PROTO="https")
    api.force_login(applicant)
    results = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for name, fn, view_baseline, bare_baseline in [
            (
                "queue_page",
                lambda: client.get("/casework/?page=1"),
                lambda: client.get("/bench/queue-baseline/"),
                lambda: ROWS.render({"rows": queue_rows()}),
            ),
            (
                "applications_api",
                lambda: api.get("/api/v1/applications/?page_size=50"),
                lambda: api.get("/bench/api-baseline/"),
                lambda: json.dumps(applicant_rows(applicant), default=str),
            ),
        ]:
            fn()
            view_baseline()
            executed = []

            def count(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = fn()
            assert response.status_code == 200, (name, response.status_code)
            rows = (
                len(json.loads(response.content)["results"])
                if name == "applications_api"
                else response.content.count(b'name="cases"')
            )
            page_t, view_t, bare_t = interleaved([fn, view_baseline, bare_baseline], 61)
            page_s, view_s, bare_s = (statistics.median(t) for t in (page_t, view_t, bare_t))
            results[name] = {
                "s": page_s,
                "rows": rows,
                "baseline_view_s": view_s,
                "ratio": page_s / view_s,
                "ratio_best": min(page_t) / min(view_t),
                "baseline_bare_s": bare_s,
                "ratio_to_bare": page_s / bare_s,
                "queries": len(executed),
            }
    return results


def dashboard_time():
    from dashboards.program import build_dashboard

    return timed(lambda: build_dashboard("all", date(2025, 1, 1), date(2025, 12, 31)), repeat=3)


def load_test(users, seconds, think):
    """``users`` virtual users for ``seconds`` against gunicorn with the production settings on 127.0.0.1, each
    looping over the queue, a case page, the cases API and a report page and waiting a random ``think`` = (low,
    high) seconds between requests (None: no wait, a closed loop that measures the most the server can serve)."""
    import http.client

    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.mfa import session_mark_passed_mfa
    from accounts.models import User
    from applications.models import Application
    from reporting.models import Report

    officer = User.objects.get(email="officer@bench.example")
    session = SessionStore()
    session[SESSION_KEY] = str(officer.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = officer.get_session_auth_hash()
    session_mark_passed_mfa(session, officer)  # the officer signed in with the TOTP step
    session.create()
    cookie = f"__Host-sessionid={session.session_key}"
    case_id = Application.objects.filter(program__code="BENCH").values_list("pk", flat=True).first()
    report = Report.objects.first()
    paths = ["/casework/?page=1", f"/casework/cases/{case_id}/", "/api/v1/cases/?page_size=50"]
    if report:
        paths.append(f"/reporting/{report.pk}/")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            *WEB_ARGS.split(),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/health/")
            break
        except OSError:
            time.sleep(0.2)

    def connect():
        return http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def ask(conn, path):
        """GET ``path`` as the officer on ``conn``; the response's status."""
        conn.request("GET", path, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        response.read()
        return response.status

    for path in paths:  # warm every worker's caches a little before measuring
        ask(connect(), path)
    latencies, errors, stop = [], [], time.monotonic() + seconds
    pacing = random.Random(11)

    def user(n):
        conn = connect()
        i = n
        if think:
            time.sleep(
                pacing.uniform(0, think[1])
            )  # users arrive spread out, not all in the same millisecond
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                try:
                    status = ask(conn, path)
                except OSError:
                    # the server closed a keep-alive connection that sat idle while the user read: like a browser,
                    # open a new one and ask once more; only a failure on a fresh connection counts as an error
                    conn = connect()
                    status = ask(conn, path)
                if status != 200:
                    errors.append((path, status))
            except OSError as exc:
                errors.append((path, str(exc)))
                conn = connect()
            latencies.append(time.perf_counter() - started)
            if think:
                time.sleep(pacing.uniform(*think))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    server.terminate()
    server.wait(timeout=30)
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / seconds,
        "errors": len(errors),
        "error_samples": errors[:5],
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "users": users,
        "seconds": seconds,
        "think_seconds": think,
    }


def main():
    started = time.time()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    generated = generate()
    generate_audit()
    applicant_with_fifty_applications()
    from funds.models import CashFlow

    results = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "scale": SCALE,
        "generated_now": generated,
        "rows": {"cash_flows": CashFlow.objects.count()},
    }
    from reporting.services import report_generate, report_request

    run = report_request(
        kind="fund_utilisation", scope="all", period_start=date(2025, 4, 1), period_end=date(2025, 6, 30)
    )
    report_generate(run_id=run.pk)
    results["report"] = report_ratios()
    results["pages"] = page_ratios()
    results["dashboard_s"] = dashboard_time()
    results["load"] = load_test(LOAD_USERS, LOAD_SECONDS, THINK)
    results["saturation"] = load_test(10, max(10, LOAD_SECONDS // 3), None)
    results["total_s"] = time.time() - started
    out = io.StringIO()
    r, p, lt, sat = results["report"], results["pages"], results["load"], results["saturation"]
    out.write(f"{'measure':<64}{'value':>14}{'target':>10}\n")
    rows = [
        ("utilisation report ÷ raw SQL", r["report_over_raw"], "≤ 1.5"),
        ("ORM aggregate ÷ raw SQL", r["orm_over_raw"], "≤ 1.1"),
        (
            "  report / raw SQL / a ledger entry written (ms)",
            f"{1000 * r['report_s']:.0f} / {1000 * r['raw_sql_s']:.0f} / {1000 * r['ledger_write_s']:.1f}",
            "",
        ),
        ("case queue page (50 rows) ÷ bare view (medians)", p["queue_page"]["ratio"], "≤ 3"),
        ("  best ÷ best", p["queue_page"]["ratio_best"], ""),
        ("  ÷ bare function (no request)", p["queue_page"]["ratio_to_bare"], ""),
        ("  ms, queries", f"{1000 * p['queue_page']['s']:.1f}, {p['queue_page']['queries']}", ""),
        ("applications API list (50) ÷ bare view (medians)", p["applications_api"]["ratio"], "≤ 3"),
        ("  best ÷ best", p["applications_api"]["ratio_best"], ""),
        ("  ÷ bare function (no request)", p["applications_api"]["ratio_to_bare"], ""),
        ("  ms, queries", f"{1000 * p['applications_api']['s']:.1f}, {p['applications_api']['queries']}", ""),
        ("program dashboard, all programs (s)", results["dashboard_s"], "< 1"),
        (
            f"load: {lt['users']} users × {lt['seconds']} s, think {lt['think_seconds']} s: requests",
            lt["requests"],
            "",
        ),
        ("load: errors", lt["errors"], "0"),
        ("load: p50 (ms)", lt["p50_ms"], ""),
        ("load: p95 (ms)", lt["p95_ms"], "≤ 200"),
        (f"saturation: {sat['users']} users, no think time: requests/s", sat["per_second"], ""),
        ("saturation: p50 / p95 (ms)", f"{sat['p50_ms']:.0f} / {sat['p95_ms']:.0f}", ""),
        ("report task peak memory (MB)", r["report_peak_memory_mb"], ""),
    ]
    for name, value, target in rows:
        out.write(
            f"{name:<64}{value:>14.3f}{target:>10}\n"
            if isinstance(value, float)
            else f"{name:<64}{value:>14}{target:>10}\n"
        )
    print(out.getvalue())
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print("written to bench/results.json")


if __name__ == "__main__":
    main()
