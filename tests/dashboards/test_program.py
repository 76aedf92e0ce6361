from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications.models import TRANSITIONS, Application, StageSpan
from applications.services import stage_span_move
from casework.models import Decision
from dashboards.program import Spread, build_dashboard, percentile, projection
from programs.models import Program
from reporting import labels
from reporting.labels import rendered_table
from reporting.models import ExchangeRate
from tests.factories import ApplicationFactory, ProgramFactory, make_user

pytestmark = pytest.mark.django_db
START, END = date(2026, 1, 1), date(2026, 6, 30)


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 0.9) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([7], 0.5) == 7


def test_a_spread_of_counted_values_reads_as_the_values_written_out():
    """Median, nearest-rank percentiles and counts from (value, count) pairs equal those of the expanded list, for
    odd and even counts (the median of two middle values is their mean), repeated values and zero counts."""
    import random
    import statistics

    rng = random.Random(11)
    for trial in range(300):
        pairs = [(rng.randint(-5, 60), rng.choice([0, 1, 1, 2, 3, 7])) for _ in range(rng.randint(1, 12))]
        values = [value for value, count in pairs for _ in range(count)]
        spread = Spread(pairs)
        assert len(spread) == len(values), trial
        if not values:
            continue
        median = spread.median()
        assert (median, type(median)) == (statistics.median(values), type(statistics.median(values))), trial
        for share in (0.1, 0.5, 0.9, 1):
            assert spread.percentile(share) == percentile(values, share), (trial, share)
        for limit in (-6, 0, 10, 59, 60):
            assert spread.at_most(limit) == sum(value <= limit for value in values), (trial, limit)


def test_the_projection_extends_the_pace_on_a_straight_line():
    # 181 days into 2026 (to 30 June), 10.0 disbursed: 10 × 365 / 181 = 20.17 -> short of 25, beyond 20
    result = projection(Decimal("10000"), date(2026, 1, 1), date(2026, 6, 30), Decimal("25000"))
    assert result["projected"] == Decimal("20166") and result["meets_target"] is False
    assert projection(Decimal("10000"), date(2026, 1, 1), date(2026, 6, 30), Decimal("20000"))["meets_target"]


TRANSITION_TARGET = {move.action: move.target for move in TRANSITIONS}


def _case(
    program,
    *,
    submitted,
    decided=None,
    status="submitted",
    stages=(),
    amount="100",
    grade="BB",
    employees=40,
    company=None,
):
    """A case of ``program``; of a new company with ``grade`` and ``employees`` unless ``company`` is given."""
    of_company = (
        {"company": company} if company else {"company__credit_grade": grade, "company__employees": employees}
    )
    application = ApplicationFactory(
        program=program,
        status=status,
        reference=f"R-{ApplicationFactory._meta.model.objects.count()}",
        requested_amount=Decimal(amount),
        approved_amount=Decimal(amount) if status == "approved" else None,
        **of_company,
    )
    Application.objects.filter(pk=application.pk).update(
        submitted_at=datetime.combine(submitted, datetime.min.time(), tzinfo=UTC),
        decided_at=datetime.combine(decided, datetime.min.time(), tzinfo=UTC) if decided else None,
    )
    at = datetime.combine(submitted, datetime.min.time(), tzinfo=UTC)
    for action in (
        "submit",
        *stages,
    ):  # the stays a case moved by these actions records (as application_transition)
        stage_span_move(application=application, stage=TRANSITION_TARGET[action], at=at)
        at += timedelta(days=1)
    return application


@pytest.fixture
def two_programs():
    krw = ProgramFactory(
        code="KR1",
        currency="KRW",
        annual_volume_target=Decimal("1000000"),
        country="KR",
        service_levels={"screening": 10, "credit_review": 10},
    )
    gbp = ProgramFactory(code="GB1", currency="GBP", annual_volume_target=Decimal("100"), country="GB")
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1800"), as_of=date(2026, 1, 1)
    )
    return krw, gbp


