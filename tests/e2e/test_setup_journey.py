"""From a database holding one platform operator and nothing else, through the screens only: organisations, a GBP
loan program, a dated exchange rate, a KRW fund of funds and a USD sub-fund with a minimum-overseas-revenue rule,
an agency administrator who then uses the fund set-up page and invites the sub-fund's manager, who records a
capital call."""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail

from accounts.models import Membership, User
from funds.models import Fund
from programs.models import Program
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


def test_an_operator_sets_up_a_program_and_a_fund_of_funds_with_a_usd_sub_fund_from_the_screens(page):
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
    _admin_add(
        page,
        "programs/program",
        {
            "code": "UKIPLOAN",
            "name": "UK IP-backed loan",
            "country": "GB",
            "min_amount": "50000",
            "max_amount": "500000",
            "max_advance_rate": "0.5",
            "base_interest_rate": "0.07",
            "subsidised_interest_rate": "0.05",
            "budget_envelope": "20000000",
            "company_exposure_ceiling": "1000000",
            "accepted_ip_types": '["patent", "trademark"]',
            "service_levels": '{"screening": 5, "credit_review": 10}',
        },
        {"agency": "National IP Agency", "kind": "IP-collateral loan", "currency": "GBP"},
    )
    program = Program.objects.get(code="UKIPLOAN")
    assert (program.currency, program.min_amount, program.agency.short_code) == (
        "GBP",
        Decimal("50000"),
        "NIPA",
    )

    _admin_add(
        page,
        "reporting/exchangerate",
        {"rate": "1390", "as_of": "2025-01-02", "source": "Bank of Korea"},
        {"currency": "USD", "quote_currency": "KRW"},
    )
    assert ExchangeRate.objects.get().entered_by == operator

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

    # ... and, as the agency's administrator, sets up the funds on the fund set-up page
    page.goto("/funds/setup/")
    page.get_by_role("link", name="New mother fund").click()
    page.get_by_label("Name").fill("National Fund of Funds")
    page.get_by_label("Currency").select_option("KRW")
    page.get_by_label("Declared size").fill("100000000000")
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

    # the administrator invites the sub-fund's manager, who chooses a password and records a capital call
    page.goto("/accounts/members/")
    page.get_by_label("Email address").fill("manager@global.example")
    page.get_by_label("Organisation").select_option(label="Global Partners (Fund manager)")
    page.get_by_label("Role").select_option("fund_manager")
    page.get_by_role("button", name="Invite").click()
    assert "manager@global.example is invited" in page.content()
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    sign_out(page)
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
