"""The dashboard read from its stored facts equals the dashboard computed from the cases, figure for figure."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from applications.models import Application
from casework.models import Decision
from dashboards.facts import refresh_facts
from dashboards.models import CompanyFact, CompanyMonthFact, DashboardFact, DashboardRefresh, PortfolioFact
from dashboards.program import build_dashboard
from programs.models import MarketTarget, MarketVolume
from recoveries.models import Claim, Disposal
from reporting.models import ExchangeRate
from tests.dashboards.test_program import _case, _facility
from tests.factories import CompanyFactory, OrganizationFactory, ProgramFactory, make_user
from valuations.models import ValuationOrder, ValuationReport

pytestmark = pytest.mark.django_db
STAGES = ("start_screening", "send_to_valuation", "start_credit_review", "recommend")


def _valued(case, officer, valuer, grade, ordered_on):
    order = ValuationOrder.objects.create(
        application=case,
        valuer=valuer,
        fee=40,
        subsidy=30,
        applicant_share=10,
        due_date=ordered_on + timedelta(days=20),
        status="accepted_by_agency",
        ordered_by=officer,
    )
    ValuationOrder.objects.filter(pk=order.pk).update(
        budget_drawn=True, created_at=datetime.combine(ordered_on, datetime.min.time(), tzinfo=UTC)
    )
    report = ValuationReport.objects.create(
        order=order,
        version=1,
        currency="KRW",
        total_value=2000,
        total_low=1500,
        total_high=2500,
        assumptions="-",
        technology_grade=grade,
        valid_until=date(2027, 1, 1),
        pdf_storage_name="x",
        pdf_original_name="x.pdf",
        submitted_by=officer,
    )
    ValuationReport.objects.filter(pk=report.pk).update(
        submitted_at=datetime.combine(
            ordered_on + timedelta(days=len(grade) * 3), datetime.min.time(), tzinfo=UTC
        )
    )


def _recovery(facility, officer, paid, agency, bank):
    Claim.objects.create(
        facility=facility, filed_by=officer, amount_claimed=paid, status="paid", amount_paid=paid
    )
    Disposal.objects.create(
        facility=facility,
        channel="auction",
        status="closed",
        proceeds=agency + bank,
        agency_share=agency,
        bank_share=bank,
        created_by=officer,
    )


def _programs():
    """Four currencies; two agencies (AGA: two KRW programs of Korea and a GBP one; AGB: USD and JPY); an empty one."""
    aga, agb = (OrganizationFactory(kind="agency", short_code=code) for code in ("AGA", "AGB"))
    krw = ProgramFactory(
        code="KR1",
        agency=aga,
        currency="KRW",
        country="KR",
        annual_volume_target=Decimal("90000"),
        service_levels={"screening": 5, "credit_review": 10},
    )
    krw2 = ProgramFactory(code="KR2", agency=aga, currency="KRW", country="KR")
    gbp = ProgramFactory(
        code="GB1", agency=aga, currency="GBP", country="GB", annual_volume_target=Decimal("40")
    )
    usd = ProgramFactory(code="US1", agency=agb, currency="USD", country="US")
    jpy = ProgramFactory(
        code="JP1", agency=agb, currency="JPY", country="JP", annual_volume_target=Decimal("5000")
    )
    ProgramFactory(code="EMPTY", currency="KRW", country="KR")
    for currency, rate in (("GBP", "1800.5"), ("JPY", "9.25"), ("USD", "1350.75")):
        ExchangeRate.objects.create(
            currency=currency, quote_currency="KRW", rate=Decimal(rate), as_of=date(2024, 1, 1)
        )
    return krw, krw2, gbp, usd, jpy


def _market():
    MarketVolume.objects.create(
        country="KR",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        amount=Decimal("5000000"),
        currency="KRW",
    )
    MarketTarget.objects.create(
        country="KR", name="KR IP finance", amount=Decimal("9000000"), currency="KRW", due=date(2027, 12, 31)
    )


# companies with several cases: grades either side of the low-grade boundary (BBB is not low, BB is)
POOL = [("BBB", 5), ("BB", 40), ("A", 120), ("B", 900), ("BBB", 40), ("CCC", 5), ("AA", 300)]


def _repeat_customers(krw, krw2, gbp, usd):
    """Companies financed again and again, across programs, agencies and countries, on days either side of the
    periods' edges (14/15 December 2025, 15/16 January 2026), so that a period's first case has earlier ones."""
    pool = [CompanyFactory(credit_grade=grade, employees=employees) for grade, employees in POOL]
    edge, twice = pool[1], pool[4]
    for program, day in ((krw, date(2025, 12, 14)), (krw2, date(2025, 12, 15)), (gbp, date(2026, 1, 15))):
        _case(program, submitted=day, status="approved", amount="1000", company=edge)
    for program in (krw, usd):  # two financed cases on one day
        _case(program, submitted=date(2025, 12, 15), status="approved", amount="250", company=twice)
    _case(usd, submitted=date(2026, 1, 16), status="approved", amount="99999", company=twice)
    return pool


def _generated(rng):
    """Four currencies, an empty program, a program of one case, cases either side of 1 January 2026, and companies
    with several financed cases (in earlier periods, other programs, agencies and countries)."""
    krw, krw2, gbp, usd, jpy = _programs()
    _market()
    pool = _repeat_customers(krw, krw2, gbp, usd)
    bank, valuer, officer = (
        OrganizationFactory(kind="lender"),
        OrganizationFactory(kind="valuer"),
        make_user("approver"),
    )
    _case(jpy, submitted=date(2025, 12, 31), status="submitted", amount="777")  # the one case of its program
    for n in range(40):
        _generated_case(rng, n, (gbp, krw, krw2, usd)[n % 4], pool, (bank, valuer, officer))


def _generated_case(rng, n, program, pool, people):
    bank, valuer, officer = people
    submitted = date(2025, 9, 1) + timedelta(days=rng.randint(0, 180))  # Sep 2025 – Feb 2026
    decided = submitted + timedelta(days=rng.randint(3, 40))
    status = rng.choice(["approved", "approved", "rejected", "screening", "submitted", "draft"])
    amount = str(rng.choice([100, 250, 1000, 12000, 99999]))
    company = rng.choice(pool) if n % 3 else None  # two in three of a company with other cases
    if status == "draft":
        Application.objects.filter(
            pk=_case(program, submitted=submitted, amount=amount, grade=rng.choice(["A", "B"])).pk
        ).update(
            status="draft",
            submitted_at=None,
            created_at=datetime.combine(submitted, datetime.min.time(), tzinfo=UTC),
        )
        return
    case = _case(
        program,
        submitted=submitted,
        status=status,
        amount=amount,
        stages=STAGES[: rng.randint(0, 4)],
        decided=decided if status in ("approved", "rejected") else None,
        grade=rng.choice(["AA", "BBB", "BB", "C"]),
        employees=rng.choice([5, 40, 120, 900]),
        company=company,
    )
    if status == "rejected":
        Decision.objects.create(
            application=case,
            decided_by=officer,
            outcome="rejected",
            reason_code=rng.choice(["R10", "R20", "R30"]),
        )
    if status != "approved":
        return
    if n % 4:
        _valued(case, officer, valuer, rng.choice(["A", "BB", "CCC"]), submitted + timedelta(days=2))
    defaulted = n % 5 == 0
    facility = _facility(
        case,
        principal=amount,
        disbursed_on=decided + timedelta(days=rng.randint(1, 30)),
        subsidy=str(rng.randint(1, 50)),
        lender=bank,
        defaulted_on=date(2026, 3, 1) if defaulted else None,
        exposure="80" if defaulted else None,
    )
    if defaulted:
        _recovery(facility, officer, Decimal("60"), Decimal("30"), Decimal("15"))


PERIODS = [
    ("all", date(2025, 7, 1), date(2026, 6, 30)),  # across the year boundary
    ("all", date(2025, 12, 15), date(2026, 1, 15)),  # days cut inside two months
    ("all", date(2025, 12, 16), date(2026, 1, 16)),  # a day later: the edge company's first case is earlier
    ("program:GB1", date(2026, 1, 1), date(2026, 3, 31)),
    ("program:KR2", date(2025, 12, 15), date(2026, 2, 10)),
    ("program:US1", date(2025, 12, 15), date(2026, 1, 16)),
    ("program:JP1", date(2025, 12, 31), date(2025, 12, 31)),  # one case, one day
    ("program:EMPTY", date(2025, 1, 1), date(2026, 12, 31)),  # a program without cases
    ("agency:AGA", date(2025, 12, 15), date(2026, 1, 15)),  # KRW and GBP programs of one agency
    ("agency:AGB", date(2025, 11, 3), date(2026, 1, 27)),  # USD and JPY
    ("country:KR", date(2025, 1, 1), date(2026, 12, 31)),
    ("country:KR", date(2025, 12, 15), date(2026, 1, 20)),
    ("all", date(2024, 1, 1), date(2024, 12, 31)),  # a year without cases
]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_stored_facts_give_the_figures_of_the_cases_themselves(seed, settings):
    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(seed))
    live = {period: build_dashboard(*period, source="live") for period in PERIODS}
    refresh = refresh_facts()
    stores = (DashboardFact, CompanyFact, CompanyMonthFact, PortfolioFact)
    assert refresh.rows == sum(store.objects.count() for store in stores) > 0
    for period in PERIODS:
        title, data = build_dashboard(*period, source="stored")
        assert data.pop("as_of") == refresh.finished_at.isoformat()
        expected_title, expected = live[period]
        assert expected.pop("as_of") is None
        assert (title, data) == (expected_title, expected), period
    busy = live[PERIODS[0]][1]
    assert (
        busy["figures"]["funnel"]["submitted"] > 10 and busy["figures"]["lending"] != "0"
    )  # a run with figures


def test_without_a_refresh_the_dashboard_reads_the_cases_and_says_it_is_live(settings):
    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(3))
    assert not DashboardRefresh.objects.exists()
    _title, data = build_dashboard("all", date(2025, 7, 1), date(2026, 6, 30))
    assert data["as_of"] is None and data["figures"]["funnel"]["submitted"] > 0


def test_a_refresh_for_another_reporting_currency_is_not_read(settings):
    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(4))
    refresh_facts()
    settings.REPORTING_CURRENCY = "GBP"
    ExchangeRate.objects.create(
        currency="KRW", quote_currency="GBP", rate=Decimal("0.00055"), as_of=date(2025, 1, 1)
    )
    ExchangeRate.objects.create(
        currency="JPY", quote_currency="GBP", rate=Decimal("0.0051"), as_of=date(2025, 1, 1)
    )
    ExchangeRate.objects.create(
        currency="USD", quote_currency="GBP", rate=Decimal("0.79"), as_of=date(2025, 1, 1)
    )
    _title, data = build_dashboard("all", date(2025, 7, 1), date(2026, 6, 30))
    assert data["as_of"] is None  # computed from the cases, not from days cut for KRW


def test_the_page_says_how_fresh_its_figures_are(client, official, settings):
    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(5))
    client.force_login(official)
    url = "/dashboards/programs/?scope=all&start=2025-07-01&end=2026-06-30"
    assert "Figures computed from the cases now." in client.get(url).content.decode()
    refresh = refresh_facts()
    page = client.get(url).content.decode()
    assert f"Figures as of {timezone.localtime(refresh.finished_at):%Y-%m-%d %H:%M}" in page


def test_facts_written_by_another_version_of_the_code_are_not_read(settings):
    """A deploy that changes the facts' keys reads the cases until beat has refreshed the store."""
    from dashboards.facts import FACTS_VERSION

    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(6))
    refresh_facts()
    DashboardRefresh.objects.update(version=FACTS_VERSION - 1)
    DashboardFact.objects.update(key='["written by another version"]')
    _title, data = build_dashboard("all", date(2025, 7, 1), date(2026, 6, 30))
    assert data["as_of"] is None and data["figures"]["funnel"]["submitted"] > 0


