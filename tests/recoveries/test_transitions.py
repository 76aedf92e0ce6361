"""The recovery side's lifecycles are tables: facility, claim, disposal, money move and the IP's encumbrance each
refuse a move their table does not hold, and the one who may not take a move changes nothing."""

from datetime import date

import pytest

from accounts.roles import Role
from applications.encumbrance import TRANSITIONS as ENCUMBRANCE
from applications.models import Encumbrance, IPAsset
from audit.models import AuditEvent
from core.errors import Conflict, IllegalTransition, PermissionRefused
from core.transitions import move
from facilities import services as facility_services
from facilities.models import TRANSITIONS as FACILITY
from facilities.models import Facility, FacilityStatus
from recoveries import services as recovery
from recoveries.models import (
    Buyer,
    BuyerStatus,
    Claim,
    ClaimStatus,
    Disposal,
    DisposalStatus,
    MoneyMove,
    MoveStatus,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TABLES = [
    (FACILITY, FacilityStatus),
    (Claim.TRANSITIONS, ClaimStatus),
    (Disposal.TRANSITIONS, DisposalStatus),
    (MoneyMove.TRANSITIONS, MoveStatus),
    (ENCUMBRANCE, Encumbrance),
    (Buyer.TRANSITIONS, BuyerStatus),
]


@pytest.mark.parametrize("table, states", TABLES, ids=[t.name for t, _s in TABLES])
def test_every_move_a_table_does_not_hold_is_refused_whoever_asks(table, states, approver, agency):
    checker, anyone = make_user(Role.APPROVER, agency), approver
    refused = 0
    for state in states:
        for action in table.actions():
            if table.get(state, action) is None:
                with pytest.raises(IllegalTransition):
                    table.check(source=state, action=action, actor=checker, maker=anyone)
                refused += 1
    assert refused > 0


def test_a_facility_is_not_paid_a_claim_before_it_defaults_and_nothing_changes(guaranteed, approver, agency):
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        facility_services.facility_move(
            facility=guaranteed, action="claim_paid", actor=make_user(Role.APPROVER, agency), maker=approver
        )
    assert Facility.objects.get(pk=guaranteed.pk).status == FacilityStatus.APPROVED
    assert AuditEvent.objects.count() == events


def test_the_bank_does_not_open_a_disposal_its_role_changes_nothing(defaulted, banker):
    with pytest.raises(PermissionRefused) as refused:
        facility_services.facility_move(facility=defaulted, action="dispose", actor=banker)
    assert refused.value.code == "role_refused"
    assert Facility.objects.get(pk=defaulted.pk).status == FacilityStatus.DEFAULTED


def test_a_paid_claim_is_not_returned_for_documents(claim, officer, approver):
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    with pytest.raises(IllegalTransition):
        move(obj=claim, table=Claim.TRANSITIONS, action="return", actor=officer)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID


def test_a_closed_disposal_is_not_awarded(auction, officer, approver, agency):
    Disposal.objects.filter(pk=auction.pk).update(status=DisposalStatus.CLOSED)
    auction.refresh_from_db()
    with pytest.raises(IllegalTransition):
        move(obj=auction, table=Disposal.TRANSITIONS, action="award", actor=approver, maker=officer)
    assert Disposal.objects.get(pk=auction.pk).status == DisposalStatus.CLOSED


def test_a_refused_money_move_is_not_confirmed_after_all(defaulted, officer, approver, agency):
    asked = recovery.write_off_request(facility=defaulted, actor=officer, reason="W20")
    recovery.money_move_refuse(move=asked, actor=approver, reason="Not yet.")
    asked.refresh_from_db()
    with pytest.raises(IllegalTransition):
        move(
            obj=asked,
            table=MoneyMove.TRANSITIONS,
            action="confirm",
            actor=make_user(Role.APPROVER, agency),
            maker=officer,
        )
    assert MoneyMove.objects.get(pk=asked.pk).status == MoveStatus.REFUSED
    assert Facility.objects.get(pk=defaulted.pk).status == FacilityStatus.DEFAULTED


def test_the_maker_of_a_claim_payment_cannot_confirm_it_and_nothing_is_paid(claim, approver):
    asked = recovery.claim_payment_request(claim=claim, actor=approver)
    with pytest.raises(PermissionRefused) as refused:
        recovery.money_move_confirm(move=asked, actor=approver)
    assert refused.value.code == "four_eyes"
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED
    assert Facility.objects.get(pk=claim.facility_id).status == FacilityStatus.DEFAULTED
    assert set(
        IPAsset.objects.filter(pledges__facility=claim.facility).values_list("encumbrance", flat=True)
    ) == {Encumbrance.PLEDGED}


def test_a_claim_payment_moves_facility_claim_and_ip_through_their_tables(claim, officer, approver):
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    event = AuditEvent.objects.get(action="recovery.claim_paid")
    assert (event.actor, event.old_state, event.new_state) == (
        approver,
        FacilityStatus.DEFAULTED,
        FacilityStatus.CLAIM_PAID,
    )
    assets = IPAsset.objects.filter(pledges__facility=claim.facility)
    assert set(assets.values_list("encumbrance", flat=True)) == {Encumbrance.TAKEN_OVER}
    assert event.details["taken_over"] == [str(a) for a in assets]


def test_a_taken_over_asset_is_not_pledged_again(claim, officer, approver, guaranteed):
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    asset = claim.facility.pledges.first().asset
    with pytest.raises(Conflict) as refused:
        facility_services.pledge_register(
            facility=claim.facility,
            asset=asset,
            registration_reference="X",
            registered_on=date.today(),
            actor=officer,
        )
    assert refused.value.code == "asset_encumbered"
    assert IPAsset.objects.get(pk=asset.pk).encumbrance == Encumbrance.TAKEN_OVER
