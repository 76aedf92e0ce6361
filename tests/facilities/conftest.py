from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import OrganizationKind, Role
from applications.models import Application
from facilities import services
from tests.factories import OrganizationFactory, make_user


@pytest.fixture
def bank():
    return OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank A")


@pytest.fixture
def banker(bank):
    return make_user(Role.LENDER_OFFICER, bank)


def approved_case(program, submitted, amount="1200000"):
    Application.objects.filter(pk=submitted.pk).update(status="approved", approved_amount=Decimal(amount))
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def guaranteed(program, submitted, bank, officer):
    """A guaranteed facility (80% coverage) with the case's IP pledged."""
    from programs.models import GuaranteeTier, Program

    Program.objects.filter(pk=program.pk).update(
        kind="ip_guaranteed_loan",
        guarantee_coverage_min=Decimal("0.7"),
        guarantee_coverage_max=Decimal("0.8"),
        guarantee_fee_min=Decimal("0.005"),
        guarantee_fee_max=Decimal("0.03"),
        default_threshold_days=90,
    )
    program.refresh_from_db()
    # one row of the tier table for every borrower and term: 80 % at 0.5 %
    GuaranteeTier.objects.create(
        program=program, name="All", coverage_ratio=Decimal("0.8"), fee_rate=Decimal("0.005")
    )
    program.partner_lenders.add(bank)
    case = approved_case(program, submitted)
    case.program.refresh_from_db()
    return services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, f"REG-{a.pk}", date(2026, 1, 2)) for a in case.ip_assets.all()],
    )
