from datetime import date
from decimal import Decimal

import pytest

from programs.eligibility import FAILED, PASSED, UNKNOWN, evaluate, failing
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


def test_exposure_ceiling_compares_the_exposure_given_by_the_caller_with_the_ceiling():
    application = ApplicationFactory(
        requested_amount=Decimal("400"), program__company_exposure_ceiling=Decimal("1000")
    )
    assert outcome_of(application, RuleKind.EXPOSURE_CEILING).outcome == UNKNOWN  # no exposure given
    # 600 elsewhere + 400 asked = 1,000: at the ceiling, passes; 601 + 400 = 1,001: over it
    assert evaluate(application, today=TODAY, exposure=Decimal("600"))[0].outcome == PASSED
    result = evaluate(application, today=TODAY, exposure=Decimal("601"))[0]
    assert result.outcome == FAILED and "1,001" in result.reason


def test_rules_of_one_group_are_alternatives_and_each_is_still_explained():
    """Growth of 20 % a year OR credit grade A; company size must hold on its own."""
    application = ApplicationFactory(company__credit_grade="BB", company__employees=40)
    program = application.program
    EligibilityRule.objects.create(
        program=program, kind=RuleKind.COMPANY_SIZE, parameters={"max_employees": 300}, explanation="SME"
    )
    EligibilityRule.objects.create(
        program=program,
        kind=RuleKind.REVENUE_GROWTH,
        parameters={"min_rate": "0.2", "years": 1},
        explanation="growth",
        group="growth route",
    )
    EligibilityRule.objects.create(
        program=program,
        kind=RuleKind.CREDIT_GRADE,
        parameters={"allowed": ["A"]},
        explanation="grade",
        group="growth route",
    )
    add_revenues(application.company, {2024: 100, 2025: 125})  # +25 %: the growth route passes
    size, growth, grade = evaluate(application, today=TODAY)
    assert (growth.outcome, grade.outcome) == (PASSED, FAILED)
    assert growth.group_outcome == grade.group_outcome == PASSED
    assert failing([size, growth, grade]) == []
    application.company.financial_years.filter(year=2025).update(revenue=110)  # +10 %: both alternatives fail
    size, growth, grade = evaluate(application, today=TODAY)
    assert [r.kind for r in failing([size, growth, grade])] == ["revenue_growth", "credit_grade"]
    assert "10.0%" in growth.reason and "BB" in grade.reason
    application.company.financial_years.filter(
        year=2024
    ).delete()  # growth unknown, grade failed: not known yet
    results = evaluate(application, today=TODAY)
    assert failing(results) == [] and {r.group_outcome for r in results[1:]} == {UNKNOWN}


def test_every_rule_kind_has_a_check():
    from programs.eligibility import CHECKS

    assert set(CHECKS) == set(RuleKind)


def test_the_tier_table_in_the_admin_accepts_known_grades_only():
    from programs.admin import GuaranteeTierForm

    program = ApplicationFactory().program
    data = {
        "program": program.pk,
        "name": "Grade A",
        "growth_group": "",
        "min_term_months": 1,
        "max_term_months": 36,
        "coverage_ratio": "0.85",
        "fee_rate": "0.005",
        "order": 0,
    }
    assert GuaranteeTierForm({**data, "grades": '["A", "AA"]'}).is_valid()
    form = GuaranteeTierForm({**data, "grades": '["A", "Z"]'})
    assert not form.is_valid() and "grades" in form.errors
    # coverage 0 and a term range upside down come back as errors, not as a database 500
    form = GuaranteeTierForm({**data, "grades": "[]", "coverage_ratio": "0", "min_term_months": 40})
    assert not form.is_valid()


def test_a_reason_is_stored_as_its_message_and_parameters_and_read_in_the_readers_language():
    import json

    from django.utils import translation

    from programs.eligibility import reason_text, snapshot

    application = ApplicationFactory(company__employees=48)
    add_revenues(application.company, {2022: 100, 2023: 130, 2024: 170, 2025: 230})
    EligibilityRule.objects.create(
        program=application.program, kind=RuleKind.COMPANY_SIZE, parameters={"max_employees": 50}
    )
    EligibilityRule.objects.create(
        program=application.program, kind=RuleKind.REVENUE_GROWTH, parameters={"min_rate": "0.2", "years": 3}
    )
    with translation.override("ko"):  # submitted by a Korean reader: the snapshot keeps no Korean sentence
        stored = json.loads(json.dumps(snapshot(evaluate(application, today=TODAY))))
    size, growth = stored["rules"]
    assert size["reason_words"] == {
        "msgid": "%(n)s employees, within the program's size limits.",
        "params": {"n": 48},
    }
    assert growth["reason_words"]["params"] == {"min": 20.0, "n": 3}
    with translation.override("en"):
        assert reason_text(size) == "48 employees, within the program's size limits."
        assert reason_text(growth) == "Revenue grew at least 20% in each of the last 3 years."
    with translation.override("ko"):
        korean = reason_text(size)
    assert "48" in korean and "employees" not in korean, korean
    # a snapshot made before reasons were codes keeps its sentence
    assert reason_text({"reason": "48 employees, within the program's size limits."}) == (
        "48 employees, within the program's size limits."
    )
