"""Defects an outside tester found on the recovery screens: each test reproduces one."""

from decimal import Decimal

import pytest

from core.errors import Conflict
from recoveries import services as recovery
from recoveries.models import Disposal, DisposalStatus, MoneyMove, MoveKind

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
