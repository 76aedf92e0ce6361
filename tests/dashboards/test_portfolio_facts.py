"""The portfolio read from its stored facts equals the portfolio computed from the facilities, for every reader."""

import random
from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import Role
from dashboards.facts import refresh_facts
from dashboards.portfolio import portfolio_data
from facilities.models import Facility, Installment
from facilities.selectors import facility_visible_to
from programs.models import Program
from tests.dashboards.test_facts import _generated
from tests.factories import OrganizationFactory, make_user

pytestmark = pytest.mark.django_db


def _spread_over_two_banks_with_schedules():
    """Every other facility moves to a second bank; each gets three installments, one paid."""
    second = OrganizationFactory(kind="lender")
    for n, facility in enumerate(Facility.objects.order_by("pk")):
        if n % 2:
            Facility.objects.filter(pk=facility.pk).update(lender=second, coverage_ratio=Decimal("0.7"))
        for number in (1, 2, 3):
            Installment.objects.create(
                facility=facility,
                number=number,
                due_date=date(2026, number, 15),
                principal=Decimal("10") * number,
                interest=Decimal("1"),
                paid_principal=Decimal("10") if number == 1 else Decimal("0"),
                paid_interest=Decimal("1") if number == 1 else Decimal("0"),
            )
    return second


def _readers(second):
    banker = make_user(Role.LENDER_OFFICER, second)
    agency_officer = make_user(Role.CASE_OFFICER, Program.objects.get(code="KR1").agency)
    return {"official": make_user(Role.OFFICIAL), "bank": banker, "agency": agency_officer}


def test_the_stored_portfolio_gives_the_figures_of_the_facilities_for_every_reader(settings):
    settings.REPORTING_CURRENCY = "KRW"
    settings.AGENCY_GUARANTEE_FUND = 1000
    _generated(random.Random(7))
    Facility.objects.filter(pk__in=Facility.objects.order_by("pk").values("pk")[:3]).update(
        dpd_bucket="31-60", kind="ip_guaranteed_loan"
    )
    readers = _readers(_spread_over_two_banks_with_schedules())
    live = {name: portfolio_data(facility_visible_to(user=user)) for name, user in readers.items()}
    refresh = refresh_facts()
    for name, user in readers.items():
        stored = portfolio_data(facility_visible_to(user=user), source="auto")
        assert stored.pop("as_of") == refresh.finished_at.isoformat()
        expected = live[name]
        assert expected.pop("as_of") is None
        assert stored == expected, name
    everything, bank = live["official"]["headline"], live["bank"]["headline"]
    assert everything[0]["value"] > bank[0]["value"] > 0  # the bank sees its own facilities only


def test_the_portfolio_page_says_how_fresh_its_figures_are(client, official, settings):
    settings.REPORTING_CURRENCY = "KRW"
    _generated(random.Random(8))
    client.force_login(official)
    assert "Figures computed from the cases now." in client.get("/dashboards/portfolio/").content.decode()
    refresh_facts()
    assert "Figures as of" in client.get("/dashboards/portfolio/").content.decode()
