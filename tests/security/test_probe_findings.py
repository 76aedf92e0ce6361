"""What an outside probe of the running app (every role, a second organisation of every kind, hostile input) found
after issue 14 was declared fixed. Each test is the attack or the user's path that failed on that main."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from recoveries import services as recovery
from recoveries.models import Claim, ClaimStatus, Disposal, MoneyMove, MoveStatus
from tests.facilities.conftest import bank, banker, guaranteed  # noqa: F401  (the facilities cast)
from tests.factories import make_token, make_user, verified_buyer
from tests.recoveries.conftest import claim, defaulted  # noqa: F401  (the recoveries cast)

pytestmark = pytest.mark.django_db


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {make_token(user)}"
    return client


# --- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_data_loads_on_a_fresh_database(capsys):
    """``make run`` seeds the demo: the BrightSoft trademark (filed 2018) had an expiry 20 years on, beyond the
    10-year renewal the IP register accepts, so seed_demo stopped with InvalidInput and the demo never started."""
    call_command("seed_demo")
    assert "Demo data is in place." in capsys.readouterr().out


# --- non-numeric ids in the recoveries and webhooks API ------------------------------------------------------

NON_NUMERIC_PATHS = [
    "/api/v1/claims/{x}/",
    "/api/v1/disposals/{x}/",
    "/api/v1/webhooks/endpoints/{x}/",
    "/api/v1/webhooks/deliveries/{x}/",
]
NON_NUMERIC_POSTS = [
    "/api/v1/claims/{x}/pay/",
    "/api/v1/disposals/{x}/award/",
    "/api/v1/webhooks/endpoints/{x}/rotate-secret/",
    "/api/v1/webhooks/deliveries/{x}/replay/",
]


@pytest.mark.parametrize("value", ["abc", "1e3", "1;select", "%E2%80%8B1"])
def test_a_non_numeric_id_in_the_recoveries_and_webhooks_api_is_a_404_in_the_error_shape(client, value):
    """These two apps kept DRF's plain SimpleRouter, so ``/api/v1/claims/abc/`` reached ``int()`` (a 500)."""
    for user in (make_user("case_officer"), make_user("lender_officer")):
        api(client, user)
        for path in NON_NUMERIC_PATHS:
            response = client.get(path.format(x=value))
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
        for path in NON_NUMERIC_POSTS:
            assert client.post(path.format(x=value), {}, content_type="application/json").status_code == 404


# --- the claim payment and the award through the API --------------------------------------------------------


def test_the_agency_asks_to_pay_a_claim_through_the_api_and_a_different_approver_confirms(
    client,
    claim,  # noqa: F811
    officer,
    approver,
):
    """``POST /api/v1/claims/{id}/pay/`` called ``services.claim_pay``, gone since four eyes came in: every call a
    500. It asks now (202, a pending move); nothing is paid until a different approver confirms."""
    response = api(client, officer).post(
        f"/api/v1/claims/{claim.pk}/pay/", {}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    move = MoneyMove.objects.get(pk=response.json()["id"])
    assert (move.kind, move.status, move.requested_by) == ("claim_payment", MoveStatus.PENDING, officer)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED
    again = client.post(f"/api/v1/claims/{claim.pk}/pay/", {}, content_type="application/json")
    assert again.status_code == 409 and set(again.json()) == {"code", "message", "details"}
    recovery.money_move_confirm(move=move, actor=approver)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID


def test_the_maker_of_a_claim_payment_asked_through_the_api_cannot_confirm_it(
    client,
    claim,  # noqa: F811
    approver,
):
    api(client, approver).post(f"/api/v1/claims/{claim.pk}/pay/", {}, content_type="application/json")
    move = MoneyMove.objects.get()
    with pytest.raises(Exception) as error:
        recovery.money_move_confirm(move=move, actor=approver)
    assert getattr(error.value, "code", "") == "four_eyes"
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED


def test_the_award_through_the_api_waits_for_the_bid_window_then_asks_for_a_second_person(
    client,
    claim,  # noqa: F811
    officer,
    approver,
    agency,
):
    """``POST /api/v1/disposals/{id}/award/`` called ``services.disposal_award`` (gone): a 500 for the agency."""
    recovery.money_move_confirm(
        move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
    )
    disposal = recovery.disposal_open(
        facility=claim.facility,
        actor=officer,
        channel="auction",
        opening_price=Decimal("100000"),
        bids_close_on=timezone.localdate() + timedelta(days=10),
    )
    bidder = verified_buyer(agency, registered_by=officer, verified_by=approver)
    recovery.bid_place(disposal=disposal, actor=bidder, amount=Decimal("200000"))
    client = api(client, officer)
    early = client.post(f"/api/v1/disposals/{disposal.pk}/award/", {}, content_type="application/json")
    assert early.status_code == 409 and set(early.json()) == {"code", "message", "details"}
    Disposal.objects.filter(pk=disposal.pk).update(bids_close_on=timezone.localdate() - timedelta(days=1))
    asked = client.post(f"/api/v1/disposals/{disposal.pk}/award/", {}, content_type="application/json")
    assert asked.status_code == 202, asked.content
    assert MoneyMove.objects.get(pk=asked.json()["id"]).kind == "disposal_award"
    assert Disposal.objects.get(pk=disposal.pk).status == "open"


# --- colleagues ----------------------------------------------------------------------------------------------


def test_adding_another_companys_user_as_a_colleague_changes_nothing_until_they_accept(
    client, applicant, outsider_applicant
):
    """On the snapshot probed (e9bc183) /applications/company/colleagues/ gave another company's applicant a second
    membership in the attacker's company at once, without asking; main's invitations (CompanyInvitation) hold."""
    from accounts.models import Membership
    from tests.factories import company_for_user

    company = company_for_user(applicant)
    company_for_user(outsider_applicant)
    memberships = Membership.objects.count()
    client.force_login(applicant)
    client.post("/applications/company/colleagues/", {"email": outsider_applicant.email})
    assert not company.organization.memberships.filter(user=outsider_applicant).exists()
    assert Membership.objects.count() == memberships


# --- money in the currency's minor unit ----------------------------------------------------------------------


def test_an_application_amount_finer_than_the_currencys_minor_unit_is_refused(client, applicant, program):
    """A KRW program took 150,000,000.50 won (KRW has no minor unit) as the requested amount."""
    from applications.models import Application
    from tests.factories import ProgramFactory, company_for_user

    company_for_user(applicant)
    client = api(client, applicant)
    half_won = client.post(
        "/api/v1/applications/",
        {"program": program.code, "requested_amount": "150000000.50"},
        content_type="application/json",
    )
    assert half_won.status_code == 400, half_won.content
    assert half_won.json()["code"] == "invalid_amount"
    assert not Application.objects.filter(requested_amount=Decimal("150000000.50")).exists()
    whole = client.post(
        "/api/v1/applications/",
        {"program": program.code, "requested_amount": "150000000"},
        content_type="application/json",
    )
    assert whole.status_code == 201 and whole.json()["requested_amount"] == "150000000.00"
    pounds = ProgramFactory(agency=program.agency, code="HGIP", currency="GBP")
    pence = client.post(
        "/api/v1/applications/",
        {"program": pounds.code, "requested_amount": "1500000.25"},
        content_type="application/json",
    )
    assert pence.status_code == 201, pence.content
