"""Money leaves only when a maker asks and a different approver confirms; proceeds are allocated within the losses."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from audit.models import AuditEvent
from core.errors import Conflict, InvalidInput, PermissionRefused
from dashboards.portfolio import portfolio_data
from facilities.models import Facility, FacilityStatus
from facilities.services import outstanding_principal
from recoveries import services as recovery
from recoveries.models import Claim, ClaimStatus, Disposal, MoneyMove, MoveStatus
from tests.factories import make_user, verified_buyer

from .conftest import CHECKLIST

pytestmark = pytest.mark.django_db


def confirm(move, checker):
    return recovery.money_move_confirm(move=move, actor=checker)


def paid_and_listed(claim, officer, approver, **payment):
    confirm(recovery.claim_payment_request(claim=claim, actor=officer, **payment), approver)
    return recovery.disposal_open(facility=claim.facility, actor=officer, channel="direct_sale")


# --- four eyes ---------------------------------------------------------------------------------------------


def test_the_maker_can_never_confirm_their_own_payment_even_as_an_approver(claim, approver):
    move = recovery.claim_payment_request(claim=claim, actor=approver)
    with pytest.raises(PermissionRefused) as error:
        confirm(move, approver)
    assert error.value.code == "four_eyes"
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED


def test_a_checker_needs_the_approver_role_of_the_programs_agency(
    claim, officer, second_officer, other_agency
):
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    for outsider in (second_officer, make_user("approver", other_agency)):
        with pytest.raises(PermissionRefused):
            confirm(move, outsider)
    assert MoneyMove.objects.get(pk=move.pk).status == MoveStatus.PENDING


def test_a_confirmed_claim_payment_records_maker_and_checker_and_the_amount(claim, officer, approver):
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    # 1,200,000 exposure at default × 0.8 coverage = 960,000, to the bank
    assert move.summary["lines"] == [{"part": "claim_payment", "recipient": "Bank A", "amount": "960000"}]
    paid = confirm(move, approver)
    assert (paid.status, paid.amount_paid, paid.paid_by) == (ClaimStatus.PAID, Decimal("960000"), approver)
    event = AuditEvent.objects.filter(action="recovery.claim_paid").get()
    assert event.actor == approver and event.details["maker"] == officer.email


def test_a_refused_payment_moves_nothing_and_may_be_asked_again(claim, officer, approver):
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    with pytest.raises(Conflict):
        recovery.claim_payment_request(claim=claim, actor=officer)  # one pending request at a time
    with pytest.raises(InvalidInput):
        recovery.money_move_refuse(move=move, actor=approver, reason=" ")
    recovery.money_move_refuse(move=move, actor=approver, reason="Check the loan statement")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED
    assert recovery.claim_payment_request(claim=claim, actor=officer).status == MoveStatus.PENDING


def test_the_confirmation_page_states_the_amounts_and_who_receives_them_and_only_a_checker_may_confirm(
    client, claim, officer, approver, banker
):
    client.force_login(officer)
    response = client.post(
        f"/recoveries/facilities/{claim.facility_id}/review_claim/",
        {"outcome": "pay_part", "amount": "900000", "reason_code": "P10", "comment": "Fees not documented"},
    )
    move = MoneyMove.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert "900,000 KRW" in page and "Bank A" in page and "960,000 KRW" in page  # paid, to whom, claimed
    assert "You asked for this" in page and "Confirm: carry out" not in page
    assert (
        client.post(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/confirm/").status_code == 404
    )  # not an approver
    client.force_login(banker)
    assert client.get(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/").status_code == 404
    client.force_login(approver)
    page = client.get(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/").content.decode()
    assert "Confirm: carry out exactly these amounts" in page
    client.post(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/confirm/")
    claim.refresh_from_db()
    assert (claim.amount_paid, claim.review_reason) == (Decimal("900000"), "P10")


# --- claim review --------------------------------------------------------------------------------------------


def test_a_part_payment_needs_an_amount_below_the_claim_and_a_reason_code(claim, officer):
    with pytest.raises(InvalidInput) as error:
        recovery.claim_payment_request(claim=claim, actor=officer, amount=Decimal("900000"))
    assert error.value.code == "reason_code"
    with pytest.raises(InvalidInput):
        recovery.claim_payment_request(
            claim=claim, actor=officer, amount=Decimal("960001"), reason_code="P10"
        )
    with pytest.raises(InvalidInput):
        recovery.claim_payment_request(
            claim=claim, actor=officer, amount=Decimal("900000.5"), reason_code="P10"
        )


def test_a_claim_can_be_rejected_with_a_reason_and_then_nothing_is_paid(claim, officer, approver):
    pending = recovery.claim_payment_request(claim=claim, actor=officer)
    with pytest.raises(Conflict) as error:  # not while a payment awaits its checker
        recovery.claim_reject(claim=claim, actor=officer, reason_code="J30")
    assert error.value.code == "awaiting_checker"
    recovery.money_move_refuse(move=pending, actor=approver, reason="Filed late: reject it")
    with pytest.raises(InvalidInput):
        recovery.claim_reject(claim=claim, actor=officer, reason_code="P10")
    rejected = recovery.claim_reject(
        claim=claim, actor=officer, reason_code="J30", comment="Filed after 6 months"
    )
    assert (rejected.status, rejected.review_reason) == (ClaimStatus.REJECTED, "J30")
    with pytest.raises(Conflict):
        recovery.claim_payment_request(claim=claim, actor=officer)


def test_a_claim_returned_for_documents_can_be_filed_again_and_paid(claim, officer, approver, banker):
    with pytest.raises(InvalidInput):
        recovery.claim_return(claim=claim, actor=officer, comment="")
    recovery.claim_return(claim=claim, actor=officer, comment="Attach the pledge registration")
    with pytest.raises(Conflict):
        recovery.claim_payment_request(claim=claim, actor=officer)
    refiled = recovery.claim_file(facility=claim.facility, actor=banker, checklist=CHECKLIST)
    assert refiled.pk == claim.pk and refiled.status == ClaimStatus.FILED
    assert (
        confirm(recovery.claim_payment_request(claim=refiled, actor=officer), approver).amount_paid == 960000
    )


# --- awards after the window ----------------------------------------------------------------------------------


def test_an_auction_is_awarded_only_after_its_bid_window_has_closed(claim, officer, approver, agency):
    confirm(recovery.claim_payment_request(claim=claim, actor=officer), approver)
    today = date.today()
    disposal = recovery.disposal_open(
        facility=claim.facility,
        actor=officer,
        channel="auction",
        opening_price=Decimal("100000"),
        bids_close_on=today + timedelta(days=20),
    )
    buyer = verified_buyer(agency, registered_by=officer, verified_by=approver, name="Pharma Co")
    recovery.bid_place(disposal=disposal, actor=buyer, amount=Decimal("500000"))
    with pytest.raises(Conflict) as error:
        recovery.disposal_award_request(disposal=disposal, actor=officer)
    assert error.value.code == "bidding_open"
    with freeze_time(today + timedelta(days=20)):  # the closing day itself is still open
        with pytest.raises(Conflict):
            recovery.disposal_award_request(disposal=disposal, actor=officer)
    with freeze_time(today + timedelta(days=21)):
        move = recovery.disposal_award_request(disposal=disposal, actor=officer)
        assert move.summary["lines"] == [{"part": "award", "recipient": "Pharma Co", "amount": "500000"}]
        confirm(move, approver)
    assert Disposal.objects.get(pk=disposal.pk).status == "awarded"


# --- allocation within the losses -------------------------------------------------------------------------------


def test_proceeds_above_the_losses_pay_costs_then_each_loss_and_the_surplus_is_owed_to_the_borrower(
    claim, officer, approver
):
    disposal = paid_and_listed(claim, officer, approver)
    move = recovery.disposal_close_request(
        disposal=disposal, actor=officer, proceeds=Decimal("1500000"), costs=Decimal("50000")
    )
    # 1,500,000 − 50,000 costs = 1,450,000; agency loss 960,000 and bank loss 240,000 paid in full;
    # 1,450,000 − 1,200,000 = 250,000 owed to the borrower; nothing written off
    assert [(line["part"], line["amount"]) for line in move.summary["lines"]] == [
        ("costs", "50000"),
        ("agency", "960000"),
        ("bank", "240000"),
        ("borrower", "250000"),
        ("write_off", "0"),
    ]
    closed = confirm(move, approver)
    assert (closed.agency_share, closed.bank_share, closed.borrower_surplus) == (960000, 240000, 250000)
    facility = Facility.objects.get(pk=claim.facility_id)
    figures = recovery.recovery_figures(facility, [closed])
    assert figures["recovery_rate"] == Decimal("1.0000") and figures["loss"] == 0  # never above 100 %
    # the portfolio counts what the creditors recovered (1,200,000), not the 1,500,000 proceeds: 100 %, not 125 %
    headline = {row["label"]: row["value"] for row in portfolio_data(Facility.objects.all())["headline"]}
    assert headline["Recovered from disposals"] == "1,200,000"
    assert headline["Recovery rate (closed disposals)"] == "1.0000"


def test_proceeds_below_the_losses_are_shared_pro_rata_and_the_rest_is_written_off(claim, officer, approver):
    disposal = paid_and_listed(claim, officer, approver, amount=Decimal("900000"), reason_code="P10")
    with pytest.raises(InvalidInput) as error:
        recovery.disposal_close_request(disposal=disposal, actor=officer, proceeds=Decimal("600001"), costs=1)
    assert error.value.code == "write_off_reason"
    move = recovery.disposal_close_request(
        disposal=disposal,
        actor=officer,
        proceeds=Decimal("600001"),
        costs=Decimal("1"),
        write_off_reason="W10",
    )
    closed = confirm(move, approver)
    # the agency paid 900,000 (in part), so the bank lost 1,200,000 − 900,000 = 300,000;
    # 600,001 − 1 cost = 600,000 shared 900 : 300 → agency 450,000, bank 150,000; written off 1,200,000 − 600,000
    assert (closed.costs, closed.agency_share, closed.bank_share, closed.borrower_surplus) == (
        1,
        450000,
        150000,
        0,
    )
    facility = Facility.objects.get(pk=claim.facility_id)
    assert closed.write_off == facility.written_off_amount == Decimal("600000")
    assert facility.status == FacilityStatus.CLOSED and outstanding_principal(facility) == 0
    assert recovery.recovery_figures(facility, [closed])["recovery_rate"] == Decimal("0.5000")


def test_a_recovery_after_the_write_off_reduces_the_loss(claim, officer, approver):
    confirm(recovery.claim_payment_request(claim=claim, actor=officer), approver)
    with pytest.raises(Conflict):
        recovery.recovery_record_late(
            facility=claim.facility, actor=officer, amount=1, received_on=date.today(), source="x"
        )
    move = recovery.write_off_request(facility=claim.facility, actor=officer, reason="W20")
    # nothing recovered: the whole exposure at default, 1,200,000, is written off
    assert move.summary["lines"][0]["amount"] == "1200000"
    with pytest.raises(PermissionRefused):
        confirm(move, officer)
    confirm(move, approver)
    facility = Facility.objects.get(pk=claim.facility_id)
    assert (facility.status, facility.written_off_amount) == (FacilityStatus.CLOSED, Decimal("1200000"))
    assert outstanding_principal(facility) == 0
    with pytest.raises(InvalidInput):
        recovery.recovery_record_late(
            facility=facility,
            actor=officer,
            amount=1,
            received_on=date.today() + timedelta(days=1),
            source="x",
        )
    recovery.recovery_record_late(
        facility=facility, actor=officer, amount=Decimal("300000"), received_on=date.today(), source="Licence"
    )
    figures = recovery.recovery_figures(facility, [])
    # 300,000 of 1,200,000 recovered: 25 %, the loss now 900,000
    assert (figures["recovery_rate"], figures["loss"]) == (Decimal("0.2500"), Decimal("900000"))


def test_the_write_off_and_close_pages_need_a_second_person_too(client, claim, officer, approver):
    disposal = paid_and_listed(claim, officer, approver)
    client.force_login(officer)
    client.post(
        f"/recoveries/facilities/{claim.facility_id}/close/",
        {"disposal": disposal.pk, "proceeds": "1500000", "costs": "50000", "write_off_reason": ""},
    )
    move = MoneyMove.objects.get(kind="disposal_close")
    page = client.get(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/").content.decode()
    for text in ("50,000 KRW", "960,000 KRW", "240,000 KRW", "250,000 KRW", "Surplus owed to the borrower"):
        assert text in page
    assert Disposal.objects.get(pk=disposal.pk).status == "open"
    client.force_login(approver)
    client.post(f"/recoveries/facilities/{claim.facility_id}/moves/{move.pk}/confirm/")
    assert Disposal.objects.get(pk=disposal.pk).status == "closed"
    page = client.get(f"/facilities/{claim.facility_id}/").content.decode()
    assert "owed to the borrower 250,000 KRW" in page
