"""Bids only from buyers the agency verified; never from the defaulted company, its bank or an oversight official."""

from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from core.errors import Conflict, InvalidInput, PermissionRefused
from recoveries import services as recovery
from recoveries.models import Bid, BuyerStatus
from tests.factories import OrganizationFactory, make_user, verified_buyer

pytestmark = pytest.mark.django_db


def _refused(disposal, actor, **kwargs):
    before = (Bid.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionRefused):
        recovery.bid_place(disposal=disposal, actor=actor, amount=Decimal("500000"), **kwargs)
    return (Bid.objects.count(), AuditEvent.objects.count()) == before


def test_a_verified_buyer_bids_and_the_bid_names_the_buyer_and_the_person(auction, officer, approver, agency):
    user = verified_buyer(agency, registered_by=officer, verified_by=approver, name="IP Fund")
    bid = recovery.bid_place(disposal=auction, actor=user, amount=Decimal("500000"))
    assert bid.bidder == "IP Fund" and bid.buyer.organization.name == "IP Fund" and bid.placed_by == user
    assert AuditEvent.objects.filter(action="recovery.bid", actor=user).count() == 1


def test_an_oversight_official_never_bids(auction, official):
    assert _refused(auction, official)


def test_an_unregistered_organisation_does_not_bid(auction, fund_manager, applicant):
    assert _refused(auction, fund_manager)
    assert _refused(auction, applicant)


def test_a_buyer_awaiting_verification_or_revoked_does_not_bid(auction, officer, approver, agency):
    organization = OrganizationFactory(kind=OrganizationKind.FUND_MANAGER)
    user = make_user(Role.FUND_MANAGER, organization)
    buyer = recovery.buyer_register(agency=agency, organization=organization, actor=officer)
    assert _refused(auction, user)
    recovery.buyer_verify(buyer=buyer, actor=approver)
    recovery.buyer_revoke(buyer=buyer, actor=approver, reason="sanctioned")
    assert _refused(auction, user)


def test_the_defaulted_company_and_the_loans_bank_never_bid_even_when_registered(
    auction, officer, approver, agency, banker, guaranteed
):
    company_user = make_user(Role.APPLICANT, guaranteed.application.company.organization)
    for organization in (guaranteed.application.company.organization, guaranteed.lender):
        buyer = recovery.buyer_register(agency=agency, organization=organization, actor=officer)
        recovery.buyer_verify(buyer=buyer, actor=approver)
    assert _refused(auction, banker)
    assert _refused(auction, company_user)


def test_a_buyer_of_another_agency_does_not_bid_here(auction, other_agency):
    registrar, verifier = make_user(Role.CASE_OFFICER, other_agency), make_user(Role.APPROVER, other_agency)
    user = verified_buyer(other_agency, registered_by=registrar, verified_by=verifier)
    assert _refused(auction, user)


def test_agency_staff_do_not_bid_for_anyone(auction, officer, approver, agency):
    verified_buyer(agency, registered_by=officer, verified_by=approver)
    assert _refused(auction, officer)


def test_a_bid_below_the_opening_price_or_after_the_award_is_refused(auction, officer, approver, agency):
    user = verified_buyer(agency, registered_by=officer, verified_by=approver)
    with pytest.raises(InvalidInput):
        recovery.bid_place(disposal=auction, actor=user, amount=Decimal("10"))
    recovery.bid_place(disposal=auction, actor=user, amount=Decimal("200000"))
    with freeze_time(auction.bids_close_on + timedelta(days=1)):  # an award only after the window has closed
        recovery.money_move_confirm(
            move=recovery.disposal_award_request(disposal=auction, actor=officer), actor=approver
        )
    with pytest.raises(Conflict):
        recovery.bid_place(disposal=auction, actor=user, amount=Decimal("300000"))


def test_the_agency_staff_register_and_another_approver_verifies(officer, approver, agency, other_agency):
    organization = OrganizationFactory(kind=OrganizationKind.COMPANY)
    with pytest.raises(PermissionRefused):
        recovery.buyer_register(
            agency=agency, organization=organization, actor=make_user(Role.CASE_OFFICER, other_agency)
        )
    with pytest.raises(InvalidInput):
        recovery.buyer_register(
            agency=agency, organization=OrganizationFactory(kind=OrganizationKind.OVERSIGHT), actor=officer
        )
    buyer = recovery.buyer_register(agency=agency, organization=organization, actor=approver)
    with pytest.raises(Conflict):
        recovery.buyer_register(agency=agency, organization=organization, actor=officer)
    with pytest.raises(PermissionRefused):
        recovery.buyer_verify(buyer=buyer, actor=officer)  # not an approver
    with pytest.raises(PermissionRefused):
        recovery.buyer_verify(buyer=buyer, actor=approver)  # registered it
    with pytest.raises(PermissionRefused):
        recovery.buyer_verify(buyer=buyer, actor=make_user(Role.APPROVER, other_agency))
    administrator = make_user(Role.ADMINISTRATOR, agency)
    assert recovery.buyer_verify(buyer=buyer, actor=administrator).status == BuyerStatus.VERIFIED
    assert set(
        AuditEvent.objects.filter(action__startswith="recovery.buyer_").values_list("action", flat=True)
    ) == {
        "recovery.buyer_registered",
        "recovery.buyer_verified",
    }


def test_a_buyer_bids_on_the_auctions_page_and_others_get_404(
    client, auction, officer, approver, agency, official
):
    user = verified_buyer(agency, registered_by=officer, verified_by=approver, name="IP Fund")
    client.force_login(user)
    page = client.get("/recoveries/auctions/").content.decode()
    assert f"/recoveries/auctions/{auction.pk}/bid/" in page
    response = client.post(f"/recoveries/auctions/{auction.pk}/bid/", {"amount": "10"})
    assert response.status_code == 400 and "100,000" in response.content.decode()
    assert client.post(f"/recoveries/auctions/{auction.pk}/bid/", {"amount": "150000"}).status_code == 302
    assert Bid.objects.get().placed_by == user
    for outsider in (official, officer):
        client.force_login(outsider)
        assert client.post(f"/recoveries/auctions/{auction.pk}/bid/", {"amount": "990000"}).status_code == 404
        assert (
            client.post(
                f"/facilities/{auction.facility_id}/bid/",
                {"disposal": auction.pk, "bidder": "x", "amount": "990000"},
            ).status_code
            == 404
        )
    assert Bid.objects.count() == 1


def test_the_registry_page_registers_and_verifies(client, officer, approver, agency):
    organization = OrganizationFactory(kind=OrganizationKind.COMPANY, name="Buyer Co")
    client.force_login(officer)
    assert client.post("/recoveries/buyers/", {"organization": organization.pk}).status_code == 302
    buyer = organization.buyer_registrations.get()
    assert client.post(f"/recoveries/buyers/{buyer.pk}/verify/").status_code == 404  # officers do not verify
    client.force_login(approver)
    assert "Buyer Co" in client.get("/recoveries/buyers/").content.decode()
    assert client.post(f"/recoveries/buyers/{buyer.pk}/verify/").status_code == 302
    buyer.refresh_from_db()
    assert buyer.status == BuyerStatus.VERIFIED and buyer.verified_by == approver
