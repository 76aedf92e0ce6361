from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from facilities.schedules import add_months, allocate, allocate_proceeds, dpd_bucket, schedule, unit


def test_annuity_against_a_hand_computed_example():
    # 1,000.00 at 12% a year over 3 months: payment = 1000 × 0.01 / (1 − 1.01⁻³) = 340.02
    lines = schedule(
        kind="annuity",
        principal="1000",
        annual_rate="0.12",
        months=3,
        start=date(2026, 1, 15),
        currency="GBP",
    )
    assert [(line.principal, line.interest) for line in lines] == [
        (D("330.02"), D("10.00")),
        (D("333.32"), D("6.70")),
        (D("336.66"), D("3.37")),
    ]
    assert [line.total for line in lines][:2] == [D("340.02"), D("340.02")]
    assert sum(line.principal for line in lines) == 1000
    assert [line.due_date for line in lines] == [date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15)]


def test_equal_principal_against_a_hand_computed_example():
    lines = schedule(
        kind="equal_principal",
        principal="1200000",
        annual_rate="0.024",
        months=3,
        start=date(2026, 1, 31),
        currency="KRW",
    )
    assert [(line.principal, line.interest) for line in lines] == [
        (400000, 2400),
        (400000, 1600),
        (400000, 800),
    ]
    assert lines[0].due_date == date(2026, 2, 28)


def test_bullet_pays_interest_monthly_and_principal_at_the_end():
    lines = schedule(
        kind="bullet",
        principal="1000000",
        annual_rate="0.06",
        months=2,
        start=date(2026, 1, 1),
        currency="KRW",
    )
    assert [(line.principal, line.interest) for line in lines] == [(0, 5000), (1000000, 5000)]


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=120),
    st.sampled_from(["annuity", "equal_principal", "bullet"]),
    st.sampled_from(["KRW", "GBP"]),
)
def test_principal_parts_always_sum_to_the_loan(principal, months, kind, currency):
    lines = schedule(
        kind=kind,
        principal=principal,
        annual_rate="0.05",
        months=months,
        start=date(2026, 1, 1),
        currency=currency,
    )
    assert sum(line.principal for line in lines) == principal and len(lines) == months


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=1, max_value=10**9), min_size=2, max_size=4),
    st.sampled_from(["KRW", "GBP", "CNY"]),
)
def test_allocated_parts_sum_to_the_whole_and_follow_the_weights(proceeds, weights, currency):
    parts = allocate(proceeds, weights, currency)
    assert sum(parts) == proceeds
    exact = [D(proceeds) * w / sum(weights) for w in weights]
    step = D("1") if currency == "KRW" else D("0.01")
    assert all(abs(p - e) < step for p, e in zip(parts, exact, strict=True))


def test_allocation_is_deterministic_and_ties_go_to_the_first_party():
    assert allocate(D("101"), [1, 1], "KRW") == [D("51"), D("50")]
    assert allocate(D("100"), [3, 1], "KRW") == [D("75"), D("25")]


@given(
    st.integers(min_value=0, max_value=10**13),
    st.integers(min_value=0, max_value=10**11),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(["KRW", "JPY", "GBP", "USD", "CNY"]),
)
def test_proceeds_split_into_costs_capped_losses_and_surplus_that_sum_to_the_proceeds(
    proceeds_units, costs_units, agency_units, bank_units, currency
):
    q = unit(currency)
    proceeds, costs, agency_loss, bank_loss = (
        n * q for n in (proceeds_units, costs_units, agency_units, bank_units)
    )
    split = allocate_proceeds(
        proceeds=proceeds, costs=costs, agency_loss=agency_loss, bank_loss=bank_loss, currency=currency
    )
    parts = (split.costs, split.agency, split.bank, split.borrower)
    assert split.total == proceeds and all(p >= 0 and p == p.quantize(q) for p in parts)
    assert split.costs == min(costs, proceeds)
    assert split.agency <= agency_loss and split.bank <= bank_loss
    if split.borrower > 0:  # a surplus only once both losses are paid in full
        assert (split.agency, split.bank) == (agency_loss, bank_loss)
    else:  # below the losses: pro rata, within one minor unit
        rest = proceeds - split.costs
        if agency_loss + bank_loss:
            assert abs(split.agency - rest * agency_loss / (agency_loss + bank_loss)) < q


def test_the_issues_auction_allocates_within_the_losses():
    # KRW 395 m raised against 276 m owed: agency paid 234.6 m (85 %), the bank lost 41.4 m;
    # before: 335.75 m and 59.25 m (143 %). Now each gets its loss and 395 − 276 = 119 m is the borrower's.
    split = allocate_proceeds(
        proceeds=D("395000000"), costs=0, agency_loss=D("234600000"), bank_loss=D("41400000"), currency="KRW"
    )
    assert (split.costs, split.agency, split.bank, split.borrower) == (0, 234600000, 41400000, 119000000)
    # with 5 m of costs paid first: 390 m still covers 276 m, the borrower gets 114 m
    split = allocate_proceeds(
        proceeds=D("395000000"),
        costs=D("5000000"),
        agency_loss=D("234600000"),
        bank_loss=D("41400000"),
        currency="KRW",
    )
    assert (split.costs, split.borrower) == (5000000, 114000000)
    # GBP to the penny: 100.01 shared 2 : 1 → 66.6733… and 33.3366…; floors 66.67 + 33.33 = 100.00, and the
    # last penny goes to the larger remainder (the bank's .66 of a penny)
    split = allocate_proceeds(
        proceeds=D("100.01"), costs=0, agency_loss=D("200"), bank_loss=D("100"), currency="GBP"
    )
    assert (split.agency, split.bank) == (D("66.67"), D("33.34")) and split.total == D("100.01")


def test_dpd_buckets():
    assert [dpd_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current",
        "1-30",
        "1-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
    ]


def test_add_months_keeps_the_end_of_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
