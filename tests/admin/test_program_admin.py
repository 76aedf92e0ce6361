"""Invalid program terms typed into the admin come back as the form's errors with what was typed, never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from programs.models import Program
from tests.factories import OrganizationFactory, ProgramFactory, make_user


@pytest.fixture
def admin_client(client, db):
    client.force_login(
        make_user(Role.ADMINISTRATOR, email="root@agency.example", is_staff=True, is_superuser=True)
    )
    return client


def _valid_terms(agency, **changes):
    terms = {
        "agency": agency.pk,
        "code": "GBLOAN",
        "name": "UK IP-backed loan",
        "kind": "ip_collateral_loan",
        "country": "GB",
        "currency": "GBP",
        "min_amount": "50000",
        "max_amount": "500000",
        "max_advance_rate": "0.5",
        "base_interest_rate": "0.06",
        "subsidised_interest_rate": "0.04",
        "guarantee_coverage_min": "0",
        "guarantee_coverage_max": "0",
        "guarantee_fee_min": "0",
        "guarantee_fee_max": "0",
        "valuation_subsidy_share": "0",
        "valuation_subsidy_cap": "0",
        "service_levels": '{"screening": 5}',
        "default_threshold_days": "90",
        "accepted_ip_types": '["patent"]',
        "required_documents": "[]",
        "budget_envelope": "10000000",
        "valuation_budget": "0",
        "company_exposure_ceiling": "1000000",
        "annual_volume_target": "0",
        "eligibility_rules-TOTAL_FORMS": "0",
        "eligibility_rules-INITIAL_FORMS": "0",
        "guarantee_tiers-TOTAL_FORMS": "0",
        "guarantee_tiers-INITIAL_FORMS": "0",
    }
    return {**terms, **changes}


def test_a_valid_program_is_saved_from_the_admin(admin_client):
    agency = OrganizationFactory(kind="agency")
    response = admin_client.post(reverse("admin:programs_program_add"), _valid_terms(agency))
    assert response.status_code == 302
    assert Program.objects.get(code="GBLOAN").currency == "GBP"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_amount": "600000"}, "__all__"),
        ({"subsidised_interest_rate": "0.08"}, "subsidised_interest_rate"),
        ({"accepted_ip_types": "5"}, "accepted_ip_types"),
        ({"accepted_ip_types": '{"patent": 1}'}, "accepted_ip_types"),
        ({"required_documents": '"statement"'}, "required_documents"),
        ({"service_levels": '["screening"]'}, "service_levels"),
        ({"service_levels": "not json"}, "service_levels"),
        ({"max_advance_rate": "1.5"}, "max_advance_rate"),
        ({"min_amount": "-1"}, "min_amount"),
        ({"valuation_budget": "-5"}, "valuation_budget"),
        ({"code": "has spaces"}, "code"),
    ],
    ids=lambda value: str(value),
)
def test_invalid_program_terms_come_back_as_errors(admin_client, changes, field):
    agency = OrganizationFactory(kind="agency")
    response = admin_client.post(reverse("admin:programs_program_add"), _valid_terms(agency, **changes))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors, form.errors
    assert not Program.objects.filter(code="GBLOAN").exists()


def test_a_valuation_budget_below_what_is_used_is_refused_on_change(admin_client):
    program = ProgramFactory(valuation_budget=Decimal("1000"), valuation_budget_used=Decimal("800"))
    terms = _valid_terms(program.agency, code=program.code, valuation_budget="500")
    response = admin_client.post(reverse("admin:programs_program_change", args=[program.pk]), terms)
    assert response.status_code == 200
    assert "valuation_budget" in response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.valuation_budget == Decimal("1000")


def _with_rule(agency, kind, parameters):
    return _valid_terms(
        agency,
        **{
            "eligibility_rules-TOTAL_FORMS": "1",
            "eligibility_rules-0-kind": kind,
            "eligibility_rules-0-parameters": parameters,
            "eligibility_rules-0-explanation": "A rule",
            "eligibility_rules-0-order": "0",
        },
    )


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("company_size", "5"),
        ("company_size", '{"max_employes": 300}'),
        ("company_size", '{"max_employees": "three hundred"}'),
        ("technology_grade", '{"min_grade": "Z"}'),
        ("ip_types", '{"allowed": ["patents"]}'),
        ("revenue_growth", '{"years": 1.5}'),
    ],
)
def test_rule_parameters_a_check_could_not_read_come_back_as_errors(admin_client, kind, parameters):
    agency = OrganizationFactory(kind="agency")
    response = admin_client.post(reverse("admin:programs_program_add"), _with_rule(agency, kind, parameters))
    assert response.status_code == 200
    rule_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "parameters" in rule_form.errors
    assert not Program.objects.filter(code="GBLOAN").exists()


def test_a_rule_with_readable_parameters_is_saved(admin_client):
    agency = OrganizationFactory(kind="agency")
    terms = _with_rule(agency, "company_size", '{"max_employees": 300, "max_revenue": "5000000.50"}')
    assert admin_client.post(reverse("admin:programs_program_add"), terms).status_code == 302
    rule = Program.objects.get(code="GBLOAN").eligibility_rules.get()
    assert rule.parameters == {"max_employees": 300, "max_revenue": "5000000.50"}