def test_companies_financed_from_the_store_equal_the_distinct_companies_of_any_period_and_scope(settings):
    """The stored count (the period's financed cases whose company's previous financed case, among the scope's
    programs, is before the period: by month before the period's first month, by day within it) against a distinct
    count over the cases, for every scope and 80 periods cut at any day, and for the days either side of the cases
    of companies financed several times (whose previous case is in the period's first month, before its start)."""
    from dashboards.facts import _financed_companies, _stored_companies, cases_in
    from dashboards.program import programs_in

    settings.REPORTING_CURRENCY = "KRW"
    rng = random.Random(7)
    _generated(rng)
    refresh_facts()
    scopes = ["all", "agency:AGA", "agency:AGB", "country:KR", "country:GB", "country:US"]
    scopes += [f"program:{code}" for code in ("KR1", "KR2", "GB1", "US1", "JP1", "EMPTY")]
    edges = [date(2025, 12, d) for d in (14, 15, 16)] + [date(2026, 1, d) for d in (15, 16)]
    periods = [(s, e) for s in edges for e in edges if s <= e]
    for _ in range(80):
        start = date(2025, 8, 1) + timedelta(days=rng.randint(0, 240))
        periods.append((start, start + timedelta(days=rng.choice([0, 1, 6, 30, 45, 200]))))
    repeated = 0
    for scope in scopes:
        programs = list(programs_in(scope))
        for start, end in periods:
            ids = cases_in(programs, start, end).values("pk")
            expected = _financed_companies(ids)
            assert _stored_companies(programs, start, end, scope) == expected, (scope, start, end)
            repeated += ids.filter(status="approved").count() > expected[0] > 0
    assert repeated > 20  # periods where companies had several financed cases: the distinct count was needed
    assert CompanyFact.objects.filter(
        previous_in_program__isnull=False, previous_in_country__lt=F("day")
    ).exists()
    assert CompanyFact.objects.filter(low=True).exists() and CompanyFact.objects.filter(low=False).exists()
    assert CompanyFact.objects.filter(day=date(2025, 12, 15), previous=date(2025, 12, 14)).exists()  # by day
    months = CompanyMonthFact.objects.exclude(previous=None).values_list("previous", flat=True)
    assert months and {m.day for m in months} == {1}
    assert CompanyMonthFact.objects.aggregate(n=Sum("n")) == CompanyFact.objects.aggregate(n=Sum("n"))
