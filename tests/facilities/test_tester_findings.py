"""Defects an outside tester found on the facility side: each test reproduces one."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from applications.models import Application
from facilities import services
from facilities.models import Disbursement, Facility, FacilityStatus
from tests.factories import make_token

pytestmark = pytest.mark.django_db

APPROVED_AT = datetime(2025, 12, 15, 3, 0, tzinfo=UTC)  # 12:00 in Seoul, the 15th


@pytest.fixture
def decided(guaranteed):
    Application.objects.filter(pk=guaranteed.application_id).update(decided_at=APPROVED_AT)
    guaranteed.application.refresh_from_db()
    return guaranteed


def unchanged(facility):
    facility = Facility.objects.get(pk=facility.pk)
    return (
        facility.status == FacilityStatus.APPROVED
        and facility.disbursed_on is None
        and not Disbursement.objects.filter(facility=facility).exists()
        and not facility.installments.exists()
    )


# --- H2: no money out before the approval ------------------------------------------------------------------------


def test_the_api_refuses_a_tranche_dated_before_the_approval(api_client, decided, banker):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    url = f"/api/v1/facilities/{decided.pk}/tranches/"
    refused = api_client.post(
        url, {"amount": "400000", "disbursed_on": "1900-01-01"}, HTTP_IDEMPOTENCY_KEY="t-1900"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "before_approval"
    assert "disbursed_on" in refused.json()["details"]
    assert unchanged(decided)
    the_day_before = api_client.post(
        url, {"amount": "400000", "disbursed_on": "2025-12-14"}, HTTP_IDEMPOTENCY_KEY="t-1214"
    )
    assert the_day_before.status_code == 400 and unchanged(decided)
    on_the_day = api_client.post(
        url, {"amount": "400000", "disbursed_on": "2025-12-15"}, HTTP_IDEMPOTENCY_KEY="t-1215"
    )
    assert on_the_day.status_code == 201
    assert Facility.objects.get(pk=decided.pk).disbursed_on == date(2025, 12, 15)


def test_the_tranche_page_refuses_1900_and_keeps_what_was_typed(client, decided, banker):
    client.force_login(banker)
    body = {"amount": "400000", "disbursed_on": "1900-01-01", "idempotency_key": "page-1900"}
    refused = client.post(reverse("facilities:tranche", args=[decided.pk]), body)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "2025-12-15" in page and "1900-01-01" in page
    assert unchanged(decided)


def test_the_whole_disbursement_is_refused_before_the_approval(decided, banker):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        services.facility_disburse(
            facility=decided,
            actor=banker,
            amount=decided.principal,
            disbursed_on=date(1900, 1, 1),
            idempotency_key="d-1900",
        )
    assert error.value.code == "before_approval"
    assert unchanged(decided)


# --- H3: a default is dated between the disbursement and today --------------------------------------------------


def test_a_default_notice_dated_before_the_disbursement_is_refused(api_client, guaranteed, banker):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="d1",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    url = f"/api/v1/facilities/{guaranteed.pk}/default-notice/"
    for day, key in (("1800-01-01", "n-1800"), ("2025-12-31", "n-1231")):
        refused = api_client.post(url, {"reason_code": "D10", "defaulted_on": day}, HTTP_IDEMPOTENCY_KEY=key)
        assert refused.status_code == 400
        assert refused.json()["code"] == "before_disbursement"
        facility = Facility.objects.get(pk=guaranteed.pk)
        assert (facility.status, facility.defaulted_on, facility.exposure_at_default) == (
            "active",
            None,
            None,
        )
    accepted = api_client.post(
        url, {"reason_code": "D10", "defaulted_on": "2026-01-01"}, HTTP_IDEMPOTENCY_KEY="n-0101"
    )
    assert accepted.status_code == 200 or accepted.status_code == 201
    # defaulted on the day of the disbursement: nothing due, no interest; the exposure is the principal
    assert accepted.json()["exposure_at_default"] == "1200000.00"


def test_the_service_refuses_a_default_in_the_future(guaranteed, banker):
    from datetime import timedelta

    from django.utils import timezone

    from core.errors import InvalidInput

    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="d1",
    )
    with pytest.raises(InvalidInput) as error:
        services.facility_default(
            facility=guaranteed, actor=banker, reason_code="D10", on=timezone.localdate() + timedelta(days=1)
        )
    assert error.value.code == "invalid_date"
    assert Facility.objects.get(pk=guaranteed.pk).status == "active"


# --- L4: one wording for amounts off the minor unit, one code for 403 ------------------------------------------


def test_a_fractional_krw_tranche_is_told_in_words_and_a_refused_role_gets_permission_denied(
    api_client, decided, banker, officer
):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    url = f"/api/v1/facilities/{decided.pk}/tranches/"
    refused = api_client.post(
        url, {"amount": "400000.5", "disbursed_on": "2026-01-01"}, HTTP_IDEMPOTENCY_KEY="f"
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == "Amounts in KRW are whole numbers: KRW has no minor unit."
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(officer)}")
    agency = api_client.post(
        url, {"amount": "400000", "disbursed_on": "2026-01-01"}, HTTP_IDEMPOTENCY_KEY="g"
    )
    assert agency.status_code == 403 and agency.json()["code"] == "permission_denied"
    assert unchanged(decided)


def test_the_minor_unit_message_names_the_places_of_a_currency_with_cents():
    from core.money import minor_unit_message

    assert minor_unit_message("GBP") == "Amounts in GBP have at most 2 decimal places."
    assert "1 of" not in minor_unit_message("JPY") and "JPY" in minor_unit_message("JPY")
