from datetime import date
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
    assert m.expected_deployment == 500  # two of four years
    assert m.pace_gap == -150
    assert m.months_since_last_investment == 7  # 2023-06-01 -> 2024-01-01
    assert m.fees_on_idle == 11  # 20 × 550 / 1000
    assert (m.dpi, m.rvpi, m.tvpi) == (D("0.1000"), D("0.9500"), D("1.0500"))
    assert m.ledger_cash == 400 - 350 - 20 == 30
    assert m.unreconciled == 0


def test_unexplained_cash_is_shown_not_hidden():
    flows = FLOWS[:-2] + [Flow("nav", date(2023, 12, 31), D("380"), cash=D("12"))]
    m = fund_metrics(TERMS, flows, date(2024, 1, 1))
    assert m.unreconciled == 18
    assert ("unreconciled", "high") in [(code, sev) for code, sev, _ in fund_flags(TERMS, m, FlagRules(), date(2024, 1, 1))]


def test_xirr_of_a_ten_percent_year_is_ten_percent():
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 110)]) == pytest.approx(0.10, abs=1e-7)


def test_xirr_of_a_loss_and_of_uneven_flows():
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 84)]) == pytest.approx(-0.16, abs=1e-7)
    # -100 then +60 after one year and +60 after two: 1/(1+r) = x solves 60x + 60x² = 100 -> r ≈ 0.1307
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), 60), (date(2023, 1, 1), 60)]) == pytest.approx(
        0.130662, abs=1e-4)
    assert xirr([(date(2021, 1, 1), 100)]) is None


@given(st.decimals(min_value=D("0.01"), max_value=D("0.5"), places=3))
def test_xirr_finds_the_rate_that_produced_the_flows(rate):
    grown = D(100) * (1 + rate)
    assert xirr([(date(2021, 1, 1), -100), (date(2022, 1, 1), grown)]) == pytest.approx(float(rate), abs=1e-6)


def test_flags_behind_pace_no_investment_returned_licence_and_loss():
    terms = FundTerms(D("1000"), date(2022, 1, 1), date(2026, 1, 1), licence_state="returned")
    flows = [Flow("call", date(2022, 3, 1), D("100")), Flow("deploy", date(2022, 3, 1), D("100")),
             Flow("nav", date(2023, 12, 31), D("80"))]
    m = fund_metrics(terms, flows, date(2024, 1, 1))
    codes = {code for code, _sev, _msg in fund_flags(terms, m, FlagRules(), date(2024, 1, 1))}
    assert codes == {"behind_pace", "licence_returned", "loss"}
    active = FundTerms(D("1000"), date(2022, 1, 1), date(2026, 1, 1))
    codes = {code for code, _s, _m in fund_flags(active, m, FlagRules(), date(2024, 1, 1))}
    assert "no_investment" in codes and "licence_returned" not in codes


def test_a_fund_on_pace_with_gains_raises_no_flag():
    flows = [Flow("call", date(2023, 1, 1), D("520")), Flow("deploy", date(2023, 12, 1), D("500")),
             Flow("nav", date(2023, 12, 31), D("700"), cash=D("20"))]
    m = fund_metrics(TERMS, flows, date(2024, 1, 1))
    assert fund_flags(TERMS, m, FlagRules(), date(2024, 1, 1)) == []


def test_roll_up_sums_and_recomputes_ratios_and_reconciles():
    a = fund_metrics(TERMS, FLOWS, date(2024, 1, 1)).__dict__
    total = roll_up([a, a])
    assert total["committed"] == 2000 and total["deployed"] == 700 and total["idle"] == 1100
    assert total["deployment_rate"] == D("0.3500") and total["tvpi"] == D("1.0500")
    assert total["reconciliation"] == 0


def test_months_between_counts_whole_months():
    assert months_between(date(2023, 6, 15), date(2024, 1, 14)) == 6
    assert months_between(date(2023, 6, 15), date(2024, 1, 15)) == 7
