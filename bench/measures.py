"""Each measure of `make bench` beside its baseline: the floor of the same work (issue 21's table).

A measure returns {name: row}; a row has ``s`` (seconds, median of its repetitions), ``baseline_s`` and ``ratio`` when
it has a baseline, or ``value`` (a count or a rate), and ``target``: ("<=", number) or None (printed only). The
measure and its baseline run interleaved (this VM's speed drifts: slow moments fall on both alike).
"""

import json
import statistics
import threading
import time
from datetime import date
from decimal import Decimal

from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

PERIOD = (date(2025, 4, 1), date(2025, 6, 30))
DASHBOARD_PERIOD = (date(2025, 1, 1), date(2025, 12, 31))


def interleaved(fns, repeat):
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return times


def compared(fn, baseline, repeat, target=None, **extra):
    """The row of ``fn`` against ``baseline`` (both warmed once first)."""
    fn(), baseline()
    spent, floor = (statistics.median(t) for t in interleaved([fn, baseline], repeat))
    return {"s": spent, "baseline_s": floor, "ratio": spent / floor, "target": target, **extra}


def alone(fn, repeat, target=None, **extra):
    fn()
    return {"s": statistics.median(interleaved([fn], repeat)[0]), "target": target, **extra}


# -- fund utilisation report ------------------------------------------------------------------------------------


FLOOR_SQL = {
    # the sub-funds' terms and names (every figure needs the commitment and investment period)
    "funds": "SELECT f.id, f.name, p.name, f.category, m.name, f.currency, f.size, f.investment_period_start, "
    "f.investment_period_end, f.licence_state FROM funds_fund f JOIN funds_fund p ON p.id = f.parent_id "
    "LEFT JOIN accounts_organization m ON m.id = f.manager_id ORDER BY f.parent_id, f.name",
    # every sum of the ledger, the last investment and NAV days per fund
    "totals": "SELECT q.fund_id, sum(q.called), sum(q.reserved), sum(q.deployed), sum(q.fees), "
    "sum(q.distributions), max(q.last_investment), max(q.last_nav) FROM funds_ledgerquarter q "
    "JOIN funds_fund f ON f.id = q.fund_id WHERE f.parent_id IS NOT NULL AND q.quarter <= %s GROUP BY q.fund_id",
    # the deployments per quarter (the pace chart)
    "pace": "SELECT q.quarter, f.currency, sum(q.deployed) FROM funds_ledgerquarter q JOIN funds_fund f "
    "ON f.id = q.fund_id WHERE f.parent_id IS NOT NULL AND q.quarter <= %s GROUP BY q.quarter, f.currency",
    # NAV and the cash reported with it, on each fund's last NAV day
    "navs": "SELECT d.fund_id, d.nav, d.cash FROM funds_ledgerday d JOIN unnest(%s::bigint[], %s::date[]) "
    "AS l(fund_id, day) ON l.fund_id = d.fund_id AND l.day = d.date",
    "investors": "SELECT i.fund_id, i.days, i.amounts FROM funds_investorflows i JOIN funds_fund f "
    "ON f.id = i.fund_id WHERE f.parent_id IS NOT NULL",
    # the management fees by day (the gross IRR adds them back), packed per fund
    "fees": "SELECT d.fund_id, string_agg(int4send(d.date - DATE '0001-01-01' + 1), ''::bytea), "
    "string_agg(float8send(d.fees::float8), ''::bytea) FROM funds_ledgerday d JOIN funds_fund f "
    "ON f.id = d.fund_id WHERE f.parent_id IS NOT NULL AND d.date <= %s AND d.fees <> 0 GROUP BY d.fund_id",
}


