"""The guarantee claim through the API: checklist, filing, status, payment; right and wrong roles."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import OrganizationKind, Role
from facilities import services
from recoveries.models import Claim
from recoveries.services import CLAIM_CHECKLIST
from tests.facilities import conftest as facility_fixtures
from tests.factories import OrganizationFactory, make_token, make_user

pytestmark = pytest.mark.django_db
# the facility tests' cast: a bank, its lender officer and a guaranteed facility of agency A's program
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed
CHECKLIST = {item: True for item in CLAIM_CHECKLIST}


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


@pytest.fixture
def defaulted(guaranteed, banker):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    guaranteed.refresh_from_db()
    return guaranteed


@pytest.fixture
def other_banker():
    return make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B"))


def test_the_bank_reads_the_checklist_files_the_claim_and_follows_its_status(
    api_client, defaulted, banker, officer, approver
):
    client = as_user(api_client, banker)
    assert client.get("/api/v1/claims/checklist/").json() == {"items": CLAIM_CHECKLIST}
    filed = client.post("/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json")
    assert filed.status_code == 201, filed.json()
    claim = filed.json()
    assert claim["status"] == "filed" and claim["missing"] == []
    assert Decimal(claim["amount_claimed"]) == (defaulted.exposure_at_default * Decimal("0.8")).quantize(
        Decimal("1")
    )
    asked = as_user(api_client, officer).post(f"/api/v1/claims/{claim['id']}/pay/")
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    assert asked.json()["summary"]["lines"] == [
        {"part": "claim_payment", "recipient": "Bank A", "amount": claim["amount_claimed"].split(".")[0]}
    ]
    move = f"/api/v1/money-moves/{asked.json()['id']}/"
    own = as_user(api_client, officer).post(move + "confirm/")  # a case officer is no checker
    assert own.status_code == 404
    confirmed = as_user(api_client, approver).post(move + "confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["decided_by"] == approver.email
    assert (
        as_user(api_client, banker).get(move).status_code == 404
    )  # the bank follows the claim, not the move
    status = as_user(api_client, banker).get(f"/api/v1/claims/{claim['id']}/").json()
    assert status["status"] == "paid" and Decimal(status["amount_paid"]) == Decimal(claim["amount_claimed"])


def test_an_incomplete_checklist_answers_400_with_what_is_missing(api_client, defaulted, banker):
    partial = {CLAIM_CHECKLIST[0]: True}
    response = as_user(api_client, banker).post(
        "/api/v1/claims/", {"facility": defaulted.pk, "checklist": partial}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "checklist_incomplete"
    assert response.json()["details"]["missing"] == CLAIM_CHECKLIST[1:]
    assert Claim.objects.count() == 0


def test_a_second_claim_is_a_conflict(api_client, defaulted, banker):
    client = as_user(api_client, banker)
    body = {"facility": defaulted.pk, "checklist": CHECKLIST}
    assert client.post("/api/v1/claims/", body, format="json").status_code == 201
    again = client.post("/api/v1/claims/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_claim"


def test_another_bank_cannot_file_on_or_read_the_banks_claim(api_client, defaulted, banker, other_banker):
    response = as_user(api_client, other_banker).post(
        "/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json"
    )
    assert response.status_code == 404
    claim = (
        as_user(api_client, banker)
        .post("/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json")
        .json()
    )
    client = as_user(api_client, other_banker)
    assert client.get(f"/api/v1/claims/{claim['id']}/").status_code == 404
    assert client.get("/api/v1/claims/").json()["count"] == 0


@pytest.mark.parametrize("who", ["officer", "official", "applicant"])
def test_only_a_lender_officer_files_a_claim(api_client, defaulted, who, request):
    response = as_user(api_client, request.getfixturevalue(who)).post(
        "/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Claim.objects.count() == 0


def test_the_bank_cannot_pay_its_own_claim_and_another_agency_cannot_see_it(
    api_client, defaulted, banker, other_agency
):
    claim = (
        as_user(api_client, banker)
        .post("/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json")
        .json()
    )
    assert as_user(api_client, banker).post(f"/api/v1/claims/{claim['id']}/pay/").status_code == 404
    stranger = make_user(Role.APPROVER, other_agency, email="approver@agency-b.example")
    assert as_user(api_client, stranger).post(f"/api/v1/claims/{claim['id']}/pay/").status_code == 404
    assert Claim.objects.get().status == "filed"


def test_the_claim_is_paid_once(api_client, defaulted, banker, officer, approver):
    claim = (
        as_user(api_client, banker)
        .post("/api/v1/claims/", {"facility": defaulted.pk, "checklist": CHECKLIST}, format="json")
        .json()
    )
    client = as_user(api_client, officer)
    asked = client.post(f"/api/v1/claims/{claim['id']}/pay/")
    assert asked.status_code == 202
    waiting = client.post(f"/api/v1/claims/{claim['id']}/pay/")
    assert waiting.status_code == 409 and waiting.json()["code"] == "awaiting_checker"
    confirm = f"/api/v1/money-moves/{asked.json()['id']}/confirm/"
    assert as_user(api_client, approver).post(confirm).status_code == 200
    again = as_user(api_client, approver).post(confirm)
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    paid_again = as_user(api_client, officer).post(f"/api/v1/claims/{claim['id']}/pay/")
    assert paid_again.status_code == 409 and paid_again.json()["code"] == "claim_not_filed"
