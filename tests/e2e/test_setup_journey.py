"""From a database holding one platform operator and nothing else, through the screens only: organisations (admin),
the operator made the agency's administrator, who sets up on the staff pages a GBP loan program with a value-based
cap and minimum and an any-of eligibility group, a KRW guarantee program with coverage tiers and a CNY pledge-loan
program requiring registered pledges; a dated exchange rate (admin); a KRW fund of funds and a USD sub-fund with a
minimum-overseas-revenue rule; invites an officer, a bank user and the sub-fund's manager; an SME signs up and
applies to each program; the fund manager records a capital call."""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail

from accounts.models import Membership, User
from applications.models import Application, Status
from funds.models import Fund
from programs.models import GuaranteeTier, Program
from reporting.models import ExchangeRate
from tests.e2e.conftest import sign_in, sign_out
from tests.factories import TEST_TOTP_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def _admin_add(page, model, fields, selects=None):
    """Fill the admin add form of ``model`` (app/model) by field id and save; the change list must follow."""
    page.goto(f"/admin/{model}/add/")
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)
    for name, label in (selects or {}).items():
        page.locator(f"#id_{name}").select_option(label=label)
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    assert not errors, (model, errors)


def _program(page, fields, boxes, selects):
    """The agency's program set-up page: fill the terms by field id, tick boxes by label, save; no error may show."""
    page.goto("/programs/setup/new/")
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)
    for name, label in selects.items():
        page.locator(f"#id_{name}").select_option(label=label)
    for label in boxes:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save the terms").click()
    page.wait_for_load_state()
    errors = page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
    assert not errors, errors


TERMS = {
    "min_amount": "0",
    "max_amount": "0",
    "max_advance_rate": "0.5",
    "base_interest_rate": "0.05",
    "subsidised_interest_rate": "0.05",
    "guarantee_coverage_min": "0",
    "guarantee_coverage_max": "0",
    "guarantee_fee_min": "0",
    "guarantee_fee_max": "0",
    "valuation_subsidy_share": "0",
    "valuation_subsidy_cap": "0",
    "default_threshold_days": "90",
    "budget_envelope": "0",
    "valuation_budget": "0",
    "company_exposure_ceiling": "0",
    "annual_volume_target": "0",
    "service_level_screening": "5",
}


def _set_up_programs(page):
    _program(
        page,
        {
            **TERMS,
            "code": "UKIPLOAN",
            "name": "UK IP-backed loan",
            "country": "GB",
            "min_amount": "250000",
            "max_amount": "10000000",
            "max_advance_rate": "0.5",  # the value-based cap: half the appraised IP value
            "base_interest_rate": "0.09",
            "subsidised_interest_rate": "0.09",
            "budget_envelope": "200000000",
            "company_exposure_ceiling": "10000000",
            "annual_volume_target": "2000000",
        },
        ["Patent", "Trademark", "London Bank", "Published"],
        {"kind": "IP-collateral loan", "currency": "GBP"},
    )
    uk = Program.objects.get(code="UKIPLOAN")
    # an any-of group: enough staff, or revenue growth
    for kind, parameters in (
        ("Company size (employees, revenue)", '{"min_employees": 10}'),
        ("Revenue growth", '{"min_rate": 0.2, "years": 3}'),
    ):
        page.locator("#id_rule-kind").select_option(label=kind)
        page.locator("#id_rule-parameters").fill(parameters)
        page.locator("#id_rule-explanation").fill("Ten staff, or 20 % growth a year for three years")
        page.locator("#id_rule-group").fill("size or growth")
        page.get_by_role("button", name="Add the rule").click()
    assert list(uk.eligibility_rules.values_list("group", flat=True)) == ["size or growth"] * 2
    _program(
        page,
        {
            **TERMS,
            "code": "KRGUAR",
            "name": "Technology IP guarantee",
            "country": "KR",
            "min_amount": "50000000",
            "max_amount": "2000000000",
            "max_advance_rate": "0.8",
            "guarantee_coverage_min": "0.7",
            "guarantee_coverage_max": "0.85",
            "guarantee_fee_min": "0.005",
            "guarantee_fee_max": "0.03",
            "budget_envelope": "50000000000",
            "company_exposure_ceiling": "3000000000",
        },
        ["Patent", "Seoul Bank", "Published"],
        {"kind": "IP-guaranteed loan", "currency": "KRW"},
    )
    for name, grades, coverage, fee in (
        ("Grade A and better", '["AAA", "AA", "A"]', "0.85", "0.005"),
        ("Other grades", "[]", "0.7", "0.02"),
    ):
        page.locator("#id_tier-name").fill(name)
        page.locator("#id_tier-grades").fill(grades)
        page.locator("#id_tier-coverage_ratio").fill(coverage)
        page.locator("#id_tier-fee_rate").fill(fee)
        page.get_by_role("button", name="Add the tier").click()
    tiers = GuaranteeTier.objects.filter(program__code="KRGUAR")
    assert [(t.name, t.coverage_ratio) for t in tiers] == [
        ("Grade A and better", Decimal("0.85")),
        ("Other grades", Decimal("0.7")),
    ]
    _program(
        page,
        {
            **TERMS,
            "code": "CNPLEDGE",
            "name": "IP pledge loan (Hangzhou)",
            "country": "CN",
            "min_amount": "500000",
            "max_amount": "10000000",
            "max_advance_rate": "0.4",
            "base_interest_rate": "0.045",
            "subsidised_interest_rate": "0.03",  # the local government's interest subsidy
            "budget_envelope": "500000000",
            "company_exposure_ceiling": "10000000",
        },
        ["Patent", "Hangzhou Bank", "Published", "Pledges registered with the IP office before disbursement"],
        {"kind": "IP-collateral loan", "currency": "CNY"},
    )
    cn = Program.objects.get(code="CNPLEDGE")
    assert (cn.currency, cn.pledge_registration_required, cn.subsidised_interest_rate) == (
        "CNY",
        True,
        Decimal("0.03"),
    )
    assert (uk.currency, uk.min_amount, uk.max_advance_rate) == ("GBP", Decimal("250000"), Decimal("0.5"))