def _report_floor():
    """What any design over these summaries must do: the report's reads by SQL (the sub-funds' terms, the ledger's
    quarter sums per fund and per quarter, the last NAV days, the investors' packed flows, the fees by day) and the
    XIRR of every fund, net (the investors' flows and the NAV) and gross (the fees added back)."""
    import numpy as np

    from funds.metrics import xirr_many

    end = PERIOD[1]
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL["funds"])
        cursor.fetchall()
        cursor.execute(FLOOR_SQL["totals"], [end])
        last_nav = {row[0]: row[7] for row in cursor.fetchall() if row[7]}
        cursor.execute(FLOOR_SQL["pace"], [end])
        cursor.fetchall()
        cursor.execute(FLOOR_SQL["navs"], [list(last_nav), list(last_nav.values())])
        navs = {fund_id: nav for fund_id, nav, _cash in cursor.fetchall()}
        cursor.execute(FLOOR_SQL["investors"])
        investors = cursor.fetchall()
        cursor.execute(FLOOR_SQL["fees"], [end])
        fees = {fund_id: (np.frombuffer(d, ">i4"), np.frombuffer(a, ">f8")) for fund_id, d, a in cursor}
    net, gross = [], []
    for fund_id, days, amounts in investors:
        days, amounts = np.frombuffer(days, dtype=np.int64), np.frombuffer(amounts, dtype=np.float64)
        until = days <= end.toordinal()
        days, amounts = days[until], amounts[until]
        if navs.get(fund_id) is not None:  # the latest NAV, as if received at the period end
            days, amounts = np.append(days, end.toordinal()), np.append(amounts, float(navs[fund_id]))
        fee_days, fee_amounts = fees.get(fund_id, (days[:0], amounts[:0]))
        net.append((days, amounts))
        gross.append((np.append(days, fee_days), np.append(amounts, fee_amounts)))
    return xirr_many(net + gross)


def _report_from_entries():
    """The same totals and IRRs computed from the entries (design A, no summaries): what the summaries buy."""
    import numpy as np

    from funds.metrics import xirr_many

    end = PERIOD[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fund_id, kind, sum(amount) FROM funds_cashflow WHERE date <= %s AND validation <> 'rejected' "
            "GROUP BY fund_id, kind",
            [end],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT fund_id, date, sum(CASE kind WHEN 'call' THEN -amount ELSE amount END) FROM funds_cashflow "
            "WHERE date <= %s AND validation <> 'rejected' AND kind IN ('call', 'distribution') "
            "GROUP BY fund_id, date ORDER BY fund_id, date",
            [end],
        )
        flows = {}
        for fund_id, day, amount in cursor.fetchall():
            flows.setdefault(fund_id, ([], []))
            flows[fund_id][0].append(day.toordinal())
            flows[fund_id][1].append(float(amount))
    return xirr_many([(np.array(d, dtype=np.int64), np.array(a)) for d, a in flows.values()])


