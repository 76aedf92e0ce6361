"""Disposals of taken-over IP through the API: the bank follows, the program's agency sees bids and awards."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.roles import Role
from facilities import services
from recoveries import services as recovery
from recoveries.models import Bid, Disposal
from tests.facilities import conftest as facility_fixtures
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


@pytest.fixture
def auction(guaranteed, banker, officer, approver):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    checklist = {item: True for item in recovery.CLAIM_CHECKLIST}
    claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=checklist)
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    disposal = recovery.disposal_open(
        facility=guaranteed,
        actor=officer,
        channel="auction",
        opening_price=Decimal("100000"),
        bids_close_on=timezone.localdate() + timedelta(days=10),
    )
    # Bids at rest: who may bid is being changed elsewhere; what is tested here is who sees them and who awards.
    Bid.objects.create(disposal=disposal, bidder="Pharma Co", amount=Decimal("400000"))
    Bid.objects.create(disposal=disposal, bidder="Fund X", amount=Decimal("450001"))
    return disposal


def after_the_window(auction):
    return freeze_time(auction.bids_close_on + timedelta(days=1))


def test_the_agency_sees_the_bids_and_awards_the_highest(api_client, auction, officer, approver):
    client = as_user(api_client, officer)
    body = client.get(f"/api/v1/disposals/{auction.pk}/").json()
    assert [b["bidder"] for b in body["bids"]] == ["Fund X", "Pharma Co"] and body["status"] == "open"
    early = client.post(f"/api/v1/disposals/{auction.pk}/award/", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "bidding_open"
    with after_the_window(auction):
        asked = client.post(f"/api/v1/disposals/{auction.pk}/award/", {}, format="json")
        assert asked.status_code == 202 and asked.json()["summary"]["lines"][0]["recipient"] == "Fund X"
        assert Disposal.objects.get().status == "open"  # not before a second person confirms
        confirmed = as_user(api_client, approver).post(f"/api/v1/money-moves/{asked.json()['id']}/confirm/")
        assert confirmed.status_code == 200
        assert Disposal.objects.get().status == "awarded"
        again = as_user(api_client, officer).post(f"/api/v1/disposals/{auction.pk}/award/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_award"


def test_the_agency_may_award_a_named_bid_of_this_disposal_only(api_client, auction, officer):
    client = as_user(api_client, officer)
    stranger = client.post(f"/api/v1/disposals/{auction.pk}/award/", {"bid": 10**9}, format="json")
    assert stranger.status_code == 400 and stranger.json()["details"] == {"bid": ["not a bid here"]}
    pharma = Bid.objects.get(bidder="Pharma Co")
    with after_the_window(auction):
        asked = client.post(f"/api/v1/disposals/{auction.pk}/award/", {"bid": pharma.pk}, format="json")
    assert asked.json()["summary"]["lines"][0]["recipient"] == "Pharma Co"


def test_the_bank_follows_the_disposal_without_seeing_bids_and_cannot_award(api_client, auction, banker):
    client = as_user(api_client, banker)
    [row] = client.get(f"/api/v1/disposals/?facility={auction.facility_id}").json()["results"]
    assert row["id"] == auction.pk and row["bids"] == []
    assert client.post(f"/api/v1/disposals/{auction.pk}/award/", {}, format="json").status_code == 404
    assert Disposal.objects.get().status == "open"


def test_another_agency_neither_sees_nor_awards(api_client, auction, other_agency):
    stranger = make_user(Role.APPROVER, other_agency, email="approver@agency-b.example")
    client = as_user(api_client, stranger)
    assert client.get(f"/api/v1/disposals/{auction.pk}/").status_code == 404
    assert client.post(f"/api/v1/disposals/{auction.pk}/award/", {}, format="json").status_code == 404
    assert client.get("/api/v1/disposals/").json()["count"] == 0
    assert Disposal.objects.get().status == "open"
