from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.metrics import FlagRules, Flow, FundTerms, fund_flags, fund_metrics, months_between, roll_up, xirr

TERMS = FundTerms(D("1000"), date(2022, 1, 1), date(2026, 1, 1))
FLOWS = [
    Flow("call", date(2022, 6, 30), D("400")),
    Flow("deploy", date(2022, 7, 15), D("300")),
    Flow("fee", date(2022, 12, 31), D("20")),
    Flow("reserve", date(2023, 3, 1), D("150")),
    Flow("deploy", date(2023, 6, 1), D("50")),
    Flow("reserve", date(2023, 6, 1), D("-50")),  # the reserved deal was paid
    Flow("distribution", date(2023, 12, 31), D("40")),
    Flow("nav", date(2023, 12, 31), D("380"), cash=D("30")),
    Flow("deploy", date(2030, 1, 1), D("999")),  # after the report date: ignored
]


def test_every_figure_against_hand_computed_values():
    m = fund_metrics(TERMS, FLOWS, date(2024, 1, 1))
    assert (m.called, m.deployed, m.reserved, m.fees, m.distributions, m.nav) == (400, 350, 100, 20, 40, 380)
    assert m.idle == 1000 - 350 - 100 == 550
    assert m.deployment_rate == D("0.3500")
    assert m.expected_deployment == 1000 * D(730) / D(
        1461
    )  # two of four years (2024 is a leap year), unrounded
    assert m.pace_gap == 350 - m.expected_deployment
    assert m.months_since_last_investment == 7  # 2023-06-01 -> 2024-01-01
    assert m.fees_on_idle == 11  # 20 × 550 / 1000
    assert (m.dpi, m.rvpi, m.tvpi) == (D("0.1000"), D("0.9500"), D("1.0500"))
    assert m.ledger_cash == 400 - 350 - 20 == 30
    assert m.unreconciled == 0


def test_unexplained_cash_is_shown_not_hidden():
    flows = FLOWS[:-2] + [Flow("nav", date(2023, 12, 31), D("380"), cash=D("12"))]
    m = fund_metrics(TERMS, flows, date(2024, 1, 1))
    assert m.unreconciled == 18
    assert ("unreconciled", "high") in [
        (code, sev) for code, sev, _ in fund_flags(TERMS, m, FlagRules(), date(2024, 1, 1))
    ]


def test_xirr_of_a_ten_percent_year_is_ten_percent():
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 110)]) == pytest.approx(0.10, abs=1e-7)


def test_xirr_of_a_loss_and_of_uneven_flows():
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 84)]) == pytest.approx(-0.16, abs=1e-7)
    # -100 then +60 after one year and +60 after two: 1/(1+r) = x solves 60x + 60x² = 100 -> r ≈ 0.1307
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 60), (date(2023, 1, 1), 60)]) == pytest.approx(
        0.130662, abs=1e-4
    )
    assert xirr([(date(2021, 1, 1), 100)]) is None


@given(st.decimals(min_value=D("0.01"), max_value=D("0.5"), places=3))
def test_xirr_finds_the_rate_that_produced_the_flows(rate):
    grown = D(100) * (1 + rate)
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), grown)]) == pytest.approx(float(rate), abs=1e-6)


def test_flags_behind_pace_no_investment_returned_licence_and_loss():
    terms = FundTerms(D("1000"), date(2022, 1, 1), date(2026, 1, 1), licence_state="returned")
    flows = [
        Flow("call", date(2022, 3, 1), D("100")),
        Flow("deploy", date(2022, 3, 1), D("100")),
        Flow("nav", date(2023, 12, 31), D("80")),
    ]
    m = fund_metrics(terms, flows, date(2024, 1, 1))
    codes = {code for code, _sev, _msg in fund_flags(terms, m, FlagRules(), date(2024, 1, 1))}
    assert codes == {"behind_pace", "licence_returned", "loss"}
    active = FundTerms(D("1000"), date(2022, 1, 1), date(2026, 1, 1))
    codes = {code for code, _s, _m in fund_flags(active, m, FlagRules(), date(2024, 1, 1))}
    assert "no_investment" in codes and "licence_returned" not in codes


def test_a_fund_on_pace_with_gains_raises_no_flag():
    flows = [
        Flow("call", date(2023, 1, 1), D("520")),
        Flow("deploy", date(2023, 12, 1), D("500")),
        Flow("nav", date(2023, 12, 31), D("700"), cash=D("20")),
    ]
    m = fund_metrics(TERMS, flows, date(2024, 1, 1))
    assert fund_flags(TERMS, m, FlagRules(), date(2024, 1, 1)) == []


def test_roll_up_sums_and_recomputes_ratios():
    a = fund_metrics(TERMS, FLOWS, date(2024, 1, 1)).__dict__
    total = roll_up([a, a])
    assert total["committed"] == 2000 and total["deployed"] == 700 and total["idle"] == 1100
    assert total["deployment_rate"] == D("0.3500") and total["tvpi"] == D("1.0500")


