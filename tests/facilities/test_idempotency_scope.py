"""Idempotency keys belong to the bank that sent them: another bank choosing the same key is another request."""

from datetime import date

import pytest

from accounts.roles import OrganizationKind, Role
from core.errors import Conflict
from facilities import services
from facilities.models import Disbursement
from tests.factories import OrganizationFactory, make_submitted, make_token, make_user

from .conftest import approved_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_bank_facility(program, officer):
    """A facility of the same program lent by bank B."""
    bank_b = OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B")
    program.partner_lenders.add(bank_b)
    case = approved_case(program, make_submitted(program))
    return services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank_b,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, f"REG-{a.pk}", date(2026, 1, 2)) for a in case.ip_assets.all()],
    )


def test_bank_b_reusing_bank_as_key_gets_its_own_disbursement(
    api_client, guaranteed, banker, second_bank_facility
):
    banker_b = make_user(Role.LENDER_OFFICER, second_bank_facility.lender)
    body = {"amount": "1200000", "disbursed_on": "2026-01-01"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    first = api_client.post(
        f"/api/v1/facilities/{guaranteed.pk}/disbursement/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="2026-001",
    )
    assert first.status_code == 201
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker_b)}")
    other_bank = api_client.post(
        f"/api/v1/facilities/{second_bank_facility.pk}/disbursement/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="2026-001",
    )
    assert other_bank.status_code == 201, other_bank.json()
    assert Disbursement.objects.filter(idempotency_key="2026-001").count() == 2
    retry_b = api_client.post(
        f"/api/v1/facilities/{second_bank_facility.pk}/disbursement/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="2026-001",
    )
    assert retry_b.status_code == 200 and retry_b.json()["id"] == other_bank.json()["id"]


def test_within_one_bank_a_key_still_names_one_request(guaranteed, banker, program, officer):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    case = approved_case(program, make_submitted(program))
    same_bank = services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=guaranteed.lender,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, f"REG-{a.pk}", date(2026, 1, 2)) for a in case.ip_assets.all()],
    )
    with pytest.raises(Conflict) as error:
        services.facility_disburse(
            facility=same_bank,
            actor=banker,
            amount=same_bank.principal,
            disbursed_on=date(2026, 1, 1),
            idempotency_key="k",
        )
    assert error.value.code == "idempotency_mismatch"
