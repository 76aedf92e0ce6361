from datetime import date
from decimal import Decimal

import pytest

from programs.eligibility import FAILED, PASSED, UNKNOWN, evaluate
from programs.models import EligibilityRule, RuleKind
from tests.factories import ApplicationFactory, IPAssetFactory, add_revenues

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def outcome_of(application, kind, parameters=None, **kwargs):
    EligibilityRule.objects.create(
        program=application.program, kind=kind, parameters=parameters or {}, explanation="x"
    )
    [result] = evaluate(application, today=TODAY, **kwargs)
    return result


def test_company_size_passes_within_and_fails_above_the_employee_limit():
    application = ApplicationFactory(company__employees=300)
    assert outcome_of(application, RuleKind.COMPANY_SIZE, {"max_employees": 300}).outcome == PASSED
    application.company.employees = 301
    result = evaluate(application, today=TODAY)[0]
    assert result.outcome == FAILED and "301" in result.reason


def test_company_size_revenue_limit_is_unknown_without_revenue_and_fails_above_it():
    application = ApplicationFactory()
    assert outcome_of(application, RuleKind.COMPANY_SIZE, {"max_revenue": 1000}).outcome == UNKNOWN
    add_revenues(application.company, {2025: 5000})
    assert evaluate(application, today=TODAY)[0].outcome == FAILED


def test_credit_grade_must_be_among_the_allowed():
    application = ApplicationFactory(company__credit_grade="CCC")
    assert outcome_of(application, RuleKind.CREDIT_GRADE, {"allowed": ["A", "BBB"]}).outcome == FAILED
    application.company.credit_grade = "BBB"
    assert evaluate(application, today=TODAY)[0].outcome == PASSED
    application.company.credit_grade = ""
    assert evaluate(application, today=TODAY)[0].outcome == UNKNOWN


def test_sector_is_matched_without_regard_to_case():
    application = ApplicationFactory(company__sector="Biotechnology")
    assert outcome_of(application, RuleKind.SECTOR, {"allowed": ["biotechnology", "Games"]}).outcome == PASSED
    application.company.sector = "Mining"
    assert evaluate(application, today=TODAY)[0].outcome == FAILED


def test_remaining_life_names_the_assets_that_are_too_short():
    application = ApplicationFactory()
    long_asset = IPAssetFactory(company=application.company, expiry_date=date(2036, 1, 1))
    short_asset = IPAssetFactory(company=application.company, expiry_date=date(2027, 6, 1))
    application.ip_assets.set([long_asset])
    assert outcome_of(application, RuleKind.IP_REMAINING_LIFE, {"min_years": 3}).outcome == PASSED
    application.ip_assets.add(short_asset)
    result = evaluate(application, today=TODAY)[0]
    assert result.outcome == FAILED and short_asset.registry_number in result.reason


def test_remaining_life_is_unknown_with_no_asset_selected():
    application = ApplicationFactory()
    assert outcome_of(application, RuleKind.IP_REMAINING_LIFE, {"min_years": 3}).outcome == UNKNOWN


@pytest.mark.parametrize(
    ("revenues", "expected"),
    [
        ({2022: 100, 2023: 120, 2024: 144, 2025: 173}, PASSED),  # +20%, +20%, +20.1%
        ({2022: 100, 2023: 120, 2024: 143, 2025: 173}, FAILED),  # +19.2% in 2024
        ({2023: 100, 2024: 150, 2025: 200}, UNKNOWN),  # three revenues cannot show three years of growth
        ({2022: 100, 2023: 150, 2025: 300, 2024: 200}, PASSED),  # order of entry does not matter
    ],
)
def test_revenue_growth_needs_the_rate_in_every_one_of_the_years(revenues, expected):
    application = ApplicationFactory()
    add_revenues(application.company, revenues)
    assert outcome_of(application, RuleKind.REVENUE_GROWTH, {"min_rate": 0.2, "years": 3}).outcome == expected


def test_technology_grade_is_unknown_until_graded_then_compared_on_the_scale():
    application = ApplicationFactory()
    assert outcome_of(application, RuleKind.TECHNOLOGY_GRADE, {"min_grade": "BB"}).outcome == UNKNOWN
    assert evaluate(application, today=TODAY, technology_grade="BBB")[0].outcome == PASSED
    assert evaluate(application, today=TODAY, technology_grade="BB")[0].outcome == PASSED
    assert evaluate(application, today=TODAY, technology_grade="B")[0].outcome == FAILED


def test_ip_types_default_to_the_programs_accepted_types():
    application = ApplicationFactory(program__accepted_ip_types=["patent"])
    application.ip_assets.set([IPAssetFactory(company=application.company, ip_type="patent")])
    assert outcome_of(application, RuleKind.IP_TYPES).outcome == PASSED
    application.ip_assets.add(IPAssetFactory(company=application.company, ip_type="trademark"))
    assert evaluate(application, today=TODAY)[0].outcome == FAILED


def test_exposure_ceiling_counts_other_open_cases_of_the_same_currency():
    application = ApplicationFactory(
        requested_amount=Decimal("400"), program__company_exposure_ceiling=Decimal("1000")
    )
    assert outcome_of(application, RuleKind.EXPOSURE_CEILING).outcome == PASSED
    ApplicationFactory(
        company=application.company, status="screening", reference="X-1", requested_amount=Decimal("700")
    )
    ApplicationFactory(
        company=application.company,
        status="screening",
        reference="X-2",
        requested_amount=Decimal("900"),
        program__currency="GBP",
    )
    result = evaluate(application, today=TODAY)[0]
    assert result.outcome == FAILED and "1,100" in result.reason


def test_every_rule_kind_has_a_check():
    from programs.eligibility import CHECKS

    assert set(CHECKS) == set(RuleKind)
