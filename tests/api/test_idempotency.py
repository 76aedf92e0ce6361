"""Idempotency-Key on every POST of the API, in the organisation's key space (core/idempotency.py)."""

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from core.models import IdempotencyKey
from facilities import services
from facilities.models import Repayment
from recoveries.models import Claim, MoneyMove
from recoveries.services import CLAIM_CHECKLIST
from tests.facilities import conftest as facility_fixtures
from tests.facilities.test_idempotency_scope import second_bank_facility  # noqa: F401 (a fixture)
from tests.factories import OrganizationFactory, make_token, make_user
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed


def post(api_client, user, url, body, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}", HTTP_IDEMPOTENCY_KEY=key)
    return api_client.post(url, body, format="json")


def disburse(facility, banker):
    services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key=f"d-{facility.pk}",
    )
    facility.refresh_from_db()
    return facility


REPAYMENT = {"paid_on": "2026-02-01", "amount": "1000", "reference": "R-1"}


@freeze_time("2026-03-01")
def test_a_retried_repayment_is_answered_once_and_recorded_once(api_client, guaranteed, banker):
    url = f"/api/v1/facilities/{disburse(guaranteed, banker).pk}/repayments/"
    first = post(api_client, banker, url, REPAYMENT, "retry-1")
    again = post(
        api_client, banker, url, dict(reversed(REPAYMENT.items())), "retry-1"
    )  # same JSON, other order
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Repayment.objects.count() == 1


@freeze_time("2026-03-01")
def test_the_same_key_with_another_body_is_a_409_and_changes_nothing(api_client, guaranteed, banker):
    url = f"/api/v1/facilities/{disburse(guaranteed, banker).pk}/repayments/"
    assert post(api_client, banker, url, REPAYMENT, "k1").status_code == 201
    other = post(api_client, banker, url, {**REPAYMENT, "amount": "2000", "reference": "R-2"}, "k1")
    assert other.status_code == 409
    assert other.json() == {
        "code": "idempotency_mismatch",
        "message": "This idempotency key was used for another request.",
        "details": {"key": "k1"},
    }
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["R-1"]


@freeze_time("2026-03-01")
def test_another_organisations_identical_key_is_another_request(
    api_client,
    guaranteed,
    banker,
    second_bank_facility,  # noqa: F811
):
    banker_b = make_user(Role.LENDER_OFFICER, second_bank_facility.lender)
    disburse(second_bank_facility, banker_b)
    url_a = f"/api/v1/facilities/{disburse(guaranteed, banker).pk}/repayments/"
    url_b = f"/api/v1/facilities/{second_bank_facility.pk}/repayments/"
    assert post(api_client, banker, url_a, REPAYMENT, "shared").status_code == 201
    b = post(api_client, banker_b, url_b, REPAYMENT, "shared")
    assert b.status_code == 201 and "Idempotent-Replayed" not in b
    assert Repayment.objects.count() == 2
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


@freeze_time("2026-03-01")
def test_a_colleague_reusing_a_key_of_the_organisation_is_refused(api_client, guaranteed, banker, bank):
    url = f"/api/v1/facilities/{disburse(guaranteed, banker).pk}/repayments/"
    assert post(api_client, banker, url, REPAYMENT, "team").status_code == 201
    colleague = make_user(Role.LENDER_OFFICER, bank)
    response = post(api_client, colleague, url, REPAYMENT, "team")
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_mismatch")


@freeze_time("2026-03-01")
def test_a_refusal_is_not_kept_so_the_corrected_request_may_reuse_the_key(api_client, guaranteed, banker):
    url = f"/api/v1/facilities/{disburse(guaranteed, banker).pk}/repayments/"
    assert post(api_client, banker, url, {**REPAYMENT, "amount": "-5"}, "fix").status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(api_client, banker, url, REPAYMENT, "fix").status_code == 201


def test_a_key_longer_than_100_characters_is_a_400(api_client, banker):
    response = post(api_client, banker, "/api/v1/webhooks/endpoints/", {}, "x" * 101)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_invalid")


def test_it_serves_every_post_a_webhook_endpoint_and_a_money_move(api_client, guaranteed, banker, approver):
    body = {"url": "https://8.8.8.8/hook", "event_types": ["facility.disbursed"]}
    first = post(api_client, banker, "/api/v1/webhooks/endpoints/", body, "ep")
    assert post(api_client, banker, "/api/v1/webhooks/endpoints/", body, "ep").json() == first.json()
    assert Endpoint.objects.count() == 1
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    checklist = {item: True for item in CLAIM_CHECKLIST}
    claim = post(
        api_client, banker, "/api/v1/claims/", {"facility": guaranteed.pk, "checklist": checklist}, "c"
    )
    assert claim.status_code == 201
    url = f"/api/v1/claims/{claim.json()['id']}/pay/"
    move = post(api_client, approver, url, {"amount": None}, "pay")
    replay = post(api_client, approver, url, {"amount": None}, "pay")
    assert move.status_code == replay.status_code == 202 and replay.json()["id"] == move.json()["id"]
    assert MoneyMove.objects.count() == 1 and Claim.objects.count() == 1
    assert Decimal(Claim.objects.get().amount_claimed) > 0


def test_the_schema_documents_the_header_on_every_post(api_client, banker):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [op for ops in schema["paths"].values() for method, op in ops.items() if method == "post"]
    assert posts and all(any(p["name"] == "Idempotency-Key" for p in op["parameters"]) for op in posts)


def test_an_unauthenticated_post_with_a_key_is_refused_and_keeps_nothing(api_client):
    api_client.credentials(HTTP_IDEMPOTENCY_KEY="anon")
    assert api_client.post("/api/v1/claims/", {}, format="json").status_code in (401, 403)
    assert not IdempotencyKey.objects.exists()


def test_an_organisation_token_scopes_the_key_to_its_organisation(api_client, banker, bank):
    other_bank = OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank C")
    assert post(api_client, banker, "/api/v1/webhooks/endpoints/", {}, "scope").status_code == 400
    body = {"url": "https://8.8.8.8/hook", "event_types": ["facility.disbursed"]}
    assert post(api_client, banker, "/api/v1/webhooks/endpoints/", body, "scope").status_code == 201
    assert IdempotencyKey.objects.get().scope == f"org:{bank.pk}" != f"org:{other_bank.pk}"
