"""Funds set up through the services: sub-funds in any currency under a mother fund (counted in the mother's
currency at the dated rate), terms changed within limits, and the manager's licence as a dated history that the
ledger reads on each entry's date."""

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind
from audit.models import AuditEvent
from core.errors import Conflict, InvalidInput
from funds import services
from funds.models import Fund, LicenceState
from reporting.models import ExchangeRate
from tests.factories import OrganizationFactory
from tests.funds.factories import mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db


def _usd_rates():
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1300"), as_of=date(2024, 1, 2)
    )
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1400"), as_of=date(2025, 1, 2)
    )


def test_a_usd_sub_fund_under_a_krw_mother_fund_counts_its_commitment_at_the_dated_rate():
    _usd_rates()
    mother = mother_fund("1000000", currency="KRW")
    fund = services.sub_fund_create(
        parent=mother, actor=None, committed_on=date(2024, 6, 30), currency="USD", **sub_fund_fields("500.50")
    )
    assert fund.currency == "USD" and fund.size == Decimal("500.50")
    assert fund.parent_commitment == Decimal(
        "650650"
    )  # 500.50 × 1300, the rate of 2 January 2024, in whole won
    assert fund.parent_rate.as_of == date(2024, 1, 2)
    mother.refresh_from_db()
    assert mother.committed_to_sub_funds == Decimal("650650") and mother.room_left == Decimal("349350")
    event = AuditEvent.objects.get(action="fund.sub_fund_created")
    assert event.details["rate"] == {
        "currency": "USD",
        "to": "KRW",
        "rate": "1300.0000000000",
        "as_of": "2024-01-02",
    }


def test_the_mother_funds_room_is_checked_in_its_own_currency():
    _usd_rates()
    mother = mother_fund("1000000", currency="KRW")
    # 700 USD is 700 in the sub-fund's currency but 980,000 KRW at the 2025 rate: it fits once, not twice
    services.sub_fund_create(
        parent=mother, actor=None, committed_on=date(2025, 3, 1), currency="USD", **sub_fund_fields("700")
    )
    with pytest.raises(Conflict) as refused:
        services.sub_fund_create(
            parent=mother, actor=None, committed_on=date(2025, 3, 1), currency="USD", **sub_fund_fields("100")
        )
    assert refused.value.code == "over_commitment"
    assert mother.sub_funds.count() == 1


def test_a_sub_fund_in_a_currency_without_a_rate_is_refused_and_nothing_is_written():
    mother = mother_fund("1000000", currency="KRW")
    with pytest.raises(Conflict) as refused:
        services.sub_fund_create(
            parent=mother, actor=None, committed_on=date(2025, 3, 1), currency="CNY", **sub_fund_fields("10")
        )
    assert refused.value.code == "missing_rate"
    mother.refresh_from_db()
    assert mother.committed_to_sub_funds == 0 and not mother.sub_funds.exists()


def test_a_sub_fund_cannot_be_anchored_by_another_sub_fund_nor_end_before_it_starts():
    mother = mother_fund("1000")
    sub = services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("100"))
    with pytest.raises(InvalidInput):
        services.sub_fund_create(parent=sub, actor=None, **sub_fund_fields("10"))
    with pytest.raises(InvalidInput) as refused:
        services.sub_fund_create(
            parent=mother, actor=None, **sub_fund_fields("10", investment_period_end=date(2021, 1, 1))
        )
    assert "investment_period_end" in refused.value.details


def test_a_mother_fund_is_created_with_its_declared_size_and_cannot_shrink_below_its_commitments():
    agency = OrganizationFactory(kind=OrganizationKind.AGENCY)
    mother = services.mother_fund_create(
        actor=None,
        agency=agency,
        name="Fund of funds",
        currency="KRW",
        size=Decimal("1000"),
        vintage=2024,
        investment_period_start=date(2024, 1, 1),
        investment_period_end=date(2028, 1, 1),
    )
    services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("600"))
    with pytest.raises(InvalidInput) as refused:
        services.fund_update(fund=mother, actor=None, size=Decimal("500"))
    assert refused.value.code == "size_below_commitments"
    services.fund_update(fund=mother, actor=None, size=Decimal("2000"), name="Bigger fund of funds")
    mother.refresh_from_db()
    assert (mother.size, mother.name) == (Decimal("2000"), "Bigger fund of funds")
    assert AuditEvent.objects.filter(action="fund.terms_changed").count() == 1


