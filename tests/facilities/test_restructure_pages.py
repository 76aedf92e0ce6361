"""The restructuring and tranche pages: the bank proposes and draws, an approver of the agency confirms or refuses;
bad input keeps what was typed; anyone else gets a 404 and nothing changes."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from facilities import services
from facilities.models import Facility, Restructuring
from tests.factories import OrganizationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(guaranteed, banker):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    guaranteed.refresh_from_db()
    return guaranteed


@freeze_time("2026-03-15")
def test_the_bank_proposes_on_the_page_and_the_approver_confirms(client, active, banker, approver):
    client.force_login(banker)
    url = reverse("facilities:restructuring", args=[active.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"grace_months": "0", "extension_months": "12", "reason": "a longer term"})
    assert response.status_code == 302
    proposal = Restructuring.objects.get(facility=active)
    page = client.get(reverse("facilities:detail", args=[active.pk])).content.decode()
    assert 'data-testid="restructurings"' in page and "a longer term" in page
    client.force_login(approver)
    confirm = reverse("facilities:restructuring_confirm", args=[active.pk, proposal.pk])
    assert client.post(confirm).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    # equal principal: 1,000,000 left after the two rows due by 15 March, over 10 + 12 months
    part = (Decimal(1_000_000) / 22).quantize(Decimal(1), ROUND_HALF_UP)
    rows = list(active.installments.all())
    assert len(rows) == 24 and rows[2].principal == part and rows[-1].principal == 1_000_000 - 21 * part
    assert "Earlier schedules" in client.get(reverse("facilities:detail", args=[active.pk])).content.decode()


@freeze_time("2026-03-15")
def test_a_refused_proposal_keeps_what_was_typed(client, active, banker):
    client.force_login(banker)
    url = reverse("facilities:restructuring", args=[active.pk])
    response = client.post(url, {"grace_months": "0", "extension_months": "0", "reason": "nothing new here"})
    assert response.status_code == 400
    assert "nothing new here" in response.content.decode()
    assert not Restructuring.objects.exists()


@freeze_time("2026-03-15")
def test_another_bank_and_the_agency_cannot_propose_and_the_bank_cannot_confirm(
    client, active, banker, officer, approver
):
    body = {"grace_months": "2", "extension_months": "0", "reason": "x"}
    other = make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B"))
    for user in (other, officer, approver):
        client.force_login(user)
        assert client.post(reverse("facilities:restructuring", args=[active.pk]), body).status_code == 404
    assert not Restructuring.objects.exists()
    proposal = Restructuring.objects.create(facility=active, grace_months=2, reason="x", proposed_by=banker)
    client.force_login(banker)
    confirm = reverse("facilities:restructuring_confirm", args=[active.pk, proposal.pk])
    assert client.post(confirm).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "proposed" and active.installments.count() == 12


@freeze_time("2026-03-15")
def test_the_bank_draws_a_krw_tranche_on_the_page(client, guaranteed, banker, officer):
    url = reverse("facilities:tranche", args=[guaranteed.pk])
    client.force_login(officer)
    assert client.get(url).status_code == 404
    client.force_login(banker)
    key = "page-key"
    refused = client.post(url, {"amount": "1200001", "disbursed_on": "2026-01-01", "idempotency_key": key})
    assert refused.status_code == 400 and "1200001" in refused.content.decode()
    body = {
        "amount": "400000",
        "disbursed_on": "2026-01-01",
        "milestone": "prototype",
        "idempotency_key": key,
    }
    assert client.post(url, body).status_code == 302
    facility = Facility.objects.get(pk=guaranteed.pk)
    assert facility.status == "active" and sum(i.principal for i in facility.installments.all()) == 400000
