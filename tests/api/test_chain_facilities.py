"""The facility chain through the API, as the right role and as wrong ones."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from facilities import services
from facilities.models import Facility, FacilityStatus
from tests.facilities import conftest as facility_fixtures
from tests.factories import OrganizationFactory, make_token, make_user

pytestmark = pytest.mark.django_db
# the facility tests' cast: a bank, its lender officer and a guaranteed facility of agency A's program
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


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


@pytest.fixture
def other_banker():
    return make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B"))


def test_the_schedule_shows_due_paid_outstanding_and_status_per_instalment(api_client, active, banker):
    services.repayment_record(
        facility=active, actor=banker, amount=Decimal("102000"), paid_on=date(2026, 2, 1), reference="R1"
    )
    with freeze_time("2026-03-15"):
        body = as_user(api_client, banker).get(f"/api/v1/facilities/{active.pk}/schedule/").json()
    assert body["as_of"] == "2026-03-15" and body["currency"] == active.currency
    rows = body["installments"]
    assert len(rows) == 12
    first, second, last = rows[0], rows[1], rows[-1]
    assert first["status"] == "paid" and Decimal(first["outstanding"]) == 0
    assert second["status"] == "overdue"  # due 1 March, nothing paid
    assert last["status"] == "due"
    assert sum(Decimal(r["principal"]) for r in rows) == active.principal
    assert Decimal(body["outstanding_principal"]) == active.principal - Decimal(first["paid_principal"])


def test_the_agency_and_officials_read_the_schedule_and_another_bank_gets_404(
    api_client, active, officer, official, other_banker
):
    for reader in (officer, official):
        assert as_user(api_client, reader).get(f"/api/v1/facilities/{active.pk}/schedule/").status_code == 200
    response = as_user(api_client, other_banker).get(f"/api/v1/facilities/{active.pk}/schedule/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_bank_sends_a_default_notice_with_its_reason_and_a_retry_is_harmless(api_client, active, banker):
    client = as_user(api_client, banker)
    url = f"/api/v1/facilities/{active.pk}/default-notice/"
    first = client.post(
        url,
        {"reason_code": "D10", "comment": "filed on 1 March", "defaulted_on": "2026-03-01"},
        format="json",
    )
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "defaulted" and first.json()["reason_code"] == "D10"
    assert Decimal(first.json()["exposure_at_default"]) > 0
    retry = client.post(
        url,
        {"reason_code": "D10", "comment": "filed on 1 March", "defaulted_on": "2026-03-01"},
        format="json",
    )
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    other = client.post(url, {"reason_code": "D30"}, format="json")
    assert other.status_code == 409 and other.json()["code"] == "illegal_transition"
    assert AuditEvent.objects.filter(action="facility.defaulted").count() == 1


def test_a_default_notice_needs_a_reason_and_cannot_be_dated_in_the_future(api_client, active, banker):
    client = as_user(api_client, banker)
    url = f"/api/v1/facilities/{active.pk}/default-notice/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400 and "reason_code" in missing.json()["details"]
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    late = client.post(url, {"reason_code": "D10", "defaulted_on": future}, format="json")
    assert late.status_code == 400 and "defaulted_on" in late.json()["details"]
    assert Facility.objects.get(pk=active.pk).status == FacilityStatus.ACTIVE


def test_a_default_notice_on_a_facility_not_yet_disbursed_is_a_conflict(api_client, guaranteed, banker):
    response = as_user(api_client, banker).post(
        f"/api/v1/facilities/{guaranteed.pk}/default-notice/", {"reason_code": "D10"}, format="json"
    )
    assert response.status_code == 409 and set(response.json()) == {"code", "message", "details"}


@pytest.mark.parametrize("who", ["officer", "official", "other_banker", "applicant"])
def test_nobody_but_the_facilitys_bank_can_send_its_default_notice(api_client, active, who, request):
    user = request.getfixturevalue(who)
    response = as_user(api_client, user).post(
        f"/api/v1/facilities/{active.pk}/default-notice/", {"reason_code": "D10"}, format="json"
    )
    assert response.status_code in (403, 404), response.json()
    assert Facility.objects.get(pk=active.pk).status == FacilityStatus.ACTIVE


def test_a_second_bank_officer_of_the_same_bank_may_send_it_but_not_an_officer_of_the_agency(
    api_client, active, bank, officer
):
    colleague = make_user(Role.LENDER_OFFICER, bank, email="colleague@bank.example")
    assert (
        as_user(api_client, officer)
        .post(f"/api/v1/facilities/{active.pk}/default-notice/", {"reason_code": "D10"}, format="json")
        .status_code
        == 404
    )
    response = as_user(api_client, colleague).post(
        f"/api/v1/facilities/{active.pk}/default-notice/", {"reason_code": "D50"}, format="json"
    )
    assert response.status_code == 201


def test_the_bank_proposes_a_restructuring_and_another_bank_cannot(api_client, active, banker, other_banker):
    url = f"/api/v1/facilities/{active.pk}/restructuring/"
    body = {"grace_months": 6, "reason": "6 months' grace"}
    response = as_user(api_client, banker).post(url, body, format="json")
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    assert as_user(api_client, other_banker).post(url, body, format="json").status_code == 404
    assert active.restructurings.count() == 1 and active.schedule_versions.count() == 1
