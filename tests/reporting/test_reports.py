import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from config.celery import app as celery_app
from core.errors import Conflict, InvalidInput
from funds import services as fund_services
from reporting import services
from reporting.models import ExchangeRate, Report, ReportRun, RunStatus
from reporting.money import convert
from tests.funds.factories import (
    REPORT_QUARTER,
    fund_with_ledger,
    mother_fund,
    request_fund_report,
    sub_fund_fields,
)

pytestmark = pytest.mark.django_db
Q_START, Q_END = REPORT_QUARTER


@pytest.fixture
def funds_data():
    return fund_with_ledger()


_request = request_fund_report


def test_a_report_snapshots_the_figures_and_flags_at_the_period_end(
    funds_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = _request()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    report = run.report
    totals = report.data["totals"]
    assert (totals["committed"], totals["deployed"], totals["reserved"], totals["idle"]) == (
        "400",
        "120",
        "40",
        "240",
    )
    lines = {line[0]: line[1] for line in report.data["reconciliation"]["rows"]}
    assert (lines["rec.declared_size"], lines["rec.not_allocated"], lines["rec.unexplained"]) == (
        "1000",
        "600",
        "0",
    )
    flags = {f["code"] for f in report.data["flags"]}
    assert {"flag.behind_pace", "flag.no_investment", "flag.loss"} <= flags
    assert report.data["tables"][2]["rows"][0][0] == "Global Content"


def test_the_same_period_twice_leaves_one_report(funds_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, second = _request(), _request()
    first.refresh_from_db()
    second.refresh_from_db()
    assert Report.objects.count() == 1
    assert second.status == RunStatus.DONE and second.report_id == first.report_id


def test_running_the_task_twice_for_one_run_is_harmless(funds_data):
    run = ReportRun.objects.create(
        kind="fund_utilisation", scope="all", period_start=Q_START, period_end=Q_END, queued_at=timezone.now()
    )
    first = services.report_generate(run_id=run.pk)
    second = services.report_generate(run_id=run.pk)
    assert first == second and Report.objects.count() == 1


def test_a_lost_run_is_requeued_by_the_sweeper_and_completes(funds_data, django_capture_on_commit_callbacks):
    """Queued runs are re-queued after QUEUE_LOST_AFTER (their message may be lost), running ones after STUCK_AFTER."""
    fields = {"kind": "fund_utilisation", "scope": "all", "period_start": Q_START, "period_end": Q_END}
    with freeze_time("2026-01-10 10:00:00"):
        running = ReportRun.objects.create(
            **fields,
            queued_at=timezone.now(),
            started_at=timezone.now(),
            status=RunStatus.RUNNING,
            attempts=1,
        )
        queued = ReportRun.objects.create(**fields, queued_at=timezone.now())
    with freeze_time("2026-01-10 10:00:30"):
        assert services.report_runs_sweep() == 0  # neither lost yet
    with freeze_time("2026-01-10 10:01:00"):
        assert services.report_runs_sweep() == 1  # the queued one; the running one may still be working
    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING
    with freeze_time("2026-01-10 10:30:00"), django_capture_on_commit_callbacks(execute=True):
        assert services.report_runs_sweep() == 2
    for run in (running, queued):
        run.refresh_from_db()
        assert run.status == RunStatus.DONE and run.report is not None


def test_a_duplicate_message_does_not_build_a_run_another_worker_is_building(funds_data):
    fields = {"kind": "fund_utilisation", "scope": "all", "period_start": Q_START, "period_end": Q_END}
    building = ReportRun.objects.create(
        **fields, queued_at=timezone.now(), started_at=timezone.now(), status=RunStatus.RUNNING, attempts=1
    )
    assert services.report_generate(run_id=building.pk) is None
    building.refresh_from_db()
    assert building.attempts == 1 and not Report.objects.exists()


def test_a_run_whose_last_attempt_died_is_failed_not_left_running(funds_data):
    fields = {"kind": "fund_utilisation", "scope": "all", "period_start": Q_START, "period_end": Q_END}
    with freeze_time("2026-01-10 10:00:00"):
        exhausted = ReportRun.objects.create(
            **fields,
            queued_at=timezone.now(),
            started_at=timezone.now(),
            status=RunStatus.RUNNING,
            attempts=services.MAX_ATTEMPTS,
        )
    with freeze_time("2026-01-10 10:30:00"):
        assert services.report_runs_sweep() == 0
    exhausted.refresh_from_db()
    assert exhausted.status == RunStatus.FAILED and "lost" in exhausted.error


def test_periods_that_have_not_ended_are_refused(funds_data):
    with pytest.raises(InvalidInput):
        services.report_request(
            kind="fund_utilisation",
            scope="all",
            period_start=timezone.localdate(),
            period_end=timezone.localdate() + timedelta(days=30),
        )


def test_the_beat_task_requests_every_scope_of_the_last_quarter(
    funds_data, django_capture_on_commit_callbacks
):
    mother, _fund = funds_data
    with django_capture_on_commit_callbacks(execute=True):
        runs = services.reports_schedule(
            kind="fund_utilisation", frequency="quarterly", today=date(2025, 7, 3)
        )
    assert sorted(r.scope for r in runs) == ["all", f"fund:{mother.pk}"]
    assert {(r.period_start, r.period_end) for r in runs} == {(Q_START, Q_END)}
    assert Report.objects.count() == 2


def test_officials_are_told_when_a_report_is_ready(
    funds_data, official, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _request()
    assert any(official.email in m.to and "Fund utilisation" in m.subject for m in mailoutbox)


def test_conversion_names_the_dated_rate_and_refuses_without_one():
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1700"), as_of=date(2025, 6, 1)
    )
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1800"), as_of=date(2025, 7, 1)
    )
    amount, row = convert(Decimal("2"), "GBP", "KRW", date(2025, 6, 30))
    assert amount == Decimal("3400") and row.as_of == date(2025, 6, 1)
    assert convert(Decimal("5"), "KRW", "KRW", date(2025, 6, 30)) == (Decimal("5"), None)
    with pytest.raises(Conflict):
        convert(Decimal("1"), "CNY", "KRW", date(2025, 6, 30))


def test_a_gbp_fund_is_converted_in_the_report_with_the_rate_named(
    funds_data, django_capture_on_commit_callbacks
):
    mother = mother_fund("1000", name="UK", currency="GBP")
    uk = fund_services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("10", name="UK fund"))
    fund_services.cash_flow_record(
        fund=uk, actor=None, kind="deploy", date=date(2024, 1, 1), amount=Decimal("2")
    )
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1750"), as_of=date(2025, 6, 30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = _request()
    run.refresh_from_db()
    data = run.report.data
    assert data["rates"] == [
        {"currency": "GBP", "to": "KRW", "rate": "1750.0000000000", "as_of": "2025-06-30"}
    ]
    assert data["totals"]["committed"] == str(400 + 10 * 1750)


