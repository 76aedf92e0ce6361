from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from audit.services import audit_record
from casework.models import Decision
from programs.dashboard import build_dashboard, percentile, projection
from programs.models import Program
from reporting.models import ExchangeRate
from tests.factories import ApplicationFactory, ProgramFactory, make_user

pytestmark = pytest.mark.django_db
START, END = date(2026, 1, 1), date(2026, 6, 30)


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 0.9) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([7], 0.5) == 7


def test_the_projection_extends_the_pace_on_a_straight_line():
    # 181 days into 2026 (to 30 June), 10.0 disbursed: 10 × 365 / 181 = 20.17 -> short of 25, beyond 20
    result = projection(Decimal("10000"), date(2026, 1, 1), date(2026, 6, 30), Decimal("25000"))
    assert result["projected"] == Decimal("20166") and result["meets_target"] is False
    assert projection(Decimal("10000"), date(2026, 1, 1), date(2026, 6, 30), Decimal("20000"))["meets_target"]


def _case(program, *, submitted, decided=None, status="submitted", stages=(), amount="100", grade="BB", employees=40):
    application = ApplicationFactory(program=program, status=status, reference=f"R-{ApplicationFactory._meta.model.objects.count()}",
                                     requested_amount=Decimal(amount), approved_amount=Decimal(amount) if status == "approved" else None,
                                     company__credit_grade=grade, company__employees=employees)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=datetime.combine(submitted, datetime.min.time(), tzinfo=UTC),
        decided_at=datetime.combine(decided, datetime.min.time(), tzinfo=UTC) if decided else None)
    for stage in ("submit", *stages):
        audit_record(actor=None, action=f"application.{stage}", target=application)
    return application


@pytest.fixture
def two_programs():
    krw = ProgramFactory(code="KR1", currency="KRW", annual_volume_target=Decimal("1000000"), country="KR",
                         service_levels={"screening": 10, "credit_review": 10})
    gbp = ProgramFactory(code="GB1", currency="GBP", annual_volume_target=Decimal("100"), country="GB")
    ExchangeRate.objects.create(currency="GBP", quote_currency="KRW", rate=Decimal("1800"), as_of=date(2026, 1, 1))
    return krw, gbp


