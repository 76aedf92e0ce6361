"""The allocation of a disposal's proceeds and what each party recovered on a claim, read through the API; the
write-off asked through the API and confirmed by a second person. Figures recomputed here from the rule: costs
first, then the agency and the bank pro rata to their losses (largest remainder to the larger fraction), the rest
written off."""

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from facilities import services
from facilities.models import Facility
from recoveries import services as recovery
from recoveries.models import Bid, MoneyMove
from tests.facilities import conftest as facility_fixtures
from tests.factories import OrganizationFactory, make_token, make_user

pytestmark = pytest.mark.django_db
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed
UNIT = {"KRW": Decimal(1), "GBP": Decimal("0.01")}
PROCEEDS = {"KRW": (Decimal("450001"), Decimal("10000")), "GBP": (Decimal("450001.37"), Decimal("9999.99"))}


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def defaulted_in(facility, banker, currency):
    Facility.objects.filter(pk=facility.pk).update(currency=currency)
    facility.refresh_from_db()
    services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    services.facility_default(facility=facility, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    facility.refresh_from_db()
    return facility


def split(rest, agency_loss, bank_loss, q):
    """Largest remainder in minor units, ties to the agency."""
    units = rest / q
    exact = [units * agency_loss / (agency_loss + bank_loss), units * bank_loss / (agency_loss + bank_loss)]
    floors = [e.to_integral_value(ROUND_FLOOR) for e in exact]
    if units - sum(floors) == 1:
        floors[0 if exact[0] - floors[0] >= exact[1] - floors[1] else 1] += 1
    return floors[0] * q, floors[1] * q


@pytest.fixture
def second_approver(guaranteed):
    return make_user(Role.APPROVER, guaranteed.application.program.agency, email="checker@agency.example")


@pytest.mark.parametrize("currency", ["KRW", "GBP"])
def test_the_allocation_of_a_closed_disposal_and_the_claims_recoveries(
    api_client, guaranteed, banker, officer, approver, second_approver, currency
):
    facility = defaulted_in(guaranteed, banker, currency)
    claim = recovery.claim_file(
        facility=facility, actor=banker, checklist={i: True for i in recovery.CLAIM_CHECKLIST}
    )
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    today = timezone.localdate()
    with freeze_time(today - timedelta(days=10)):
        disposal = recovery.disposal_open(
            facility=facility,
            actor=officer,
            channel="auction",
            opening_price=Decimal(1),
            bids_close_on=today - timedelta(days=5),
        )
    Bid.objects.create(disposal=disposal, bidder="Fund X", amount=PROCEEDS[currency][0])
    recovery.money_move_confirm(
        move=recovery.disposal_award_request(disposal=disposal, actor=officer), actor=approver
    )
    proceeds, costs = PROCEEDS[currency]
    close = recovery.disposal_close_request(
        disposal=disposal, actor=officer, proceeds=proceeds, costs=costs, write_off_reason="W10"
    )
    recovery.money_move_confirm(move=close, actor=second_approver)
    claim.refresh_from_db()
    ead = facility.exposure_at_default
    agency_loss, bank_loss = min(claim.amount_paid, ead), ead - min(claim.amount_paid, ead)
    agency, bank_share = split(proceeds - costs, agency_loss, bank_loss, UNIT[currency])

    body = as_user(api_client, banker).get(f"/api/v1/disposals/{disposal.pk}/allocation/").json()
    assert body["status"] == "closed" and body["currency"] == currency
    amounts = {line["part"]: Decimal(line["amount"]) for line in body["lines"]}
    assert amounts == {
        "costs": costs,
        "agency": agency,
        "bank": bank_share,
        "borrower": 0,
        "write_off": ead - agency - bank_share,
    }
    assert sum(amounts[p] for p in ("costs", "agency", "bank", "borrower")) == proceeds

    mine = as_user(api_client, officer).get(f"/api/v1/claims/{claim.pk}/allocation/").json()
    assert Decimal(mine["agency"]["loss"]) == agency_loss and Decimal(mine["bank"]["loss"]) == bank_loss
    assert Decimal(mine["agency"]["recovered"]) == agency and Decimal(mine["bank"]["recovered"]) == bank_share
    assert Decimal(mine["written_off"]) == ead - agency - bank_share
    assert [d["disposal"] for d in mine["disposals"]] == [disposal.pk]


def test_another_bank_and_another_agency_read_no_allocation(api_client, guaranteed, banker, other_agency):
    facility = defaulted_in(guaranteed, banker, "KRW")
    claim = recovery.claim_file(
        facility=facility, actor=banker, checklist={i: True for i in recovery.CLAIM_CHECKLIST}
    )
    strangers = [
        make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B")),
        make_user(Role.CASE_OFFICER, other_agency),
    ]
    for user in strangers:
        assert as_user(api_client, user).get(f"/api/v1/claims/{claim.pk}/allocation/").status_code == 404
    body = as_user(api_client, banker).get(f"/api/v1/claims/{claim.pk}/allocation/").json()
    assert body["disposals"] == [] and Decimal(body["agency"]["recovered"]) == 0


@pytest.mark.parametrize("currency", ["KRW", "GBP"])
def test_a_write_off_is_asked_by_the_agency_and_confirmed_by_another_approver(
    api_client, guaranteed, banker, officer, approver, other_agency, currency
):
    facility = defaulted_in(guaranteed, banker, currency)
    body = {"facility": facility.pk, "reason": "W20"}
    assert as_user(api_client, banker).post("/api/v1/write-offs/", body).status_code == 403
    outsider = make_user(Role.CASE_OFFICER, other_agency)
    assert as_user(api_client, outsider).post("/api/v1/write-offs/", body).status_code == 404
    bad = as_user(api_client, officer).post("/api/v1/write-offs/", {**body, "reason": "W99"})
    assert bad.status_code == 400 and "reason" in bad.json()["details"]
    assert not MoneyMove.objects.exists()
    asked = as_user(api_client, officer).post("/api/v1/write-offs/", body)
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    facility.refresh_from_db()
    assert facility.status == "defaulted" and facility.written_off_amount is None
    move = asked.json()["id"]
    maker_refuses = as_user(api_client, officer).post(f"/api/v1/money-moves/{move}/refuse/", {"reason": "x"})
    assert maker_refuses.status_code == 404  # the maker holds no approver role: no such action for them
    assert as_user(api_client, approver).post(f"/api/v1/money-moves/{move}/confirm/").status_code == 200
    facility.refresh_from_db()
    assert facility.status == "closed" and facility.written_off_amount == facility.exposure_at_default
    assert facility.written_off_amount == facility.written_off_amount.quantize(UNIT[currency])


def test_a_refused_write_off_moves_nothing(api_client, guaranteed, banker, officer, approver):
    facility = defaulted_in(guaranteed, banker, "KRW")
    move = recovery.write_off_request(facility=facility, actor=officer, reason="W20")
    empty = as_user(api_client, approver).post(f"/api/v1/money-moves/{move.pk}/refuse/", {"reason": ""})
    assert empty.status_code == 400
    refused = as_user(api_client, approver).post(f"/api/v1/money-moves/{move.pk}/refuse/", {"reason": "no"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    facility.refresh_from_db()
    assert facility.status == "defaulted" and facility.written_off_amount is None