def test_months_between_counts_whole_months():
    assert months_between(date(2023, 6, 15), date(2024, 1, 14)) == 6
    assert months_between(date(2023, 6, 15), date(2024, 1, 15)) == 7


@pytest.mark.django_db
def test_the_report_reads_the_same_figures_from_the_database_as_from_the_entries():
    """The report's grouped queries (funds.reports.metrics_of) against the pure functions over the same entries:
    same-day NAV entries summed, a correction, an entry after the date and a rejected entry ignored."""
    from funds import ledger, services
    from funds.models import CashFlow, InvestorFlows, LedgerDay, LedgerQuarter
    from funds.reports import metrics_of
    from tests.funds.factories import mother_fund, sub_fund_fields

    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("400"))
    previous = None
    for kind, day, amount, cash in [
        ("call", date(2022, 3, 1), "200", None),
        ("call", date(2022, 3, 1), "50", None),
        ("deploy", date(2022, 4, 1), "120", None),
        ("deploy", date(2022, 9, 1), "30", None),
        ("deploy", date(2022, 9, 1), "-30", None),
        ("fee", date(2022, 12, 31), "8", None),
        ("reserve", date(2023, 1, 5), "40", None),
        ("distribution", date(2023, 6, 30), "25", None),
        ("nav", date(2023, 6, 30), "150", "60"),
        ("nav", date(2023, 12, 31), "180", "70"),
        ("nav", date(2023, 12, 31), "-5", None),
        ("call", date(2024, 3, 1), "999", None),
    ]:
        previous = services.cash_flow_record(
            fund=fund,
            actor=None,
            kind=kind,
            date=day,
            amount=D(amount),
            cash=D(cash) if cash else None,
            corrects=previous if amount.startswith("-") else None,
        )
    rejected = services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 2, 1), amount=D("77")
    )
    services.cash_flow_validate(entry=rejected, actor=None, accept=False)
    as_of = date(2024, 1, 1)
    entries = [
        Flow(f.kind, f.date, f.amount, f.cash) for f in CashFlow.objects.exclude(validation="rejected")
    ]
    expected = fund_metrics(
        FundTerms(fund.size, fund.investment_period_start, fund.investment_period_end), entries, as_of
    )
    (from_database,) = metrics_of([fund], as_of)
    irr, expected_irr = from_database.__dict__.pop("irr"), expected.__dict__.pop("irr")
    assert from_database.__dict__ == expected.__dict__ and irr == pytest.approx(expected_irr, abs=1e-9)
    assert (from_database.called, from_database.deployed, from_database.nav, from_database.reported_cash) == (
        D("250"),
        D("120"),
        D("175"),
        D("70"),
    )
    # the last day with a positive deployment entry: 1 September 2022 (its correction does not move it)
    assert from_database.months_since_last_investment == 16
    assert irr == pytest.approx(-0.118025, abs=1e-6)

    # the summaries kept entry by entry are those a rebuild from the entries gives
    def summaries():
        return [
            [
                {k: bytes(v) if isinstance(v, memoryview | bytes) else v for k, v in row.items() if k != "id"}
                for row in model.objects.order_by("pk").values()
            ]
            for model in (LedgerDay, LedgerQuarter, InvestorFlows)
        ]

    kept = summaries()
    ledger.rebuild()
    assert summaries() == kept
    assert [q.quarter for q in LedgerQuarter.objects.order_by("quarter")][:2] == [
        date(2022, 1, 1),
        date(2022, 4, 1),
    ]
    assert LedgerQuarter.objects.get(quarter=date(2023, 10, 1)).last_nav == date(2023, 12, 31)
    days, amounts = ledger.unpack(InvestorFlows.objects.get(fund=fund))
    assert list(zip(days, amounts, strict=True)) == [
        (date(2022, 3, 1).toordinal(), -250.0),
        (date(2023, 6, 30).toordinal(), 25.0),
        (date(2024, 3, 1).toordinal(), -999.0),
    ]
    assert not LedgerDay.objects.filter(date=date(2023, 2, 1)).exists()  # its only entry was rejected
    assert LedgerDay.objects.get(
        date=date(2022, 9, 1)
    ).invested  # a positive deployment that day, then corrected


def test_xirr_of_many_funds_at_once_is_each_fund_s_own():
    """Funds solved together (the solved ones dropped from later iterations) get the rate each gets alone."""
    import random

    from funds.metrics import dated_arrays, xirr_many

    rng = random.Random(5)
    series = []
    for fund in range(12):
        flows = [
            (date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500)), -rng.randint(1, 100)) for _ in range(40)
        ]
        flows += [
            (date(2022, 1, 1) + timedelta(days=rng.randint(0, 1500)), rng.randint(1, 60 + 10 * fund))
            for _ in range(40)
        ]
        series.append(flows)
    series.append([(date(2021, 1, 1), 100)])  # no sign change: no rate
    together = xirr_many([dated_arrays(flows) for flows in series])
    alone = [xirr(flows) for flows in series]
    assert together[-1] is None and alone[-1] is None
    assert sum(rate is not None for rate in together) >= 10
    assert together == pytest.approx(alone, abs=1e-9)
