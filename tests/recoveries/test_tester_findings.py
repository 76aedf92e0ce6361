"""Defects an outside tester found on the recovery screens: each test reproduces one."""

from decimal import Decimal

import pytest

from core.errors import Conflict
from facilities.models import Facility
from recoveries import services as recovery
from recoveries.models import Disposal, DisposalStatus, LateRecovery, MoneyMove, MoveKind

pytestmark = pytest.mark.django_db


def paid(claim, officer, approver):
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    recovery.money_move_confirm(move=move, actor=approver)
    return claim.facility


# --- H1: the same IP is put up for sale once -------------------------------------------------------------------


def test_a_replayed_dispose_post_is_refused_and_only_one_disposal_holds_the_ip(
    client, claim, officer, approver
):
    facility = paid(claim, officer, approver)
    client.force_login(officer)
    url = f"/recoveries/facilities/{facility.pk}/dispose/"
    first = client.post(url, {"channel": "marketplace"})
    assert first.status_code == 302
    again = client.post(url, {"channel": "marketplace"})
    assert again.status_code == 400
    assert Disposal.objects.filter(facility=facility).count() == 1


def test_a_second_disposal_is_refused_while_the_first_is_awarded_and_allowed_after_it_closes(
    claim, officer, approver
):
    facility = paid(claim, officer, approver)
    first = recovery.disposal_open(facility=facility, actor=officer, channel="direct_sale")
    Disposal.objects.filter(pk=first.pk).update(status=DisposalStatus.AWARDED)
    with pytest.raises(Conflict) as error:
        recovery.disposal_open(facility=facility, actor=officer, channel="marketplace")
    assert error.value.code == "assets_in_disposal"
    assert Disposal.objects.filter(facility=facility).count() == 1
    Disposal.objects.filter(pk=first.pk).update(status=DisposalStatus.CLOSED, proceeds=Decimal("0"))
    second = recovery.disposal_open(facility=facility, actor=officer, channel="marketplace")
    assert set(second.assets.all()) == set(first.assets.all()) and second.status == DisposalStatus.OPEN


# --- L3: a refusal is visible when its form is not on the page ---------------------------------------------------


def test_a_refused_close_shows_its_error_at_the_top_when_the_close_form_is_gone(
    client, claim, officer, approver
):
    facility = paid(claim, officer, approver)
    disposal = recovery.disposal_open(facility=facility, actor=officer, channel="direct_sale")
    Disposal.objects.filter(pk=disposal.pk).update(status=DisposalStatus.CLOSED)
    client.force_login(officer)
    response = client.post(
        f"/recoveries/facilities/{facility.pk}/close/", {"disposal": disposal.pk, "proceeds": "500000"}
    )
    assert response.status_code == 400
    assert "The disposal is closed already." in response.content.decode()
    assert not MoneyMove.objects.filter(facility=facility, kind=MoveKind.DISPOSAL_CLOSE).exists()


def test_a_replayed_dispose_post_says_why_at_the_top(client, claim, officer, approver):
    facility = paid(claim, officer, approver)
    client.force_login(officer)
    url = f"/recoveries/facilities/{facility.pk}/dispose/"
    client.post(url, {"channel": "marketplace"})
    again = client.post(url, {"channel": "marketplace"})
    assert again.status_code == 400
    assert "already in an open or awarded disposal" in again.content.decode()


# --- M2: a late recovery is recorded once and counts in every recovery figure ------------------------------------


def written_off(claim, officer, approver):
    """The claim paid in full (960,000 to the bank) and nothing recovered: the whole 1,200,000 written off."""
    facility = paid(claim, officer, approver)
    move = recovery.write_off_request(facility=facility, actor=officer, reason="W20")
    recovery.money_move_confirm(move=move, actor=approver)
    facility.refresh_from_db()
    assert facility.written_off_amount == Decimal("1200000")
    return facility


def test_a_late_recovery_posted_twice_is_recorded_once(client, claim, officer, approver):
    from django.utils import timezone

    facility = written_off(claim, officer, approver)
    client.force_login(officer)
    url = f"/recoveries/facilities/{facility.pk}/late_recovery/"
    body = {"amount": "300000", "received_on": timezone.localdate().isoformat(), "source": "Licence"}
    assert client.post(url, body).status_code == 302
    again = client.post(url, body)
    assert again.status_code == 400
    assert "was just recorded" in again.content.decode()
    assert [r.amount for r in LateRecovery.objects.filter(facility=facility)] == [Decimal("300000")]


def test_a_late_recovery_reduces_the_written_off_loss_and_counts_for_the_agency_and_the_bank(
    api_client, claim, officer, approver
):
    from django.utils import timezone

    from tests.factories import make_token

    facility = written_off(claim, officer, approver)
    recovery.recovery_record_late(
        facility=facility,
        actor=officer,
        amount=Decimal("300000"),
        received_on=timezone.localdate(),
        source="Licence",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(officer)}")
    body = api_client.get(f"/api/v1/claims/{claim.pk}/allocation/").json()
    # losses: agency 960,000 (paid under the guarantee), bank 1,200,000 − 960,000 = 240,000;
    # 300,000 shared 960 : 240 → agency 240,000, bank 60,000; written off 1,200,000 − 300,000 = 900,000
    assert (body["agency"]["loss"], body["agency"]["recovered"]) == ("960000.00", "240000.00")
    assert (body["bank"]["loss"], body["bank"]["recovered"]) == ("240000.00", "60000.00")
    assert (body["late_recoveries"], body["written_off"]) == ("300000.00", "900000.00")
    figures = recovery.recovery_figures(Facility.objects.get(pk=facility.pk), [])
    assert (figures["recovered"], figures["loss"], figures["written_off"]) == (300000, 900000, 900000)


# --- M3: a KRW bid is in whole won -------------------------------------------------------------------------------


def test_a_fractional_krw_bid_is_refused_on_the_page_and_in_the_service(
    client, auction, officer, approver, agency
):
    from audit.models import AuditEvent
    from core.errors import InvalidInput
    from recoveries.models import Bid
    from tests.factories import verified_buyer

    user = verified_buyer(agency, registered_by=officer, verified_by=approver, name="IP Fund")
    assert auction.facility.currency == "KRW"
    events = AuditEvent.objects.count()
    client.force_login(user)
    refused = client.post(f"/recoveries/auctions/{auction.pk}/bid/", {"amount": "60000000.5"})
    assert refused.status_code == 400 and "60000000.5" in refused.content.decode()
    with pytest.raises(InvalidInput) as error:
        recovery.bid_place(disposal=auction, actor=user, amount=Decimal("60000000.5"))
    assert error.value.code == "invalid_amount"
    assert not Bid.objects.exists() and AuditEvent.objects.count() == events
    assert recovery.bid_place(disposal=auction, actor=user, amount=Decimal("60000000")).amount == 60000000