def _invite(page, email, organisation, role):
    page.goto("/accounts/members/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Organisation").select_option(label=organisation)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Invite").click()
    assert f"{email} is invited" in page.content()


def _sme_applies_to_each(page, programs):
    """An SME signs up, registers its company and a patent, and submits an application to each program."""
    page.goto("/")
    page.get_by_role("link", name="Register your company").first.click()
    page.get_by_label("Email").fill("founder@sme.example")
    page.locator("#id_password1").fill("a-long-pass-phrase")
    page.locator("#id_password2").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign Up").click()
    page.goto(re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Register your company").last.click()
    page.get_by_label("Legal name").fill("Small Robotics")
    page.get_by_label("Registration number").fill("220-81-55555")
    page.get_by_label("Sector").fill("Robotics")
    page.get_by_label("Employees").fill("45")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Register an IP asset").first.click()
    page.get_by_label("Type").select_option("patent")
    page.get_by_label("IP office").select_option("KR")
    page.get_by_label("Registry number").fill("10-2022-0000777")
    page.get_by_label("Title").fill("Gripper control")
    page.get_by_label("Expiry date").fill("2042-01-01")
    page.get_by_label("Owner name").fill("Small Robotics")
    page.get_by_role("button", name="Save").click()
    for code, amount in programs:
        page.goto(f"/programs/{code}/")
        page.get_by_role("button", name="Start an application").click()
        page.get_by_label("Amount requested").fill(amount)
        page.get_by_label("Purpose of the financing").fill("A second production line")
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label(re.compile("10-2022-0000777")).check()
        page.get_by_role("button", name="Save and continue").click()
        application = Application.objects.get(program__code=code)
        page.goto(f"/applications/{application.pk}/step/declaration/")
        page.get_by_label(re.compile("I declare")).check()
        page.get_by_role("button", name="Submit the application").click()
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED, (code, page.locator(".alert").all_inner_texts())


def test_an_operator_sets_up_three_programs_and_a_fund_of_funds_invites_staff_and_an_sme_applies_to_each(
    page,
):
    operator = User.objects.create_superuser(
        email="operator@platform.example", password="correct-horse-battery"
    )
    EmailAddress.objects.update_or_create(  # createsuperuser has recorded it already
        user=operator, email=operator.email, defaults={"verified": True, "primary": True}
    )
    TOTP.activate(operator, TEST_TOTP_SECRET)
    sign_in(page, operator.email, password="correct-horse-battery", totp_secret=TEST_TOTP_SECRET)

    _admin_add(
        page,
        "accounts/organization",
        {"name": "National IP Agency", "country": "KR", "short_code": "NIPA"},
        {"kind": "Agency"},
    )
    _admin_add(
        page,
        "accounts/organization",
        {"name": "London Bank", "country": "GB", "short_code": "LBANK"},
        {"kind": "Lender"},
    )
    _admin_add(
        page,
        "accounts/organization",
        {"name": "Global Partners", "country": "US", "short_code": "GLOBAL"},
        {"kind": "Fund manager"},
    )
    for name, country, code in (("Seoul Bank", "KR", "SBANK"), ("Hangzhou Bank", "CN", "HZBANK")):
        _admin_add(
            page,
            "accounts/organization",
            {"name": name, "country": country, "short_code": code},
            {"kind": "Lender"},
        )
    _admin_add(
        page,
        "reporting/exchangerate",
        {"rate": "1390", "as_of": "2025-01-02", "source": "Bank of Korea"},
        {"currency": "USD", "quote_currency": "KRW"},
    )
    # a company's exposure across programs is summed in each program's currency: the rates between them, dated
    for currency, quote, rate in (("GBP", "KRW", "1800"), ("GBP", "CNY", "9.2"), ("KRW", "CNY", "0.0051")):
        _admin_add(
            page,
            "reporting/exchangerate",
            {"rate": rate, "as_of": "2025-01-02", "source": "Bank of Korea"},
            {"currency": currency, "quote_currency": quote},
        )
    assert set(ExchangeRate.objects.values_list("entered_by", flat=True)) == {operator.pk}

    # the operator makes an administrator of the agency (a membership on the user's page) ...
    page.goto(f"/admin/accounts/user/{operator.pk}/change/")
    page.get_by_role("button", name="Add another Membership").click()
    page.locator("#id_memberships-0-role").select_option(label="Administrator")
    page.locator("[aria-labelledby=select2-id_memberships-0-organization-container]").click()  # autocomplete
    page.locator(".select2-search__field").fill("National")
    page.locator(".select2-results__option", has_text="National IP Agency").click()
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert Membership.objects.filter(user=operator, role="administrator").exists()

    # ... who, as the agency's administrator, sets up its programs on the program set-up page
    _set_up_programs(page)

    # ... and the funds on the fund set-up page
    page.goto("/funds/setup/")
    page.get_by_role("link", name="New mother fund").click()
    page.get_by_label("Name").fill("National Fund of Funds")
    page.get_by_label("Currency").select_option("KRW")
    page.get_by_label("Declared size").fill("100000000000")
    page.get_by_label("Capital it may commit").fill("100000000000")
    page.get_by_label("Vintage year").fill("2025")
    page.locator("#id_investment_period_start").fill("2025-01-01")
    page.locator("#id_investment_period_end").fill("2030-12-31")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="new sub-fund").click()
    page.get_by_label("Name").fill("Global Tech Fund (USD)")
    page.get_by_label("Manager").select_option(label="Global Partners")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Committed size").fill("20000000")
    page.get_by_label("Public anchor commitment").fill("8000000")
    page.get_by_label("Private commitments").fill("12000000")
    page.get_by_label("Commitment date").fill("2025-03-01")
    page.get_by_label("Vintage year").fill("2025")
    page.locator("#id_investment_period_start").fill("2025-04-01")
    page.locator("#id_investment_period_end").fill("2029-12-31")
    page.get_by_label("Minimum overseas revenue of a project").fill("0.3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="Global Tech Fund (USD)").is_visible()

    sub = Fund.objects.get(name="Global Tech Fund (USD)")
    assert (sub.currency, sub.size, sub.min_overseas_revenue_share) == (
        "USD",
        Decimal("20000000"),
        Decimal("0.3"),
    )
    assert sub.parent_commitment == Decimal("27800000000")  # 20 M USD at 1,390 KRW
    assert sub.parent.room_left == Decimal("72200000000")

    # the administrator invites an officer, a bank user and the sub-fund's manager
    _invite(page, "officer@nipa.example", "National IP Agency (Agency)", "case_officer")
    _invite(page, "lender@londonbank.example", "London Bank (Lender)", "lender_officer")
    _invite(page, "manager@global.example", "Global Partners (Fund manager)", "fund_manager")
    assert {(m.user.email, m.role) for m in Membership.objects.exclude(user=operator)} == {
        ("officer@nipa.example", "case_officer"),
        ("lender@londonbank.example", "lender_officer"),
        ("manager@global.example", "fund_manager"),
    }
    invitation = next(m for m in mail.outbox if "manager@global.example" in m.to)
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", invitation.body).group(0)
    sign_out(page)

    # an SME applies to each program
    _sme_applies_to_each(page, [("UKIPLOAN", "400000"), ("KRGUAR", "300000000"), ("CNPLEDGE", "2000000")])
    sign_out(page)

    # the manager chooses a password and records a capital call
    page.goto(link)
    page.locator("#id_password1").fill("a-long-manager-passphrase")
    page.locator("#id_password2").fill("a-long-manager-passphrase")
    page.get_by_role("button", name=re.compile("Change Password", re.I)).click()
    sign_in(page, "manager@global.example", password="a-long-manager-passphrase")
    page.goto(f"/funds/{sub.pk}/")
    entry = page.locator(
        "form", has=page.locator("input[name=entry]")
    )  # (the deal form repeats the field ids)
    entry.locator("[name=kind]").select_option("call")
    entry.locator("[name=date]").fill("2025-05-02")
    entry.locator("[name=amount]").fill("1500000")
    entry.get_by_role("button", name="Record").click()
    assert "Recorded." in page.content()
    call = sub.cash_flows.get()
    assert (call.kind, call.amount, call.submitted_by.email) == (
        "call",
        Decimal("1500000"),
        "manager@global.example",
    )