def test_the_report_page_and_downloads(client, funds_data, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = _request()
    run.refresh_from_db()
    client.force_login(official)
    page = client.get(f"/reporting/{run.report_id}/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "Global Content" in body and "Flags" in body

    def main(html):
        return html[html.index("<main") : html.index("</main>")]

    assert main(client.get(f"/reporting/{run.report_id}/").content.decode()) == main(
        body
    )  # the body, from the cache
    client.cookies["django_language"] = "ko"
    korean = client.get(f"/reporting/{run.report_id}/").content.decode()
    assert '<h2 id="headline-h" class="h5">요약</h2>' in korean and "Global Content" in korean
    del client.cookies["django_language"]
    pdf = client.get(f"/reporting/{run.report_id}/download.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000
    xlsx = client.get(f"/reporting/{run.report_id}/download.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert "sub_funds" in workbook.sheetnames
    assert workbook["sub_funds"]["E3"].value == 400
    csv = client.get(f"/reporting/{run.report_id}/download.csv").content.decode("utf-8-sig")
    assert "Global Content" in csv and "FLAG" in csv


def test_reports_are_not_for_applicants_banks_or_fund_managers(
    client, funds_data, applicant, lender, fund_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = _request()
    run.refresh_from_db()
    for user in (applicant, lender, fund_manager):
        client.force_login(user)
        assert client.get(f"/reporting/{run.report_id}/").status_code == 404
        assert client.get(f"/reporting/{run.report_id}/download.pdf").status_code == 404
        assert client.get("/api/v1/reports/").status_code == 403


def test_staff_ask_for_a_report_on_demand_and_get_202(
    api_client, funds_data, official, django_capture_on_commit_callbacks
):
    from tests.factories import make_token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(official)}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/report-runs/",
            {
                "kind": "fund_utilisation",
                "scope": "all",
                "period_start": "2025-04-01",
                "period_end": "2025-06-30",
            },
            format="json",
        )
    assert response.status_code == 202
    run = api_client.get(f"/api/v1/report-runs/{response.json()['id']}/").json()
    assert run["status"] == "done" and run["report"]
    bad = api_client.post(
        "/api/v1/report-runs/",
        {
            "kind": "fund_utilisation",
            "scope": "../etc",
            "period_start": "2025-04-01",
            "period_end": "2025-06-30",
        },
        format="json",
    )
    assert bad.status_code == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_the_same_period_at_once_leave_one_report(funds_data):
    runs = [
        ReportRun.objects.create(
            kind="fund_utilisation",
            scope="all",
            period_start=Q_START,
            period_end=Q_END,
            queued_at=timezone.now(),
        )
        for _ in range(3)
    ]
    barrier, results = threading.Barrier(3), []

    def work(run):
        try:
            barrier.wait()
            results.append(services.report_generate(run_id=run.pk).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in runs]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert Report.objects.count() == 1 and len(set(results)) == 1
    assert set(ReportRun.objects.values_list("status", flat=True)) == {"done"}


@pytest.fixture
def real_queue():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_produces_the_report_through_redis(funds_data, real_queue):
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        run = _request()
        for _ in range(100):
            run.refresh_from_db()
            if run.status == RunStatus.DONE:
                break
            __import__("time").sleep(0.1)
    assert run.status == RunStatus.DONE and Report.objects.filter(pk=run.report_id).exists()


def test_a_stored_report_draws_its_charts_once_a_live_one_every_time(
    funds_data, django_capture_on_commit_callbacks
):
    from dashboards.portfolio import Snapshot
    from reporting.exports import chart_svgs

    with django_capture_on_commit_callbacks(execute=True):
        run = _request()
    report = Report.objects.get(pk=ReportRun.objects.get(pk=run.pk).report_id)
    drawn = chart_svgs(report)
    assert drawn and all("<svg" in c["svg"] for c in drawn)
    report.data["charts"][0]["title"] = (
        "Changed in memory only"  # a stored report never changes: the cache holds
    )
    assert chart_svgs(report) == drawn
    live = Snapshot(
        "Live",
        {"charts": [{"type": "bar", "title": "Now", "x": ["a"], "series": [{"name": "n", "values": [1]}]}]},
    )
    assert chart_svgs(live)[0]["title"] == "Now"
    live.data["charts"][0]["title"] = "Later"
    assert chart_svgs(live)[0]["title"] == "Later"
