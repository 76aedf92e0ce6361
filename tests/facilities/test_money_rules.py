"""Guarantee terms from the tier table, budgets for the guaranteed share, exposure that follows repayment,
repayment dates that make sense."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from applications.models import Application
from applications.selectors import company_exposure
from core.errors import Conflict, InvalidInput, PermissionRefused
from facilities import services
from programs.models import GuaranteeTier, Program
from programs.services import program_budget_share
from programs.tiers import growth_group_of
from tests.factories import add_revenues

from .conftest import approved_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarantee_program(program, bank):
    Program.objects.filter(pk=program.pk).update(
        kind="ip_guaranteed_loan",
        guarantee_coverage_min=Decimal("0.5"),
        guarantee_coverage_max=Decimal("0.9"),
        guarantee_fee_min=Decimal("0.005"),
        guarantee_fee_max=Decimal("0.03"),
        max_term_months=60,
    )
    program.refresh_from_db()
    program.partner_lenders.add(bank)
    tiers = [
        ("High growth, any grade", [], "high", 1, 60, "0.85", "0.008"),
        ("Grade C band", ["CCC", "CC", "C"], "", 1, 60, "0.50", "0.030"),
        ("Up to 3 years", [], "", 1, 36, "0.75", "0.015"),
        ("Longer", [], "", 37, 60, "0.70", "0.020"),
    ]
    for order, (name, grades, growth, low, high, coverage, fee) in enumerate(tiers):
        GuaranteeTier.objects.create(
            program=program,
            name=name,
            grades=grades,
            growth_group=growth,
            min_term_months=low,
            max_term_months=high,
            coverage_ratio=Decimal(coverage),
            fee_rate=Decimal(fee),
            order=order,
        )
    return program


def create(case, actor, bank, term=24, **terms):
    return services.facility_create_from_application(
        application=case, actor=actor, lender=bank, term_months=term, schedule_type="annuity", **terms
    )


def test_growth_groups_from_the_last_two_years_of_revenue():
    assert growth_group_of([(2024, 100), (2025, 120)]) == "high"  # +20 %
    assert growth_group_of([(2024, 100), (2025, 119)]) == "growing"  # +19 %
    assert growth_group_of([(2024, 100), (2025, 99)]) == "declining"
    assert growth_group_of([(2025, 100)]) == "unknown"
    assert growth_group_of([(2023, 100), (2025, 200)]) == "unknown"  # 2024 missing


def test_the_facility_takes_the_first_tier_that_fits_and_shows_it(
    client, guarantee_program, submitted, officer, bank
):
    case = approved_case(guarantee_program, submitted)
    add_revenues(case.company, {2024: 1000, 2025: 1100})  # +10 %: growing, not high growth
    facility = create(case, officer, bank, term=48)  # no grade (no valuation), 48 months: "Longer"
    assert (facility.coverage_ratio, facility.guarantee_fee_rate) == (Decimal("0.70"), Decimal("0.020"))
    assert facility.guarantee_tier.name == "Longer" and facility.terms_override_reason == ""
    client.force_login(officer)
    assert "tier Longer" in client.get(f"/facilities/{facility.pk}/").content.decode()


def test_a_high_growth_borrower_gets_the_high_growth_tier(guarantee_program, submitted, officer, bank):
    case = approved_case(guarantee_program, submitted)
    add_revenues(case.company, {2024: 1000, 2025: 1300})  # +30 %
    facility = create(case, officer, bank)
    assert (facility.guarantee_tier.name, facility.coverage_ratio) == (
        "High growth, any grade",
        Decimal("0.85"),
    )


def test_the_term_is_bounded_by_the_programs_maximum(guarantee_program, submitted, officer, bank):
    case = approved_case(guarantee_program, submitted)
    with pytest.raises(InvalidInput) as error:
        create(case, officer, bank, term=61)
    assert "term_months" in error.value.details


def test_other_terms_need_an_approver_and_a_reason_and_are_shown_with_the_tier(
    client, guarantee_program, submitted, officer, approver, bank
):
    case = approved_case(guarantee_program, submitted)
    with pytest.raises(PermissionRefused):
        create(case, officer, bank, coverage_ratio=Decimal("0.9"), guarantee_fee_rate=Decimal("0.005"))
    with pytest.raises(InvalidInput):
        create(case, approver, bank, coverage_ratio=Decimal("0.9"), guarantee_fee_rate=Decimal("0.005"))
    with pytest.raises(InvalidInput):  # above the program's highest coverage even with a reason
        create(
            case,
            approver,
            bank,
            coverage_ratio=Decimal("0.95"),
            guarantee_fee_rate=Decimal("0.005"),
            override_reason="Strategic sector",
        )
    facility = create(
        case,
        approver,
        bank,
        coverage_ratio=Decimal("0.9"),
        guarantee_fee_rate=Decimal("0.005"),
        override_reason="Strategic sector",
    )
    assert (facility.coverage_ratio, facility.terms_override_by) == (Decimal("0.9"), approver)
    client.force_login(officer)
    page = client.get(f"/facilities/{facility.pk}/")
    assert "Strategic sector" in page.content.decode() and "Up to 3 years" in page.content.decode()


def test_no_fitting_tier_means_an_approver_sets_the_terms(guarantee_program, submitted, officer, bank):
    GuaranteeTier.objects.filter(program=guarantee_program).exclude(name="Grade C band").delete()
    case = approved_case(guarantee_program, submitted)
    with pytest.raises(Conflict) as error:
        create(case, officer, bank)
    assert error.value.code == "no_guarantee_tier"


def test_a_guarantee_draws_its_budget_for_the_guaranteed_share(
    guarantee_program, submitted, officer, bank, banker
):
    # a guarantee program reserves at its highest coverage: the 100,000,000 asked reserved 100,000,000 × 0.9
    assert program_budget_share(program=guarantee_program, amount=Decimal("100000000")) == Decimal("90000000")
    assert program_budget_share(program=guarantee_program, amount=Decimal("100.005"), coverage="0.5") == 50
    case = approved_case(guarantee_program, submitted, amount="1000000")
    facility = create(case, officer, bank)  # "Up to 3 years": 75 %
    services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=date.today(),
        idempotency_key="g1",
    )
    program = Program.objects.get(pk=guarantee_program.pk)
    # used: 1,000,000 × 0.75 = 750,000; released back: 1,000,000 × (0.9 − 0.75) = 150,000
    assert program.budget_used == Decimal("750000")
    # committed: 90,000,000 reserved at submission − 750,000 used − 150,000 released = 89,100,000
    assert program.budget_committed == Decimal("89100000")


def test_exposure_follows_the_outstanding_principal_and_is_zero_after_full_repayment(guaranteed, banker):
    company = guaranteed.application.company
    # approved, not disbursed: the principal 1,200,000
    assert company_exposure(company=company, currency="KRW") == Decimal("1200000")
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="e1",
    )
    services.repayment_record(
        facility=guaranteed, actor=banker, amount=Decimal("102000"), paid_on=date(2026, 2, 1), reference="R1"
    )
    # equal principal: 100,000 a month; the first payment was 2,000 interest (1,200,000 × 2 % / 12) + 100,000
    assert company_exposure(company=company, currency="KRW") == Decimal("1100000")
    owed = sum(
        i.principal - i.paid_principal + i.interest - i.paid_interest for i in guaranteed.installments.all()
    )
    services.repayment_record(
        facility=guaranteed, actor=banker, amount=owed, paid_on=date(2026, 3, 1), reference="R2"
    )
    assert company_exposure(company=company, currency="KRW") == 0
    assert (
        Application.objects.get(pk=guaranteed.application_id).status == "approved"
    )  # approved forever, owes nothing


def test_repayments_dated_in_the_future_or_before_the_disbursement_are_refused_and_the_form_keeps_them(
    client, guaranteed, banker
):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="e2",
    )
    for day in (date.today() + timedelta(days=1), date(2025, 12, 31)):
        with pytest.raises(InvalidInput) as error:
            services.repayment_record(
                facility=guaranteed, actor=banker, amount=1000, paid_on=day, reference="X"
            )
        assert "paid_on" in error.value.details
    client.force_login(banker)
    response = client.post(
        f"/facilities/{guaranteed.pk}/repay/",
        {"paid_on": "2025-12-31", "amount": "1000", "reference": "TYPED-REF"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and "TYPED-REF" in body and "2025-12-31" in body
    assert "before the disbursement" in body
    accepted, refused = services.repayments_import_csv(
        facility=guaranteed, actor=banker, text=f"{date.today() + timedelta(days=3)},1000,F1\n"
    )
    assert accepted == [] and "future" in refused[0][1]
    assert guaranteed.repayments.count() == 0
