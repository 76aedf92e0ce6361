"""One money rule: every currency rounds to its own minor unit, once, half-up."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.money import currency_places, minor_unit, round_money
from facilities.schedules import add_months
from facilities.services import guarantee_fee_schedule
from valuations.services import split_fee


@pytest.mark.parametrize(
    ("currency", "unit", "rounded"),
    [
        ("KRW", Decimal("1"), Decimal("1235")),
        ("JPY", Decimal("1"), Decimal("1235")),
        ("GBP", Decimal("0.01"), Decimal("1234.57")),
        ("USD", Decimal("0.01"), Decimal("1234.57")),
        ("CNY", Decimal("0.01"), Decimal("1234.57")),
    ],
)
def test_each_currency_rounds_to_its_minor_unit(currency, unit, rounded):
    assert minor_unit(currency) == unit
    assert round_money(Decimal("1234.565"), currency) == rounded


def test_half_a_unit_rounds_up_and_the_places_match_iso_4217():
    assert round_money(Decimal("0.5"), "KRW") == Decimal("1")
    assert round_money(Decimal("0.005"), "GBP") == Decimal("0.01")
    assert [currency_places(c) for c in ("KRW", "JPY", "GBP", "USD", "CNY", "EUR")] == [0, 0, 2, 2, 2, 2]


def program(currency, share="0.7", cap="100000000"):
    return SimpleNamespace(
        currency=currency, valuation_subsidy_share=Decimal(share), valuation_subsidy_cap=Decimal(cap)
    )


def test_the_valuation_fee_split_keeps_the_pence_of_a_gbp_fee():
    # 70 % of GBP 1,234.55 = 864.185 -> 864.19 (was rounded to 864, a pound wrong); the applicant pays the rest.
    assert split_fee(program("GBP"), Decimal("1234.55")) == (Decimal("864.19"), Decimal("370.36"))


def test_the_valuation_fee_split_rounds_a_krw_fee_to_the_won():
    # 70 % of KRW 3,333,333 = 2,333,333.1 -> 2,333,333
    assert split_fee(program("KRW"), Decimal("3333333")) == (Decimal("2333333"), Decimal("1000000"))


def test_the_guarantee_fee_schedule_of_a_usd_facility_keeps_the_cents():
    # The fee is charged on the principal outstanding at the start of each year; 12 x 4,166.69 is repaid in year 1.
    installments = [
        SimpleNamespace(principal=Decimal("4166.69"), due_date=add_months(date(2026, 1, 1), n))
        for n in range(1, 25)
    ]
    facility = SimpleNamespace(
        is_guaranteed=True,
        disbursed_on=date(2026, 1, 1),
        installments=SimpleNamespace(all=lambda: installments),
        term_months=24,
        principal=Decimal("100000.50"),
        guarantee_fee_rate=Decimal("0.01234"),
        currency="USD",
    )
    # 100,000.50 x 0.01234 = 1,234.00617 -> 1,234.01; 50,000.22 x 0.01234 = 617.0027148 -> 617.00
    assert guarantee_fee_schedule(facility) == [(1, Decimal("1234.01")), (2, Decimal("617.00"))]
