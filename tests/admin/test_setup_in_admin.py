"""Funds, licences and exchange rates set up in the admin go through the services: typed mistakes come back as
form errors, and who did it is recorded."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from funds import services
from funds.models import Fund
from reporting.models import ExchangeRate
from tests.factories import OrganizationFactory, make_user
from tests.funds.factories import mother_fund, sub_fund_fields


@pytest.fixture
def root(db):
    return make_user(Role.ADMINISTRATOR, email="root@agency.example", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def _sub_fund_form(mother, manager, **changes):
    return {
        "parent": mother.pk,
        "name": "Global Tech Fund (USD)",
        "manager": manager.pk,
        "currency": "USD",
        "size": "1000",
        "public_commitment": "400",
        "private_commitment": "600",
        "vintage": "2025",
        "investment_period_start": "2025-01-01",
        "investment_period_end": "2029-12-31",
        "term_years": "8",
        "category": "deep tech",
        "management_fee_rate": "0.02",
        "min_overseas_revenue_share": "0.3",
        "committed_on": "2025-03-01",
        "licence_events-TOTAL_FORMS": "0",
        "licence_events-INITIAL_FORMS": "0",
        **changes,
    }


def test_an_administrator_creates_a_mother_fund_and_a_usd_sub_fund_with_an_overseas_rule(admin_client, root):
    agency = OrganizationFactory(kind=OrganizationKind.AGENCY)
    manager = OrganizationFactory(kind=OrganizationKind.FUND_MANAGER)
    response = admin_client.post(
        reverse("admin:funds_fund_add"),
        {
            "name": "National Fund of Funds",
            "agency": agency.pk,
            "currency": "KRW",
            "size": "5000000",
            "vintage": "2025",
            "investment_period_start": "2025-01-01",
            "investment_period_end": "2030-12-31",
            "term_years": "10",
            "management_fee_rate": "0",
            "licence_events-TOTAL_FORMS": "0",
            "licence_events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    mother = Fund.objects.get(name="National Fund of Funds", parent=None)
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1400"), as_of=date(2025, 2, 28)
    )
    response = admin_client.post(reverse("admin:funds_fund_add"), _sub_fund_form(mother, manager))
    assert response.status_code == 302, response.context["adminform"].form.errors
    sub = Fund.objects.get(parent=mother)
    assert (sub.currency, sub.size, sub.min_overseas_revenue_share) == (
        "USD",
        Decimal("1000"),
        Decimal("0.3"),
    )
    assert sub.parent_commitment == Decimal("1400000") and sub.parent_rate.as_of == date(2025, 2, 28)
    assert AuditEvent.objects.get(action="fund.sub_fund_created").actor == root


def test_a_sub_fund_without_a_rate_or_beyond_the_room_left_comes_back_with_errors(admin_client):
    mother = mother_fund("1000000", currency="KRW")
    manager = OrganizationFactory(kind=OrganizationKind.FUND_MANAGER)
    response = admin_client.post(reverse("admin:funds_fund_add"), _sub_fund_form(mother, manager))
    assert response.status_code == 200
    assert "No exchange rate USD→KRW" in str(response.context["adminform"].form.errors)
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1400"), as_of=date(2025, 1, 2)
    )
    response = admin_client.post(reverse("admin:funds_fund_add"), _sub_fund_form(mother, manager))
    assert response.status_code == 200
    assert "size" in response.context["adminform"].form.errors  # 1,400,000 KRW > 1,000,000 KRW
    response = admin_client.post(
        reverse("admin:funds_fund_add"), _sub_fund_form(mother, manager, investment_period_end="2024-01-01")
    )
    assert response.status_code == 200
    assert not Fund.objects.filter(parent=mother).exists()


def test_a_mother_funds_declared_size_cannot_go_below_its_commitments_in_the_admin(admin_client):
    mother = mother_fund("1000")
    services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("600"))
    form = {
        "name": mother.name,
        "currency": "KRW",
        "size": "500",
        "vintage": "2022",
        "investment_period_start": "2022-01-01",
        "investment_period_end": "2026-01-01",
        "term_years": "8",
        "management_fee_rate": "0",
        "licence_events-TOTAL_FORMS": "0",
        "licence_events-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:funds_fund_change", args=[mother.pk]), form)
    assert response.status_code == 200 and "size" in response.context["adminform"].form.errors
    mother.refresh_from_db()
    assert mother.size == Decimal("1000")
    assert AuditEvent.objects.filter(action="fund.terms_changed").count() == 0


@freeze_time("2025-06-01")
def test_a_licence_change_is_added_in_the_admin_and_a_future_one_is_refused(admin_client, root):
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    url = reverse("admin:funds_licenceevent_add")
    response = admin_client.post(url, {"fund": fund.pk, "state": "returned", "effective_on": "2025-07-01"})
    assert response.status_code == 200 and "effective_on" in response.context["adminform"].form.errors
    response = admin_client.post(url, {"fund": fund.pk, "state": "returned", "effective_on": "2024-03-01"})
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.licence_state == "returned" and fund.licence_events.get().recorded_by == root


def test_a_rate_entered_in_the_admin_records_who_entered_it_and_a_second_one_that_day_is_refused(
    admin_client, root
):
    url = reverse("admin:reporting_exchangerate_add")
    rate = {
        "currency": "USD",
        "quote_currency": "KRW",
        "rate": "1385.5",
        "as_of": "2025-06-30",
        "source": "BOK",
    }
    assert admin_client.post(url, rate).status_code == 302
    row = ExchangeRate.objects.get()
    assert row.entered_by == root and row.rate == Decimal("1385.5")
    assert AuditEvent.objects.get(action="reporting.rate_entered").actor == root
    again = admin_client.post(url, {**rate, "rate": "1390"})
    assert again.status_code == 200 and again.context["adminform"].form.errors
    same = admin_client.post(url, {**rate, "quote_currency": "USD", "as_of": "2025-07-01"})
    assert same.status_code == 200 and "quote_currency" in same.context["adminform"].form.errors
    assert ExchangeRate.objects.count() == 1


def test_the_undated_django_money_rates_are_gone_from_the_admin(admin_client):
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert b"/admin/exchange/" not in index.content
    assert b"/admin/reporting/exchangerate/" in index.content


def test_a_membership_without_an_organisation_or_with_a_role_of_another_kind_comes_back_as_errors(
    admin_client,
):
    bank = OrganizationFactory(kind=OrganizationKind.LENDER)
    user = make_user(Role.LENDER_OFFICER, bank, email="lender@bank.example")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "email": user.email,
        "full_name": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": user.pk,
        "memberships-0-role": "approver",
    }
    no_organisation = admin_client.post(url, form)
    assert no_organisation.status_code == 200
    wrong_kind = admin_client.post(url, {**form, "memberships-0-organization": bank.pk})
    assert wrong_kind.status_code == 200
    assert "role" in wrong_kind.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert list(user.memberships.values_list("role", flat=True)) == ["lender_officer"]


def test_a_sub_funds_rules_are_changed_in_the_admin_and_its_size_stays_fixed(admin_client, root):
    fund = services.sub_fund_create(parent=mother_fund("1000"), actor=None, **sub_fund_fields("100"))
    page = admin_client.get(reverse("admin:funds_fund_change", args=[fund.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data.update(
        {
            "min_overseas_revenue_share": "0.25",
            "size": "999999",  # disabled on change: ignored
            "licence_events-TOTAL_FORMS": "0",
            "licence_events-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(reverse("admin:funds_fund_change", args=[fund.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    fund.refresh_from_db()
    assert fund.min_overseas_revenue_share == Decimal("0.25") and fund.size == Decimal("100")
    event = AuditEvent.objects.get(action="fund.terms_changed")
    assert event.actor == root and event.details["new"] == {"min_overseas_revenue_share": "0.25"}
