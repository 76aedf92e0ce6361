"""The fund utilisation report read from the ledger's summaries (funds.selectors, a constant number of queries) gives
the same report, every figure and flag, as one computed independently from the ledger's entries: sub-funds in KRW,
JPY (no minor unit), GBP and USD, same-day entries, a correction, a rejected entry, entries after the period end, a
fund without entries, period ends on and inside a quarter."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds import reports, selectors, services
from funds.metrics import Flow, FundTerms, fund_metrics
from funds.models import CashFlow, Fund, LedgerDay
from reporting.models import ExchangeRate
from reporting.periods import quarter_bounds
from tests.funds.factories import mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db
QUARTER_END = (date(2025, 4, 1), date(2025, 6, 30))
INSIDE_QUARTER = (date(2025, 4, 1), date(2025, 5, 17))
RATES = {"GBP": ["1702.3512", "1755.0075"], "USD": ["1350.25", "1388.5"], "JPY": ["9.1234567891", "9.05"]}


def _rates():
    for currency, (early, late) in RATES.items():
        for day, rate in ((date(2021, 12, 1), early), (date(2025, 5, 1), late)):
            ExchangeRate.objects.create(
                currency=currency, quote_currency="KRW", rate=Decimal(rate), as_of=day
            )
    # a KRW sub-fund's commitment counted in its USD mother fund
    ExchangeRate.objects.create(
        currency="KRW", quote_currency="USD", rate=Decimal("0.00074"), as_of=date(2021, 12, 1)
    )


def _amount(rng, currency, low, high):
    whole = rng.randint(low, high)
    return (
        Decimal(whole) if currency in ("KRW", "JPY") else Decimal(whole) + Decimal(rng.randint(0, 99)) / 100
    )


def _ledger(fund, rng, entries):
    """``entries`` random entries of every kind from 2022 to after the period end, with same-day fees and calls."""
    record, unit = services.cash_flow_record, 1 if fund.currency in ("KRW", "JPY") else 100
    deployed = None
    for _ in range(entries):
        kind = rng.choice(["call", "call", "deploy", "fee", "fee", "distribution", "reserve", "nav"])
        day = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1340))
        amount = _amount(rng, fund.currency, 10 * unit, 200 * unit)
        cash = _amount(rng, fund.currency, 0, 50 * unit) if kind == "nav" and rng.random() < 0.8 else None
        entry = record(fund=fund, actor=None, kind=kind, date=day, amount=amount, cash=cash)
        deployed = entry if kind == "deploy" else deployed
        if kind in ("fee", "call") and rng.random() < 0.4:  # a second entry on the same day
            record(
                fund=fund, actor=None, kind=kind, date=day, amount=_amount(rng, fund.currency, 1, 9 * unit)
            )
    # a last NAV inside the quarter of INSIDE_QUARTER, a correction and an entry rejected on review
    record(fund=fund, actor=None, kind="nav", date=date(2025, 5, 10), amount=Decimal(700 * unit), cash=None)
    if deployed is not None:
        record(
            fund=fund,
            actor=None,
            kind="deploy",
            date=deployed.date,
            amount=-deployed.amount,
            corrects=deployed,
        )
    rejected = record(fund=fund, actor=None, kind="call", date=date(2024, 2, 2), amount=Decimal(999 * unit))
    services.cash_flow_validate(entry=rejected, actor=None, accept=False)


@pytest.fixture
def funds():
    """Two mother funds (KRW, USD) and sub-funds in four currencies; one without any entry."""
    _rates()
    rng = random.Random(21)
    seoul = mother_fund("10000000000", name="Seoul")
    delaware = mother_fund("100000000", name="Delaware", currency="USD")
    made = []
    for mother, currency, entries in [
        (seoul, "KRW", 40),
        (seoul, "JPY", 30),
        (seoul, "GBP", 25),
        (delaware, "USD", 35),
        (delaware, "KRW", 0),
    ]:
        fields = sub_fund_fields("1000000", name=f"{mother.name} {currency} {entries}", currency=currency)
        fund = services.sub_fund_create(parent=mother, actor=None, committed_on=date(2022, 1, 1), **fields)
        if entries:
            _ledger(fund, rng, entries)
        made.append(fund)
    return seoul, delaware, made


def _metrics_from_entries(funds, as_of, _summaries=None):
    """Every fund's metrics from its entries (funds.metrics.fund_metrics), rejected entries left out."""
    entries = defaultdict(list)
    for f in CashFlow.objects.exclude(validation="rejected"):
        entries[f.fund_id].append(Flow(f.kind, f.date, f.amount, f.cash))
    return [
        fund_metrics(
            FundTerms(
                fund.size, fund.investment_period_start, fund.investment_period_end, fund.licence_state
            ),
            entries[fund.pk],
            as_of,
        )
        for fund in funds
    ]