def test_a_sub_funds_size_and_currency_are_fixed_but_its_rules_can_change():
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    with pytest.raises(InvalidInput):
        services.fund_update(fund=fund, actor=None, size=Decimal("200"))
    with pytest.raises(InvalidInput):
        services.fund_update(fund=fund, actor=None, min_overseas_revenue_share=Decimal("1.5"))
    services.fund_update(fund=fund, actor=None, min_overseas_revenue_share=Decimal("0.2"))
    fund.refresh_from_db()
    assert fund.min_overseas_revenue_share == Decimal("0.2") and fund.size == Decimal("100")


@freeze_time("2025-06-01")
def test_an_investment_dated_before_the_licence_was_returned_is_accepted():
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    services.licence_change(fund=fund, actor=None, state=LicenceState.RETURNED, on=date(2024, 3, 1))
    entry = services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 5, 1), amount=Decimal("10")
    )
    assert entry.pk and Fund.objects.get(pk=fund.pk).deployed_total == Decimal("10")


@freeze_time("2025-06-01")
def test_an_investment_dated_after_the_licence_was_returned_is_refused():
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    services.licence_change(fund=fund, actor=None, state=LicenceState.RETURNED, on=date(2024, 3, 1))
    for day in (date(2024, 3, 1), date(2025, 1, 1)):
        with pytest.raises(Conflict) as refused:
            services.cash_flow_record(fund=fund, actor=None, kind="reserve", date=day, amount=Decimal("10"))
        assert refused.value.code == "licence_inactive"
    # a call or a fee is still recorded: the fund winds down
    services.cash_flow_record(fund=fund, actor=None, kind="fee", date=date(2025, 1, 1), amount=Decimal("1"))
    assert fund.cash_flows.count() == 1


@freeze_time("2025-06-01")
def test_a_suspension_blocks_investments_only_while_it_lasts():
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    services.licence_change(fund=fund, actor=None, state=LicenceState.SUSPENDED, on=date(2024, 1, 1))
    services.licence_change(fund=fund, actor=None, state=LicenceState.ACTIVE, on=date(2024, 7, 1))
    with pytest.raises(Conflict):
        services.cash_flow_record(
            fund=fund, actor=None, kind="deploy", date=date(2024, 3, 1), amount=Decimal("5")
        )
    services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2024, 8, 1), amount=Decimal("5")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 8, 1), amount=Decimal("5")
    )
    fund.refresh_from_db()
    assert fund.licence_state == LicenceState.ACTIVE and fund.licence_changed_on == date(2024, 7, 1)
    assert list(fund.licence_events.values_list("state", flat=True)) == ["active", "suspended"]


@freeze_time("2025-06-01")
def test_a_licence_change_in_the_future_or_twice_on_a_day_or_to_the_same_state_is_refused():
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    with pytest.raises(InvalidInput):
        services.licence_change(fund=fund, actor=None, state=LicenceState.RETURNED, on=date(2025, 7, 1))
    with pytest.raises(Conflict):
        services.licence_change(fund=fund, actor=None, state=LicenceState.ACTIVE, on=date(2024, 1, 1))
    services.licence_change(fund=fund, actor=None, state=LicenceState.SUSPENDED, on=date(2024, 1, 1))
    with pytest.raises(Conflict):
        services.licence_change(fund=fund, actor=None, state=LicenceState.RETURNED, on=date(2024, 1, 1))
    assert fund.licence_events.count() == 1
    assert AuditEvent.objects.filter(action="fund.licence_changed").count() == 1