def fund_report(repeat):
    from funds.reports import build

    def report():
        return build("all", *PERIOD)

    return {
        "fund_report": compared(report, _report_floor, repeat, ("<=", 1.5)),
        # printed only, and 2 s a time at 1x: a third of the repetitions
        "fund_report_from_entries": compared(_report_from_entries, report, max(3, repeat // 3)),
    }


# -- ledger writes ----------------------------------------------------------------------------------------------


def _fund():
    from funds.models import Fund

    return Fund.objects.filter(parent__isnull=False).order_by("pk").first()


def _entry(fund):
    from funds.services import cash_flow_record

    with transaction.atomic():
        cash_flow_record(fund=fund, actor=None, kind="call", date=date(2025, 5, 2), amount=Decimal(1_000_000))
        transaction.set_rollback(True)


def _plain(fund):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO funds_cashflow (fund_id, kind, date, amount, description, validation, created_at) "
            "VALUES (%s, 'call', '2025-05-02', 1000000, '', 'validated', now())",
            [fund.pk],
        )
        transaction.set_rollback(True)


def _writers(write, fund, writers=8, each=10):
    """Wall seconds per entry of ``writers`` threads writing ``each`` entries to the same fund at once."""

    def work():
        try:
            for _ in range(each):
                write(fund)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    started = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return (time.perf_counter() - started) / (writers * each)


def ledger(repeat):
    fund = _fund()
    one = compared(lambda: _entry(fund), lambda: _plain(fund), repeat * 3, ("<=", 5))
    many = [(_writers(_entry, fund), _writers(_plain, fund)) for _ in range(3)]
    spent, floor = statistics.median(m[0] for m in many), statistics.median(m[1] for m in many)
    return {
        "ledger_entry": one,
        "ledger_8_writers": {"s": spent, "baseline_s": floor, "ratio": spent / floor, "target": ("<=", 5)},
    }


# -- pages ------------------------------------------------------------------------------------------------------


def _client(email):
    from accounts.mfa import session_mark_passed_mfa
    from accounts.models import User

    user = User.objects.get(email=email)
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    session = client.session
    session_mark_passed_mfa(session, user)  # a staff session has passed the TOTP step (accounts.middleware)
    session.save()
    return client


def _ok(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


def _queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def pages(repeat):
    officer, applicant = _client("officer@bench.example"), _client("applicant@bench.example")
    with override_settings(ROOT_URLCONF="bench.urls"):
        queue = _ok(officer, "/casework/?page=1")
        search = _ok(officer, "/casework/?q=Company+12")
        api = _ok(applicant, "/api/v1/applications/?page_size=50")
        rows = len(json.loads(api().content)["results"])
        return {
            "queue_page": compared(
                queue, _ok(officer, "/bench/queue-baseline/"), repeat, ("<=", 1.5), queries=_queries(queue)
            ),
            "applications_api": compared(
                api,
                _ok(applicant, "/bench/api-baseline/"),
                repeat,
                ("<=", 1.5),
                queries=_queries(api),
                rows=rows,
            ),
            "queue_search": compared(search, queue, repeat, ("<=", 2), queries=_queries(search)),
        }


# -- program dashboard ------------------------------------------------------------------------------------------


def _dashboard_sql():
    """The stored dashboard's own SQL, run bare: its grouped facts and its companies financed (the period's financed
    cases whose company's previous financed case is in an earlier month: the period starts on the 1st, so the
    dashboard reads no exact previous days)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT measure, program_id, key, sum(n), sum(a), sum(b) FROM dashboards_dashboardfact "
            "WHERE day BETWEEN %s AND %s GROUP BY measure, program_id, key",
            DASHBOARD_PERIOD,
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT sum(n), sum(n) FILTER (WHERE low) FROM dashboards_companymonthfact "
            "WHERE day BETWEEN %s AND %s AND (previous IS NULL OR previous < %s)",
            [*DASHBOARD_PERIOD, DASHBOARD_PERIOD[0]],
        )
        cursor.fetchall()


def dashboard(repeat):
    from dashboards.program import build_dashboard

    # the target is the time (0.3 s at 10x); the ratio to its own SQL is printed: what the Python costs
    stored = compared(
        lambda: build_dashboard("all", *DASHBOARD_PERIOD, source="stored"), _dashboard_sql, repeat
    )
    stored["seconds_target"] = ("<=", 0.3)
    live = alone(lambda: build_dashboard("all", *DASHBOARD_PERIOD, source="live"), max(1, repeat // 3))
    return {"dashboard_stored": stored, "dashboard_live": live}


# -- nightly jobs -----------------------------------------------------------------------------------------------


JOB_QUERY_LIMIT = 500


class TooManyQueries(Exception):
    pass


def _job(task, prepare=None):
    """``task`` run once, its writes rolled back (the data stays as generated): its seconds and queries, and those of
    what its commit sets off (the on-commit callbacks: audit announcements, webhook events), run in the same
    transaction before it is rolled back. ``prepare`` runs first, neither timed nor counted. A job that passes
    JOB_QUERY_LIMIT queries is stopped there (its count grows with the data: None for its seconds)."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        if len(executed) > JOB_QUERY_LIMIT:
            raise TooManyQueries
        return execute(sql, params, many, context)

    job = after = (None, None)
    with transaction.atomic():
        if prepare:
            prepare()
        with connection.execute_wrapper(count):
            try:
                job = _timed(task, executed)
                executed.clear()
                after = _timed(_run_on_commit, executed)
            except TooManyQueries:
                if job[0] is None:
                    job = (None, len(executed))
                else:
                    after = (None, len(executed))
        transaction.set_rollback(True)
    return job, after


def _timed(fn, executed):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started, len(executed)


def _run_on_commit():
    """What the transaction's commit would run, run now (the transaction is then rolled back)."""
    callbacks, connection.run_on_commit = connection.run_on_commit, []
    for _savepoints, callback, _robust in callbacks:
        callback()


BEHIND_ONE_IN = 50


def _usual_night():
    """The portfolio as a night usually finds it: every facility paid to date but one in BEHIND_ONE_IN (2 %). The
    generated data leave every loan unpaid from its sixth instalment (June 2025), so on the generated data alone
    the job defaults every loan at once: that worst night is measured too (``job_dpd_every_loan``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE facilities_installment SET paid_principal = principal, paid_interest = interest "
            "WHERE due_date <= %s AND facility_id %% %s <> 0",
            [date.today(), BEHIND_ONE_IN],
        )


def jobs(repeat):
    from django.urls import get_resolver

    from casework.tasks import send_overdue_digest
    from facilities.models import Facility
    from facilities.tasks import update_days_past_due
    from reporting.tasks import sweep_report_runs

    get_resolver().url_patterns  # noqa: B018  a worker imports the URL modules once, not every night
    facilities = Facility.objects.count()
    rows = {}
    for name, task, prepare, target in [
        ("dpd", update_days_past_due, _usual_night, ("<=", 2.0)),
        ("dpd_every_loan", update_days_past_due, None, None),
        ("digest", send_overdue_digest, None, None),
        ("sweeper", sweep_report_runs, None, None),
    ]:
        (spent, queries), (after_s, after_queries) = _job(task, prepare)  # once a pass (seconds at 1x)
        rows[f"job_{name}"] = {
            "s": spent,
            "queries": f"> {JOB_QUERY_LIMIT} (stopped)" if spent is None else queries,
            "after_commit_s": after_s,
            "after_commit_queries": f"> {JOB_QUERY_LIMIT} (stopped)" if after_s is None else after_queries,
            "facilities": facilities,
            "seconds_target": target,
            "target": None,
        }
    return rows


# -- downloads --------------------------------------------------------------------------------------------------


def stored_report():
    """A stored utilisation report with its PDF and XLSX rendered (as the worker does), made once."""
    from reporting.models import Report, ReportFile
    from reporting.services import report_files_render, report_generate, report_request

    report = Report.objects.filter(kind="fund_utilisation", scope="all", period_end=PERIOD[1]).first()
    if report is None:
        run = report_request(
            kind="fund_utilisation", scope="all", period_start=PERIOD[0], period_end=PERIOD[1]
        )
        report_generate(run_id=run.pk)
        report = Report.objects.get(kind="fund_utilisation", scope="all", period_end=PERIOD[1])
    files = ReportFile.objects.filter(report=report)
    if not all(f.file.storage.exists(f.file.name) for f in files):  # stored under another checkout's var/
        files.delete()
    if not files.exists():
        report_files_render(report=report)
    return report


def downloads(repeat):
    from bench.urls import BLOB

    report = stored_report()
    official = _client("official@bench.example")
    rows = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for fmt in ("pdf", "xlsx"):
            download = _ok(official, f"/reporting/{report.pk}/download.{fmt}")
            size = len(download().content)
            with open(BLOB, "wb") as blob:
                blob.write(b"x" * size)
            rows[f"download_{fmt}"] = compared(
                download, _ok(official, "/bench/file-baseline/"), repeat, ("<=", 2), bytes=size
            )
    return rows
