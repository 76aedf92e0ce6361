"""The agency's staff pages for its programs: terms, panels and service levels, eligibility rules with any-of
groups, guarantee tiers and the credit rubric, with errors on the form and other agencies refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from casework.models import RubricCriterion
from programs.models import EligibilityRule, GuaranteeTier, Program
from tests.factories import OrganizationFactory, ProgramFactory, make_user

pytestmark = pytest.mark.django_db


def _terms(agency, bank, valuer_firm, **over):
    return {
        "agency": agency.pk,
        "code": "UKIP",
        "name": "UK IP-backed loan",
        "kind": "ip_collateral_loan",
        "country": "GB",
        "currency": "GBP",
        "min_amount": "250000",
        "max_amount": "10000000",
        "max_advance_rate": "0.5",
        "base_interest_rate": "0.08",
        "subsidised_interest_rate": "0.08",
        "guarantee_coverage_min": "0",
        "guarantee_coverage_max": "0",
        "guarantee_fee_min": "0",
        "guarantee_fee_max": "0",
        "valuation_subsidy_share": "0",
        "valuation_subsidy_cap": "0",
        "default_threshold_days": "90",
        "accepted_ip_types": ["patent", "trademark", "software"],
        "required_documents": "Financial statements\nBusiness plan",
        "budget_envelope": "50000000",
        "valuation_budget": "0",
        "company_exposure_ceiling": "10000000",
        "annual_volume_target": "20000000",
        "partner_lenders": [bank.pk],
        "valuer_panel": [valuer_firm.pk],
        "service_level_screening": "5",
        "service_level_credit_review": "10",
        "is_published": "on",
        **over,
    }


@pytest.fixture
def panels():
    return (
        OrganizationFactory(kind=OrganizationKind.LENDER, name="London Bank"),
        OrganizationFactory(kind=OrganizationKind.VALUER, name="IP Valuers Ltd"),
    )


def test_an_agency_administrator_sets_up_a_gbp_loan_with_its_value_based_cap_and_panels(
    client, administrator, agency, officer, panels
):
    bank, valuer_firm = panels
    client.force_login(administrator)
    assert client.get(reverse("programs:setup_new")).status_code == 200
    bad = client.post(reverse("programs:setup_new"), _terms(agency, bank, valuer_firm, min_amount="20000000"))
    assert bad.status_code == 200 and bad.context["form"].errors
    assert b'value="UK IP-backed loan"' in bad.content  # what was typed stays
    assert not Program.objects.exists()
    saved = client.post(
        reverse("programs:setup_new"), _terms(agency, bank, valuer_firm, officers=[officer.pk])
    )
    assert saved.status_code == 302
    program = Program.objects.get(code="UKIP")
    assert (program.currency, program.min_amount, program.max_advance_rate) == (
        "GBP",
        Decimal("250000"),
        Decimal("0.5"),
    )
    assert program.service_levels == {"screening": 5, "credit_review": 10}
    assert program.required_documents == ["Financial statements", "Business plan"]
    assert list(program.partner_lenders.all()) == [bank] and list(program.valuer_panel.all()) == [valuer_firm]
    assert list(program.officers.all()) == [officer]
    assert AuditEvent.objects.filter(action="program.created").count() == 1
    # the terms change on the same page; the code and the budget counters stay
    url = reverse("programs:setup_program", args=[program.pk])
    client.post(url, _terms(agency, bank, valuer_firm, code="OTHER", max_advance_rate="0.4"))
    program.refresh_from_db()
    assert (program.code, program.max_advance_rate, program.budget_used) == ("UKIP", Decimal("0.4"), 0)


def test_rules_with_an_any_of_group_tiers_and_the_rubric_are_added_and_bad_ones_come_back(
    client, administrator, agency
):
    program = ProgramFactory(agency=agency, code="GUAR", kind="ip_guaranteed_loan")
    client.force_login(administrator)
    add = reverse("programs:setup_part_add", args=[program.pk, "rule"])
    for kind, parameters in (
        ("company_size", '{"min_employees": 10}'),
        ("revenue_growth", '{"min_rate": 0.2}'),
    ):
        client.post(
            add,
            {"rule-kind": kind, "rule-parameters": parameters, "rule-explanation": "x", "rule-group": "size"},
        )
    refused = client.post(
        add, {"rule-kind": "company_size", "rule-parameters": '{"max_staff": 3}', "rule-explanation": "y"}
    )
    assert refused.status_code == 200 and "Unknown parameters max_staff" in refused.content.decode()
    assert list(EligibilityRule.objects.filter(program=program).values_list("group", flat=True)) == [
        "size",
        "size",
    ]
    tiers = reverse("programs:setup_part_add", args=[program.pk, "tier"])
    client.post(
        tiers,
        {
            "tier-name": "A band",
            "tier-grades": '["AAA", "AA", "A"]',
            "tier-min_term_months": "1",
            "tier-max_term_months": "60",
            "tier-coverage_ratio": "0.9",
            "tier-fee_rate": "0.005",
            "tier-order": "0",
        },
    )
    bad_tier = client.post(
        tiers,
        {
            "tier-name": "Z",
            "tier-grades": '["Q"]',
            "tier-min_term_months": "1",
            "tier-max_term_months": "60",
            "tier-coverage_ratio": "1.5",
            "tier-fee_rate": "0.01",
            "tier-order": "1",
        },
    )
    assert bad_tier.status_code == 200 and bad_tier.context["tier_form"].errors
    assert [(t.name, t.coverage_ratio) for t in GuaranteeTier.objects.filter(program=program)] == [
        ("A band", Decimal("0.9"))
    ]
    rubric = reverse("casework:rubric", args=[program.pk])
    client.post(rubric, {"name": "Technology", "weight": "3"})
    assert client.post(rubric, {"name": "Zero", "weight": "0"}).status_code == 200
    assert [(c.name, c.weight) for c in RubricCriterion.objects.filter(program=program)] == [
        ("Technology", Decimal("3"))
    ]


def test_another_agencys_administrator_and_other_roles_are_refused_and_nothing_changes(
    client, agency, other_agency, officer
):
    program = ProgramFactory(agency=agency, code="MINE")
    rule = EligibilityRule.objects.create(program=program, kind="sector", parameters={}, explanation="x")
    outsider = make_user(Role.ADMINISTRATOR, other_agency)
    for user in (outsider, officer):
        client.force_login(user)
        assert client.get(reverse("programs:setup_program", args=[program.pk])).status_code == 404
        remove = reverse("programs:setup_part_remove", args=[program.pk, "rule", rule.pk])
        assert client.post(remove).status_code == 404
        assert (
            client.post(
                reverse("casework:rubric", args=[program.pk]), {"name": "x", "weight": "1"}
            ).status_code
            == 404
        )
    assert EligibilityRule.objects.filter(pk=rule.pk).exists() and not RubricCriterion.objects.filter(
        program=program
    )
    client.force_login(outsider)
    assert "MINE" not in client.get(reverse("programs:setup")).content.decode()