def test_funnel_speed_reach_and_conversion_against_hand_computed_values(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, gbp = two_programs
    full = ["start_screening", "start_credit_review", "recommend", "approve"]
    _case(krw, submitted=date(2026, 2, 1), decided=date(2026, 2, 11), status="approved", stages=full, amount="500",
          grade="B")
    _case(krw, submitted=date(2026, 2, 1), decided=date(2026, 3, 3), status="approved", stages=full, amount="300",
          grade="A", employees=400)
    rejected = _case(krw, submitted=date(2026, 3, 1), decided=date(2026, 3, 5), status="rejected",
                     stages=["start_screening", "reject"])
    Decision.objects.create(application=rejected, decided_by=make_user("approver"), outcome="rejected",
                            reason_code="R30")
    _case(gbp, submitted=date(2026, 4, 1), stages=["start_screening"])
    ApplicationFactory(program=krw)  # a draft created today: outside the period
    title, data = build_dashboard("all", START, END)
    funnel = data["figures"]["funnel"]
    assert funnel == {"drafts": 4, "submitted": 4, "screened": 4, "valued": 2, "recommended": 2, "approved": 2,
                      "disbursed": 0}
    assert data["tables"][0]["rows"][3] == ["valued", 2, "0.5000"]
    assert data["tables"][1]["rows"] == [["R30", 1]]
    # days to decision: 10, 30, 4 -> median 10, p90 30
    assert (data["figures"]["median_days_to_decision"], data["figures"]["p90_days_to_decision"]) == (10, 30)
    # service level of KR1 = 20 days: 10 and 4 within, 30 not -> 2 of 3
    assert {"label": "Decided within the service level", "value": "67%"} in data["headline"]
    assert {"label": "Companies financed (share with low credit grades)", "value": "2 (50%)"} in data["headline"]
    # targets converted: 1,000,000 KRW + 100 GBP × 1,800
    assert Decimal(data["figures"]["projection"]["target"]) == 1180000
    assert data["rates"] == [{"currency": "GBP", "to": "KRW", "rate": "1800.0000000000", "as_of": "2026-01-01"}]


def test_a_single_program_scope_needs_no_rate(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, _gbp = two_programs
    _case(krw, submitted=date(2026, 2, 1))
    title, data = build_dashboard("program:KR1", START, END)
    assert data["rates"] == [] and data["figures"]["funnel"]["submitted"] == 1


def test_the_dashboard_query_count_does_not_grow_with_the_number_of_cases(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, gbp = two_programs
    _case(krw, submitted=date(2026, 2, 1), decided=date(2026, 2, 5), status="approved",
          stages=["start_screening", "approve"])
    with CaptureQueriesContext(connection) as one:
        build_dashboard("all", START, END)
    for n in range(20):
        _case(krw if n % 2 else gbp, submitted=date(2026, 2, 1) + timedelta(days=n), decided=date(2026, 3, 1),
              status="approved", stages=["start_screening", "approve"])
    with CaptureQueriesContext(connection) as many:
        build_dashboard("all", START, END)
    assert len(one) == len(many)


def test_officials_read_the_dashboard_and_download_it(client, official, two_programs):
    client.force_login(official)
    page = client.get("/programs/dashboard/?scope=all&start=2026-01-01&end=2026-06-30")
    assert page.status_code == 200 and "Pipeline" in page.content.decode()
    xlsx = client.get("/programs/dashboard.xlsx?scope=all&start=2026-01-01&end=2026-06-30")
    pdf = client.get("/programs/dashboard.pdf?scope=all&start=2026-01-01&end=2026-06-30")
    assert xlsx.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.get("/programs/dashboard/?scope=all&start=2026-06-30&end=2026-01-01")
    assert bad.status_code == 200 and "ends before it starts" in bad.content.decode()


def test_the_dashboard_is_not_for_applicants_or_banks(client, applicant, lender):
    for user in (applicant, lender):
        client.force_login(user)
        assert client.get("/programs/dashboard/").status_code == 404


def test_the_monthly_program_report_is_a_snapshot_through_the_same_machinery(two_programs, settings,
                                                                           django_capture_on_commit_callbacks):
    from reporting.models import Report
    from reporting.services import reports_schedule

    settings.REPORTING_CURRENCY = "KRW"
    with django_capture_on_commit_callbacks(execute=True):
        runs = reports_schedule(kind="program_dashboard", frequency="monthly", today=date(2026, 7, 2))
    assert len(runs) == 1 + Program.objects.count()
    assert Report.objects.filter(kind="program_dashboard").count() == len(runs)


def test_days_per_stage_and_loan_sizes():
    from datetime import datetime as dt

    from programs.dashboard import loan_size_buckets, stage_durations

    moves = {1: [(dt(2026, 1, 1), "submitted"), (dt(2026, 1, 2), "screening"), (dt(2026, 1, 9), "valuation"),
                 (dt(2026, 1, 19), "credit_review"), (dt(2026, 1, 22), "recommended"), (dt(2026, 1, 23), "approved")],
             2: [(dt(2026, 2, 1), "submitted"), (dt(2026, 2, 1), "screening"), (dt(2026, 2, 4), "rejected")]}
    assert dict(stage_durations(moves)) == {"screening": [7, 3], "valuation": [10], "credit_review": [3],
                                            "recommended": [1]}
    assert loan_size_buckets([Decimal("250000"), Decimal("900000"), Decimal("12000000"), Decimal("0")]) == [
        ("100,000 – 1,000,000", 2), ("10,000,000 – 100,000,000", 1)]