def _deployed_from_entries(funds, until):
    """{(quarter, currency): deployments} of the quarters ended by ``until``, from the entries."""
    deployed = defaultdict(Decimal)
    for f in CashFlow.objects.filter(kind="deploy", fund__in=funds).exclude(validation="rejected"):
        start, end = quarter_bounds(f.date)
        if end <= until:
            deployed[(start, f.fund.currency)] += f.amount
    return dict(deployed)


def _from_entries(monkeypatch, scope, period):
    with monkeypatch.context() as patched:
        patched.setattr(reports, "ledger_summaries", lambda funds, as_of: None)
        patched.setattr(reports, "metrics_of", _metrics_from_entries)
        patched.setattr(reports, "deployed_by_quarter", _deployed_from_entries)
        return reports.build(scope, *period)


@pytest.mark.parametrize("period", [QUARTER_END, INSIDE_QUARTER, (date(2021, 10, 1), date(2021, 12, 31))])
def test_the_report_from_the_summaries_is_the_report_from_the_entries(funds, monkeypatch, period):
    seoul, _delaware, made = funds
    for scope in ("all", f"fund:{seoul.pk}"):
        title, data = reports.build(scope, *period)
        assert (title, data) == _from_entries(monkeypatch, scope, period)
    if period != QUARTER_END:
        return
    sub_funds = {row[0]: row for row in data["tables"][2]["rows"]}
    assert len(sub_funds) == 3 and all(row[4] for row in sub_funds.values())
    assert [r["currency"] for r in data["rates"]] == ["GBP", "JPY"]  # each currency's rate named once
    # the metrics themselves, IRRs to 1e-9 (the summaries net a day's flows; the entries keep each one)
    from_summaries = reports.metrics_of(made, period[1])
    from_entries = _metrics_from_entries(made, period[1])
    irrs = [irr for m in from_summaries for irr in (m.irr, m.gross_irr, m.net_irr)]
    assert irrs == pytest.approx(
        [irr for m in from_entries for irr in (m.irr, m.gross_irr, m.net_irr)], abs=1e-9
    )
    assert sum(irr is not None for irr in irrs) >= 6  # rates to compare, gross and net
    strip = {"irr", "gross_irr", "net_irr"}
    assert [{k: v for k, v in m.__dict__.items() if k not in strip} for m in from_summaries] == [
        {k: v for k, v in m.__dict__.items() if k not in strip} for m in from_entries
    ]


def test_the_report_reads_the_same_number_of_queries_whatever_the_number_of_funds(funds):
    _seoul, delaware, _made = funds

    def queries():
        with CaptureQueriesContext(connection) as captured:
            reports.build("all", *INSIDE_QUARTER)
        return len(captured)

    before = queries()
    for n in range(3):  # more funds, with ledgers, in currencies already there
        fund = services.sub_fund_create(
            parent=delaware,
            actor=None,
            committed_on=date(2022, 1, 1),
            **sub_fund_fields("500000", name=f"More {n}"),
        )
        _ledger(fund, random.Random(n), 12)
    assert queries() == before


@pytest.mark.postgres
def test_on_postgresql_the_packed_reads_equal_the_row_by_row_reads(funds):
    """PostgreSQL packs the fee days per fund and joins the NAV days as arrays; the portable reads (SQLite) read row by
    row. Same arrays, same types, same values."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    in_scope = selectors.report_sub_funds("all")
    for as_of in (date(2021, 12, 31), INSIDE_QUARTER[1], QUARTER_END[1]):
        days = LedgerDay.objects.filter(fund__in=in_scope.values("pk"), date__lte=as_of).exclude(fees=0)
        packed, by_row = selectors._fees_packed(days), selectors._fees_by_row(days)
        assert packed.keys() == by_row.keys()
        for fund_id, (fee_days, amounts) in packed.items():
            assert fee_days.dtype == by_row[fund_id][0].dtype and amounts.dtype == by_row[fund_id][1].dtype
            assert np.array_equal(fee_days, by_row[fund_id][0]) and np.array_equal(
                amounts, by_row[fund_id][1]
            )
        last_navs = {
            k: t["last_nav"] for k, t in selectors.ledger_totals(in_scope, as_of).items() if t["last_nav"]
        }
        if last_navs:
            assert selectors._navs_joined(last_navs) == selectors._navs_matched(last_navs)
    assert len(packed) == 4 and Fund.objects.filter(parent__isnull=False).count() == 5  # one without entries
