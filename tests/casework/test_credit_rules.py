"""The credit rules bind: valuation before credit, eligibility at the decision, the program's bounds, the exposure."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from applications.models import Application, Status
from applications.selectors import company_exposure
from casework import services
from casework.models import RubricCriterion
from core.errors import Conflict, InvalidInput, PermissionRefused
from programs.models import EligibilityRule, Program, RuleKind
from reporting.models import ExchangeRate
from tests.factories import ApplicationFactory, ProgramFactory, deliver_valuation, make_submitted

from .test_services import screen

pytestmark = pytest.mark.django_db


def at_valuation(case, officer):
    screen(case, officer)
    services.case_send_to_valuation(application=case, actor=officer)


def score(case, officer):
    services.credit_score(
        application=case,
        actor=officer,
        scores={c.pk: (4, "") for c in RubricCriterion.objects.filter(program=case.program)},
    )


def at_credit_review(case, officer, **valuation):
    at_valuation(case, officer)
    deliver_valuation(case, officer, **valuation)
    services.case_start_credit_review(application=case, actor=officer)
    score(case, officer)


# --- valuation before credit ----------------------------------------------------------------------------


def test_the_credit_review_cannot_start_before_a_valuation_is_ordered(submitted, officer):
    at_valuation(submitted, officer)
    with pytest.raises(Conflict) as error:
        services.case_start_credit_review(application=submitted, actor=officer)
    assert error.value.code == "valuation_missing"
    submitted.refresh_from_db()
    assert submitted.status == Status.VALUATION


def test_a_valuation_only_submitted_does_not_open_the_credit_review(submitted, officer):
    at_valuation(submitted, officer)
    order = deliver_valuation(submitted, officer, accept=False)
    with pytest.raises(Conflict) as error:
        services.case_start_credit_review(application=submitted, actor=officer)
    assert error.value.code == "valuation_not_accepted" and error.value.details["orders"] == {
        str(order.pk): "submitted"
    }


def test_every_ordered_valuation_must_be_accepted_not_just_one(submitted, officer):
    at_valuation(submitted, officer)
    deliver_valuation(submitted, officer)
    deliver_valuation(submitted, officer, accept=False)
    with pytest.raises(Conflict, match="accepted by the agency"):
        services.case_start_credit_review(application=submitted, actor=officer)


def test_a_waiver_needs_a_program_that_allows_it_an_approver_and_a_reason_and_is_shown(
    client, submitted, officer, approver
):
    at_valuation(submitted, officer)
    with pytest.raises(Conflict) as error:
        services.case_waive_valuation(application=submitted, actor=approver, reason="Small amount")
    assert error.value.code == "waiver_not_allowed"
    Program.objects.filter(pk=submitted.program_id).update(allows_valuation_waiver=True)
    submitted.program.refresh_from_db()
    with pytest.raises(PermissionRefused):
        services.case_waive_valuation(application=submitted, actor=officer, reason="Small amount")
    with pytest.raises(InvalidInput):
        services.case_waive_valuation(application=submitted, actor=approver, reason="  ")
    services.case_waive_valuation(application=submitted, actor=approver, reason="Trademark renewal only")
    services.case_start_credit_review(application=submitted, actor=officer)
    client.force_login(officer)
    page = client.get(f"/casework/cases/{submitted.pk}/").content.decode()
    assert "Trademark renewal only" in page and "waived" in page


def test_without_a_valid_valuation_the_advance_rate_limit_is_not_silently_skipped(submitted, officer):
    with freeze_time(date.today() - timedelta(days=30)):
        at_credit_review(submitted, officer, valid_days=10)  # expired 20 days ago
    with pytest.raises(Conflict) as error:
        services.case_recommend(application=submitted, actor=officer)
    assert error.value.code == "valuation_missing"


def test_the_advance_rate_binds_the_recommendation(submitted, officer):
    # 1 asset valued 150,000,000 × advance rate 0.5 = 75,000,000 < the 100,000,000 requested
    at_credit_review(submitted, officer, value_per_asset="150000000")
    services.case_recommend(application=submitted, actor=officer)
    recommendation = submitted.recommendations.get()
    assert recommendation.amount == Decimal("75000000") and recommendation.binding_rule == "advance_rate"


# --- eligibility at the decision ----------------------------------------------------------------------------


def test_a_technology_grade_below_the_minimum_blocks_the_recommendation_with_its_reason(submitted, officer):
    EligibilityRule.objects.create(
        program=submitted.program,
        kind=RuleKind.TECHNOLOGY_GRADE,
        parameters={"min_grade": "BB"},
        explanation="x",
    )
    at_credit_review(submitted, officer, grade="C")
    with pytest.raises(Conflict) as error:
        services.case_recommend(application=submitted, actor=officer)
    assert error.value.code == "not_eligible"
    assert "Technology grade C is below the minimum BB" in error.value.message


def test_eligibility_binds_again_at_the_decision_and_the_page_shows_each_rule(
    client, submitted, officer, approver
):
    EligibilityRule.objects.create(
        program=submitted.program,
        kind=RuleKind.CREDIT_GRADE,
        parameters={"allowed": ["BB", "A"]},
        explanation="x",
    )
    at_credit_review(submitted, officer)
    services.case_recommend(application=submitted, actor=officer)
    submitted.company.credit_grade = "CCC"  # downgraded between the recommendation and the decision
    submitted.company.save()
    client.force_login(approver)
    page = client.get(f"/casework/cases/{submitted.pk}/").content.decode()
    assert "Eligibility now" in page and "Credit grade CCC is not among the accepted grades" in page
    with pytest.raises(Conflict) as error:
        services.case_decide(application=submitted, actor=approver, approve=True, reason_code="A00")
    assert error.value.code == "not_eligible"
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDED
    services.case_decide(application=submitted, actor=approver, approve=False, reason_code="R10")
    submitted.refresh_from_db()
    assert submitted.status == Status.REJECTED


# --- the program's bounds on the proposal ---------------------------------------------------------------------


def test_a_proposal_below_the_program_minimum_cannot_be_recommended_and_names_the_rule(submitted, officer):
    Program.objects.filter(pk=submitted.program_id).update(min_amount=Decimal("80000000"))
    submitted.program.refresh_from_db()
    # 1 asset at 150,000,000 × 0.5 = 75,000,000: below the 80,000,000 minimum
    at_credit_review(submitted, officer, value_per_asset="150000000")
    with pytest.raises(Conflict) as error:
        services.case_recommend(application=submitted, actor=officer)
    assert error.value.code == "outside_program_bounds" and error.value.details["rules"] == [
        "program_minimum"
    ]
    assert "the program's minimum amount" in error.value.message


def test_a_term_above_the_program_maximum_cannot_be_recommended(submitted, officer):
    Program.objects.filter(pk=submitted.program_id).update(max_term_months=60)
    submitted.program.refresh_from_db()
    at_credit_review(submitted, officer)
    with pytest.raises(Conflict) as error:
        services.case_recommend(application=submitted, actor=officer, term_months=61)
    assert error.value.details["rules"] == ["maximum_term"] and "maximum term" in error.value.message
    services.case_recommend(application=submitted, actor=officer, term_months=60)
    assert submitted.recommendations.get().term_months == 60


# --- exposure that reflects reality ---------------------------------------------------------------------------


def test_exposure_counts_cases_in_progress_across_currencies_at_the_dated_rate(program, applicant, officer):
    from tests.factories import company_for_user

    company = company_for_user(applicant)
    gbp = ProgramFactory(agency=program.agency, currency="GBP", max_amount=Decimal("1000000"))
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1700"), as_of=date(2026, 1, 1)
    )
    ExchangeRate.objects.create(
        currency="GBP", quote_currency="KRW", rate=Decimal("1800"), as_of=date(2026, 6, 1)
    )
    ApplicationFactory(
        program=gbp, company=company, status="screening", reference="G-1", requested_amount=100000
    )
    ApplicationFactory(
        program=program, company=company, status="valuation", reference="K-1", requested_amount=5000
    )
    ApplicationFactory(
        program=program, company=company, status="rejected", reference="K-2", requested_amount=7000
    )
    # 5,000 KRW + 100,000 GBP × 1,800 (the rate dated 2026-06-01, the latest before 2026-07-01) = 180,005,000 KRW
    assert company_exposure(company=company, currency="KRW", on=date(2026, 7, 1)) == Decimal("180005000")
    # before June the older rate applies: 5,000 + 100,000 × 1,700 = 170,005,000
    assert company_exposure(company=company, currency="KRW", on=date(2026, 3, 1)) == Decimal("170005000")
    with pytest.raises(Conflict) as error:
        company_exposure(company=company, currency="KRW", on=date(2025, 12, 31))
    assert error.value.code == "missing_rate"


def test_an_approved_case_without_a_facility_counts_at_its_approved_amount(
    program, submitted, officer, approver
):
    """Disbursed and repaid facilities: tests/facilities/test_money_rules.py."""
    at_credit_review(submitted, officer)
    services.case_recommend(application=submitted, actor=officer)
    services.case_decide(application=submitted, actor=approver, approve=True, reason_code="A00")
    company = Application.objects.get(pk=submitted.pk).company
    # approved 100,000,000, no facility yet: counted at the approved amount
    assert company_exposure(company=company, currency="KRW") == Decimal("100000000")
    assert company_exposure(company=company, currency="KRW", exclude=submitted) == 0


def test_another_case_of_the_company_lowers_the_headroom_of_the_proposal(program, submitted, officer):
    Program.objects.filter(pk=program.pk).update(company_exposure_ceiling=Decimal("150000000"))
    program.refresh_from_db()
    other = make_submitted(
        program,
        company=submitted.company,
        created_by=submitted.created_by,
        requested_amount=Decimal("70000000"),
    )
    assert other.status == Status.SUBMITTED
    at_credit_review(submitted, officer)
    # ceiling 150,000,000 − 70,000,000 in progress elsewhere = 80,000,000 < 100,000,000 requested
    services.case_recommend(application=submitted, actor=officer)
    recommendation = submitted.recommendations.get()
    assert (recommendation.amount, recommendation.binding_rule) == (Decimal("80000000"), "exposure_headroom")
