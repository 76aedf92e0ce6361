"""The agency's fund set-up pages: an administrator of the anchoring agency creates and edits mother funds and
sub-funds in any currency and records licence changes; refusals come back on the form; another agency's
administrator, a manager or an officer cannot reach them."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from funds import services
from funds.models import Fund
from reporting.models import ExchangeRate
from tests.factories import OrganizationFactory, make_user
from tests.funds.factories import mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_org(db):
    return OrganizationFactory(kind=OrganizationKind.FUND_MANAGER, name="Global Partners")


def _sub_fund_post(manager_org, **changes):
    return {
        "name": "Global Tech (USD)",
        "manager": manager_org.pk,
        "currency": "USD",
        "size": "2000",
        "public_commitment": "800",
        "private_commitment": "1200",
        "committed_on": "2025-03-01",
        "vintage": "2025",
        "investment_period_start": "2025-01-01",
        "investment_period_end": "2029-12-31",
        "term_years": "8",
        "category": "deep tech",
        "management_fee_rate": "0.02",
        "min_overseas_revenue_share": "0.3",
        **changes,
    }


def test_an_agency_administrator_sets_up_a_fund_of_funds_with_a_usd_sub_fund(
    client, administrator, agency, manager_org
):
    client.force_login(administrator)
    created = client.post(
        reverse("funds:setup_mother_new"),
        {
            "agency": agency.pk,
            "name": "National Fund of Funds",
            "currency": "KRW",
            "declared_size": "12000000",
            "size": "10000000",
            "vintage": "2025",
            "investment_period_start": "2025-01-01",
            "investment_period_end": "2030-12-31",
            "term_years": "10",
        },
    )
    assert created.status_code == 302
    mother = Fund.objects.get(name="National Fund of Funds")
    assert (mother.agency, mother.size, mother.currency) == (agency, Decimal("10000000"), "KRW")
    assert mother.declared_size == Decimal("12000000")
    url = reverse("funds:setup_sub_fund_new", args=[mother.pk])
    no_rate = client.post(url, _sub_fund_post(manager_org))
    assert no_rate.status_code == 200 and "No exchange rate USD→KRW" in no_rate.content.decode()
    assert b'value="Global Tech (USD)"' in no_rate.content  # what was typed stays
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1400"), as_of=date(2025, 2, 28)
    )
    ok = client.post(url, _sub_fund_post(manager_org))
    assert ok.status_code == 302
    sub = Fund.objects.get(parent=mother)
    assert (sub.currency, sub.size, sub.parent_commitment) == ("USD", Decimal("2000"), Decimal("2800000"))
    assert sub.manager == manager_org and sub.min_overseas_revenue_share == Decimal("0.3")
    listing = client.get(reverse("funds:setup")).content.decode()
    assert "Global Tech (USD)" in listing
    # the declared size and the capital it may commit, side by side
    assert "Declared size 12,000,000 KRW" in listing and "capital it may commit 10,000,000 KRW" in listing
    too_big = client.post(
        url, _sub_fund_post(manager_org, size="6000", public_commitment="3000", private_commitment="3000")
    )
    assert too_big.status_code == 200 and "no room left" in too_big.content.decode()


def test_a_mother_funds_size_below_its_commitments_comes_back_on_the_form(client, administrator, agency):
    mother = mother_fund("1000", agency=agency)
    services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("600"))
    client.force_login(administrator)
    page = client.get(reverse("funds:setup_edit", args=[mother.pk]))
    assert page.status_code == 200
    form = {name: page.context["form"].initial.get(name) for name in page.context["form"].fields}
    form = {k: ("" if v is None else v.pk if hasattr(v, "pk") else v) for k, v in form.items()}
    response = client.post(reverse("funds:setup_edit", args=[mother.pk]), {**form, "size": "500"})
    assert response.status_code == 200 and response.context["form"].errors
    mother.refresh_from_db()
    assert mother.size == Decimal("1000")


@freeze_time("2025-06-01")
def test_a_licence_change_is_recorded_on_its_page(client, administrator, agency):
    sub = services.sub_fund_create(
        parent=mother_fund("1000", agency=agency), actor=None, **sub_fund_fields("100")
    )
    client.force_login(administrator)
    url = reverse("funds:setup_licence", args=[sub.pk])
    future = client.post(url, {"state": "returned", "effective_on": "2025-08-01"})
    assert future.status_code == 200 and "effective_on" in future.context["form"].errors
    assert (
        client.post(url, {"state": "returned", "effective_on": "2024-03-01", "note": "Returned"}).status_code
        == 302
    )
    sub.refresh_from_db()
    assert sub.licence_state == "returned" and sub.licence_events.get().recorded_by == administrator


def test_another_agencys_administrator_cannot_reach_or_change_the_funds(
    client, agency, other_agency, manager_org
):
    mother = mother_fund("1000", agency=agency)
    sub = services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("100"))
    intruder = make_user(Role.ADMINISTRATOR, other_agency, email="admin@b.example")
    client.force_login(intruder)
    assert "Mother" not in client.get(reverse("funds:setup")).content.decode()
    for url in (
        reverse("funds:setup_edit", args=[mother.pk]),
        reverse("funds:setup_edit", args=[sub.pk]),
        reverse("funds:setup_licence", args=[sub.pk]),
        reverse("funds:setup_sub_fund_new", args=[mother.pk]),
    ):
        assert client.get(url).status_code == 404
    forged = client.post(
        reverse("funds:setup_sub_fund_new", args=[mother.pk]), _sub_fund_post(manager_org, currency="KRW")
    )
    assert forged.status_code == 404 and mother.sub_funds.count() == 1
    # nor anchor a new mother fund on the other agency
    forged = client.post(
        reverse("funds:setup_mother_new"),
        {
            "agency": agency.pk,
            "name": "Not mine",
            "currency": "KRW",
            "declared_size": "1",
            "size": "1",
            "vintage": "2025",
            "investment_period_start": "2025-01-01",
            "investment_period_end": "2026-01-01",
            "term_years": "1",
        },
    )
    assert forged.status_code == 200 and "agency" in forged.context["form"].errors
    assert not Fund.objects.filter(name="Not mine").exists()


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.CASE_OFFICER, Role.OFFICIAL])
def test_the_set_up_pages_do_not_exist_for_other_roles(client, role):
    client.force_login(make_user(role))
    assert client.get(reverse("funds:setup")).status_code == 404
    assert client.get(reverse("funds:setup_mother_new")).status_code == 404
