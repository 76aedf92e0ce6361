from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.models import TECHNOLOGY_GRADES
from valuations.calculators import (
    DEFAULT_INDICATORS,
    cost_approach,
    grade_for,
    relief_from_royalty,
    remaining_years,
    scorecard,
)

TODAY = date(2026, 1, 1)


def test_relief_from_royalty_against_a_hand_computed_example():
    # Revenue 1,000 a year for 2 years, royalty 5%, tax 20%, discount 10%:
    # year 1: 1000 × 0.05 × 0.8 = 40 → 40 / 1.1 = 36.36; year 2: 40 / 1.21 = 33.06; total 69.42 → 69 (rounded
    # once; the lines shown rounded: 36, 33). Two years exactly (730 days): no partial third year.
    value, lines = relief_from_royalty(
        revenues=[1000, 1000, 1000],
        royalty_rate="0.05",
        tax_rate="0.2",
        discount_rate="0.1",
        valuation_date=TODAY,
        expiry_date=date(2028, 1, 1),
    )
    assert [line.after_tax for line in lines] == [40, 40]
    assert [line.present_value for line in lines] == [36, 33]
    assert value == 69


def test_the_legal_expiry_caps_the_years():
    assert remaining_years(TODAY, date(2031, 6, 1)) == 5
    assert remaining_years(TODAY, date(2031, 6, 1), horizon=3) == 3
    assert remaining_years(TODAY, date(2025, 1, 1)) == 0


def test_an_expired_asset_is_worth_nothing():
    value, lines = relief_from_royalty(
        revenues=[10**9] * 5,
        royalty_rate="0.1",
        tax_rate="0.2",
        discount_rate="0.1",
        valuation_date=TODAY,
        expiry_date=date(2025, 12, 31),
    )
    assert value == 0 and lines == []


revenue_lists = st.lists(st.integers(min_value=1000, max_value=10**9), min_size=1, max_size=15)


@given(
    revenue_lists,
    st.decimals(min_value=D("0.01"), max_value=D("0.2"), places=3),
    st.decimals(min_value=D("0.001"), max_value=D("0.05"), places=3),
)
def test_value_rises_with_the_royalty_rate(revenues, rate, step):
    kwargs = dict(
        revenues=revenues,
        tax_rate="0.2",
        discount_rate="0.12",
        valuation_date=TODAY,
        expiry_date=date(2045, 1, 1),
    )
    low, _ = relief_from_royalty(royalty_rate=rate, **kwargs)
    high, _ = relief_from_royalty(royalty_rate=rate + step, **kwargs)
    assert high >= low


@given(
    revenue_lists,
    st.decimals(min_value=D("0.01"), max_value=D("0.3"), places=3),
    st.decimals(min_value=D("0.01"), max_value=D("0.1"), places=3),
)
def test_value_falls_with_the_discount_rate(revenues, rate, step):
    kwargs = dict(
        revenues=revenues,
        royalty_rate="0.05",
        tax_rate="0.2",
        valuation_date=TODAY,
        expiry_date=date(2045, 1, 1),
    )
    near, _ = relief_from_royalty(discount_rate=rate, **kwargs)
    far, _ = relief_from_royalty(discount_rate=rate + step, **kwargs)
    assert far <= near


def test_cost_approach_deducts_each_obsolescence_from_what_is_left():
    value, steps = cost_approach(reproduction_cost=1000, physical="0.1", functional="0.2", economic="0")
    assert value == 720  # 1000 − 100 = 900; 900 − 180 = 720
    assert steps[1] == ("physical obsolescence", D("-100"))


@given(st.decimals(min_value=0, max_value=5, places=2), st.decimals(min_value=0, max_value=5, places=2))
def test_the_grade_never_gets_worse_as_the_score_rises(a, b):
    low, high = sorted([a, b])
    assert TECHNOLOGY_GRADES.index(grade_for(high)) <= TECHNOLOGY_GRADES.index(grade_for(low))


def test_a_scorecard_weighs_the_areas_and_maps_to_a_grade():
    every = [name for names in DEFAULT_INDICATORS.values() for name in names]
    assert 25 <= len(every) <= 40
    score, grade, areas = scorecard({name: 5 for name in every})
    assert (score, grade) == (D("5.00"), "AAA")
    ratings = {name: 3 for name in every} | {name: 5 for name in DEFAULT_INDICATORS["legal"]}
    score, grade, areas = scorecard(ratings)
    assert areas["legal"] == 5 and score == D("3.50") and grade == "BBB"  # 0.25 × 5 + 0.75 × 3
    with pytest.raises(ValueError, match="not rated"):
        scorecard({"validity": 4})


def test_six_months_of_life_left_count_half_a_year_of_royalties():
    # 181 days of 365 left: 1,000,000 × 181/365 × 0.05 × 0.8 = 19,835.62 discounted over 181/365 of a year at 10 %
    share = D(181) / D(365)
    exact = D(1_000_000) * share * D("0.05") * D("0.8") / D("1.1") ** share
    value, lines = relief_from_royalty(
        revenues=[1_000_000, 1_000_000],
        royalty_rate="0.05",
        tax_rate="0.2",
        discount_rate="0.1",
        valuation_date=TODAY,
        expiry_date=date(2026, 7, 1),
    )
    assert value == exact.quantize(D(1)) == D("18920") and len(lines) == 1
    assert lines[0].revenue == D("495890")


def test_amounts_round_once_to_the_currencys_minor_unit():
    # 1,000.01 × (1 − 0.3333) = 666.706667 → 666.71 in GBP, 667 in KRW
    assert cost_approach(reproduction_cost="1000.01", physical="0.3333", currency="GBP")[0] == D("666.71")
    assert cost_approach(reproduction_cost="1000.01", physical="0.3333", currency="KRW")[0] == D("667")
    value, lines = relief_from_royalty(
        revenues=[1000, 1000],
        royalty_rate="0.05",
        tax_rate="0.2",
        discount_rate="0.1",
        valuation_date=TODAY,
        expiry_date=date(2028, 1, 1),
        currency="GBP",
    )
    # 40 / 1.1 + 40 / 1.21 = 36.3636… + 33.0578… = 69.4214… → 69.42 (not 36.36 + 33.06 = 69.42 by luck: see lines)
    assert value == D("69.42") and [line.present_value for line in lines] == [D("36.36"), D("33.06")]