def test_funnel_speed_reach_and_conversion_against_hand_computed_values(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, gbp = two_programs
    full = ["start_screening", "start_credit_review", "recommend", "approve"]
    _case(
        krw,
        submitted=date(2026, 2, 1),
        decided=date(2026, 2, 11),
        status="approved",
        stages=full,
        amount="500",
        grade="B",
    )
    _case(
        krw,
        submitted=date(2026, 2, 1),
        decided=date(2026, 3, 3),
        status="approved",
        stages=full,
        amount="300",
        grade="A",
        employees=400,
    )
    rejected = _case(
        krw,
        submitted=date(2026, 3, 1),
        decided=date(2026, 3, 5),
        status="rejected",
        stages=["start_screening", "reject"],
    )
    Decision.objects.create(
        application=rejected, decided_by=make_user("approver"), outcome="rejected", reason_code="R30"
    )
    _case(gbp, submitted=date(2026, 4, 1), stages=["start_screening"])
    ApplicationFactory(program=krw)  # a draft created today: outside the period
    title, data = build_dashboard("all", START, END)
    funnel = data["figures"]["funnel"]
    assert funnel == {
        "drafts": 4,
        "submitted": 4,
        "screened": 4,
        "valued": 2,
        "recommended": 2,
        "approved": 2,
        "disbursed": 0,
    }
    assert data["tables"][0]["rows"][3] == ["valued", 2, "0.5000"]
    assert data["tables"][1]["rows"] == [["R30", 1]]
    # days to decision: 10, 30, 4 -> median 10, p90 30
    assert (data["figures"]["median_days_to_decision"], data["figures"]["p90_days_to_decision"]) == (10, 30)
    # service level of KR1 = 20 days: 10 and 4 within, 30 not -> 2 of 3
    assert {"label": "Decided within the service level", "value": "67%"} in data["headline"]
    assert {"label": "Companies financed (share with low credit grades)", "value": "2 (50%)"} in data[
        "headline"
    ]
    # targets converted: 1,000,000 KRW + 100 GBP × 1,800
    assert Decimal(data["figures"]["projection"]["target"]) == 1180000
    assert data["rates"] == [
        {"currency": "GBP", "to": "KRW", "rate": "1800.0000000000", "as_of": "2026-01-01"}
    ]


def test_a_single_program_scope_needs_no_rate(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, _gbp = two_programs
    _case(krw, submitted=date(2026, 2, 1))
    title, data = build_dashboard("program:KR1", START, END)
    assert data["rates"] == [] and data["figures"]["funnel"]["submitted"] == 1


def test_the_dashboard_query_count_does_not_grow_with_the_number_of_cases(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    krw, gbp = two_programs
    _case(
        krw,
        submitted=date(2026, 2, 1),
        decided=date(2026, 2, 5),
        status="approved",
        stages=["start_screening", "approve"],
    )
    with CaptureQueriesContext(connection) as one:
        build_dashboard("all", START, END)
    for n in range(20):
        _case(
            krw if n % 2 else gbp,
            submitted=date(2026, 2, 1) + timedelta(days=n),
            decided=date(2026, 3, 1),
            status="approved",
            stages=["start_screening", "approve"],
        )
    with CaptureQueriesContext(connection) as many:
        build_dashboard("all", START, END)
    assert len(one) == len(many)


def test_officials_read_the_dashboard_and_download_it(client, official, two_programs):
    client.force_login(official)
    page = client.get("/dashboards/programs/?scope=all&start=2026-01-01&end=2026-06-30")
    assert page.status_code == 200 and "Pipeline" in page.content.decode()
    xlsx = client.get("/dashboards/programs.xlsx?scope=all&start=2026-01-01&end=2026-06-30")
    pdf = client.get("/dashboards/programs.pdf?scope=all&start=2026-01-01&end=2026-06-30")
    assert xlsx.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.get("/dashboards/programs/?scope=all&start=2026-06-30&end=2026-01-01")
    assert bad.status_code == 200 and "ends before it starts" in bad.content.decode()
    edge = client.get("/dashboards/programs/?scope=all&start=2026-01-01&end=9999-12-31")
    assert edge.status_code == 200 and "Choose a date between 1900 and 2999" in edge.content.decode()
    assert 'value="2026-01-01"' in edge.content.decode()  # what was typed stays
    assert (
        client.get("/dashboards/programs.xlsx?scope=all&start=0001-01-01&end=2026-06-30").status_code == 400
    )


def test_the_dashboard_is_not_for_applicants_or_banks(client, applicant, lender):
    for user in (applicant, lender):
        client.force_login(user)
        assert client.get("/dashboards/programs/").status_code == 404


def test_the_monthly_program_report_is_a_snapshot_through_the_same_machinery(
    two_programs, settings, django_capture_on_commit_callbacks
):
    from reporting.models import Report
    from reporting.services import reports_schedule

    settings.REPORTING_CURRENCY = "KRW"
    with django_capture_on_commit_callbacks(execute=True):
        runs = reports_schedule(kind="program_dashboard", frequency="monthly", today=date(2026, 7, 2))
    assert len(runs) == 1 + Program.objects.count()
    assert Report.objects.filter(kind="program_dashboard").count() == len(runs)


def test_days_per_stage_come_from_each_case_s_moves(two_programs, settings):
    """Time in a stage = until the case's next move, in whole days. Case 1: screening 7 days, valuation 10, credit
    review 2 days 22 hours = 2, recommended 1; case 2: screening 3, then rejected. KR1's service levels: screening 10,
    credit review 10."""
    settings.REPORTING_CURRENCY = "KRW"
    krw, _gbp = two_programs
    moves = {
        _case(krw, submitted=date(2026, 1, 1)): [
            ("2026-01-01 09:00", "submitted"),
            ("2026-01-02 10:00", "screening"),
            ("2026-01-09 10:00", "valuation"),
            ("2026-01-19 11:00", "credit_review"),
            ("2026-01-22 09:00", "recommended"),
            ("2026-01-23 09:00", "approved"),
        ],
        _case(krw, submitted=date(2026, 2, 1)): [
            ("2026-02-01 09:00", "submitted"),
            ("2026-02-01 09:30", "screening"),
            ("2026-02-04 09:30", "rejected"),
        ],
    }
    StageSpan.objects.all().delete()  # the moves below, not _case's
    for case, steps in moves.items():
        for at, state in steps:
            stage_span_move(application=case, stage=state, at=datetime.fromisoformat(at).replace(tzinfo=UTC))
    _title, data = build_dashboard("program:KR1", START, END)
    stages = next(t for t in data["tables"] if t["key"] == "stages")["rows"]
    assert stages == [
        ["credit_review", 2, 2, "10", "1.0000", 1],
        ["recommended", 1, 1, None, None, 1],
        ["screening", 5.0, 7, "10", "1.0000", 2],
        ["valuation", 10, 10, None, None, 1],
    ]


def test_loan_sizes_by_order_of_magnitude():
    from dashboards.program import loan_size_buckets

    assert loan_size_buckets(
        [(Decimal("250000"), 1), (Decimal("900000"), 1), (Decimal("12000000"), 1), (Decimal("0"), 2)]
    ) == [("100,000 – 1,000,000", 2), ("10,000,000 – 100,000,000", 1)]


def _facility(case, *, principal, disbursed_on, subsidy, lender, defaulted_on=None, exposure=None):
    from facilities.models import Facility

    return Facility.objects.create(
        application=case,
        lender=lender,
        kind="ip_guaranteed_loan",
        currency="KRW",
        principal=Decimal(principal),
        base_rate=Decimal("0.05"),
        subsidised_rate=Decimal("0.03"),
        term_months=12,
        schedule_type="equal_principal",
        status="defaulted" if defaulted_on else "active",
        disbursed_on=disbursed_on,
        interest_subsidy=Decimal(subsidy),
        defaulted_on=defaulted_on,
        exposure_at_default=Decimal(exposure) if exposure else None,
    )


def test_volume_cost_and_quality_against_hand_computed_values(two_programs, settings):
    """Two KRW loans: 1,000 disbursed 10 March (defaults with 600 exposed, agency paid a 480 claim, the auction
    brought 300 of which 200 to the agency; its valuation was graded A and cost the agency 30) and 500 disbursed
    2 April, graded nothing. By hand: lending 1,500; YTD 1,500; interest subsidies 50 + 20 = 70; public money
    30 + 70 + 480 − 200 = 380, leverage 1,500 ÷ 380 = 3.9; grade A: 1 loan, 1 default, recovery 300 ÷ 600 = 0.5."""
    from recoveries.models import Claim, Disposal
    from tests.factories import OrganizationFactory
    from valuations.models import ValuationOrder, ValuationReport

    settings.REPORTING_CURRENCY = "KRW"
    krw, _gbp = two_programs
    bank, officer = OrganizationFactory(kind="lender"), make_user("case_officer")
    first = _case(krw, submitted=date(2026, 2, 1), decided=date(2026, 3, 1), status="approved", amount="1000")
    second = _case(
        krw, submitted=date(2026, 2, 20), decided=date(2026, 3, 20), status="approved", amount="500"
    )
    defaulted = _facility(
        first,
        principal="1000",
        disbursed_on=date(2026, 3, 10),
        subsidy="50",
        lender=bank,
        defaulted_on=date(2026, 6, 1),
        exposure="600",
    )
    _facility(second, principal="500", disbursed_on=date(2026, 4, 2), subsidy="20", lender=bank)
    Claim.objects.create(
        facility=defaulted,
        filed_by=officer,
        amount_claimed=Decimal("480"),
        status="paid",
        amount_paid=Decimal("480"),
    )
    Disposal.objects.create(
        facility=defaulted,
        channel="auction",
        status="closed",
        proceeds=Decimal("300"),
        agency_share=Decimal("200"),
        bank_share=Decimal("100"),
        created_by=officer,
    )
    order = ValuationOrder.objects.create(
        application=first,
        valuer=OrganizationFactory(kind="valuer"),
        fee=40,
        subsidy=30,
        applicant_share=10,
        due_date=date(2026, 2, 20),
        status="accepted_by_agency",
        ordered_by=officer,
    )
    ValuationOrder.objects.filter(pk=order.pk).update(budget_drawn=True)
    ValuationReport.objects.create(
        order=order,
        version=1,
        currency="KRW",
        total_value=2000,
        total_low=1500,
        total_high=2500,
        assumptions="-",
        technology_grade="A",
        valid_until=date(2027, 1, 1),
        pdf_storage_name="x",
        pdf_original_name="x.pdf",
        submitted_by=officer,
    )
    _title, data = build_dashboard("program:KR1", START, END)
    tables = {t["key"]: t for t in data["tables"]}
    assert tables["volume"]["rows"] == [["2026-03", "1500", "1000", "1000"], ["2026-04", "0", "500", "1500"]]
    assert dict(tables["cost"]["rows"]) == {
        "valuation subsidies": "30",
        "interest subsidies": "70",
        "guarantee claims paid": "480",
        "recovered by the agency": "200",
        "net public money": "380",
        "lending mobilised": "1500",
    }
    assert {"label": "Lending mobilised per unit of public money", "value": "3.9"} in data["headline"]
    assert [row[1:] for row in tables["quality"]["rows"]] == [
        [1, 1, "1.0000", "0.5000"],
        [1, 0, "0.0000", None],
        [2, 1, "0.5000", "0.5000"],
    ]
    # the groups are codes with their value, put into words when read
    with translation.override("en"):
        assert [row[0][0] for row in rendered_table(tables["quality"])["rows"]] == [
            "grade A",
            "grade: not graded",
            "vintage 2026",
        ]
    assert data["figures"]["funnel"]["disbursed"] == 2 and data["figures"]["ytd"] == "1500"
    # submission -> disbursement: 37 and 41 days
    assert tables["speed"]["rows"][1] == ["submission → disbursement", 39.0, 41, 2]
    assert tables["loan_sizes"]["rows"] == [["100 – 1,000", 1], ["1,000 – 10,000", 1]]


def _seed_market():
    from programs.demo import seed_market

    seed_market()


def test_the_market_projection_against_hand_computed_values():
    from dashboards.program import market_projection
    from programs.demo import MARKET_VOLUMES

    volumes = [(start, end, Decimal(amount)) for start, end, amount, _source in MARKET_VOLUMES]
    T = Decimal("1000000000000")
    # Mid-2024: 2.64 + 2.28 + 2.64 + 1.70 + 0.80 = 10.06 T. The latest year of statistics = 2023 and H1 2024:
    # 2.5 T over 365 + 182 = 547 days; 914 days from 30 June 2024 to 31 December 2026:
    # 10.06 T + 2.5 T × 914 ÷ 547 = 14,237,330,895,795 (rounded) -> 71% of the 20 T target.
    mid_2024 = market_projection(volumes, 20 * T, date(2026, 12, 31), date(2024, 9, 30))
    assert mid_2024["cumulative"] == Decimal("10.06") * T and mid_2024["as_of"] == date(2024, 6, 30)
    assert mid_2024["projected"] == Decimal("14237330895795") and not mid_2024["meets_target"]
    assert mid_2024["share_of_target"] == Decimal("0.7119")
    # End of 2025: 13.56 T; the latest year is 2025 alone (2.3 T over 365 days) -> 13.56 + 2.3 = 15.86 T.
    end_2025 = market_projection(volumes, 20 * T, date(2026, 12, 31), date(2026, 10, 31))
    assert end_2025["cumulative"] == Decimal("13.56") * T and end_2025["projected"] == Decimal("15.86") * T
    assert end_2025["pace_per_year"] == Decimal("2.3") * T
    assert market_projection(volumes, 20 * T, date(2026, 12, 31), date(2019, 12, 31)) is None


def test_the_dashboard_draws_the_market_against_the_national_target(two_programs, settings):
    settings.REPORTING_CURRENCY = "KRW"
    _seed_market()
    _title, data = build_dashboard("country:KR", START, END)
    market = next(t for t in data["tables"] if t["key"].startswith("market_"))
    with translation.override("en"):
        assert [[text for text, _number in row] for row in rendered_table(market)["rows"][-2:]] == [
            [
                "2026-12-31",
                "15,860,000,000,000",
                "projected at 2,300,000,000,000 a year (the pace of the latest year)",
            ],
            ["2026-12-31", "20,000,000,000,000", "target"],
        ]
    chart = next(
        c for c in data["charts"] if c["title"] != "Pipeline" and c["title"]["code"] == "dash.market_chart"
    )
    assert chart["x"][-1] == "2026-12-31" and chart["series"][1]["values"][-2:] == [
        "13560000000000",
        "15860000000000",
    ]
    flag = next(f for f in data["flags"] if f["code"] == "flag.market_target")
    with translation.override("en"):
        assert "79%" in labels.text(flag) and "20,000,000,000,000 targeted" in labels.text(flag)
    # a program's scope is about the program, not the national market
    _title, program_only = build_dashboard("program:KR1", START, END)
    assert not any(t["key"].startswith("market_") for t in program_only["tables"])


def test_market_statistics_of_one_country_may_not_overlap():
    from django.core.exceptions import ValidationError

    from programs.models import MarketVolume

    MarketVolume.objects.create(
        country="KR",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        amount=Decimal("100"),
        currency="KRW",
    )
    half = MarketVolume(
        country="KR",
        period_start=date(2024, 7, 1),
        period_end=date(2024, 12, 31),
        amount=Decimal("50"),
        currency="KRW",
    )
    with pytest.raises(ValidationError) as overlap:
        half.full_clean()
    assert "overlaps" in str(overlap.value.message_dict["period_start"])
    backwards = MarketVolume(
        country="KR",
        period_start=date(2025, 6, 1),
        period_end=date(2025, 1, 1),
        amount=Decimal("50"),
        currency="KRW",
    )
    with pytest.raises(ValidationError) as reversed_period:
        backwards.full_clean()
    assert "ends before it starts" in str(reversed_period.value.message_dict["period_end"])
    MarketVolume(
        country="GB",
        period_start=date(2024, 7, 1),
        period_end=date(2024, 12, 31),
        amount=Decimal("5"),
        currency="GBP",
    ).full_clean()  # another country's period may coincide


def test_market_statistics_with_a_date_missing_get_a_field_error_not_a_crash():
    from django.core.exceptions import ValidationError

    from programs.models import MarketVolume

    MarketVolume.objects.create(
        country="KR",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        amount=Decimal("100"),
        currency="KRW",
    )
    with pytest.raises(ValidationError) as missing:
        MarketVolume(
            country="KR", period_start=date(2024, 7, 1), amount=Decimal("50"), currency="KRW"
        ).full_clean()
    assert "period_end" in missing.value.message_dict
