"""Pledges as a step: pending registration with the IP office, registration by the bank or the agency, the
program's rule before disbursement, release on repayment and on disposal, and who holds the IP."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from applications.holders import ip_asset_holders
from applications.models import Encumbrance, IPAsset
from core.errors import Conflict, InvalidInput, PermissionRefused
from facilities import services
from facilities.models import Disbursement, FacilityStatus, Pledge, PledgeOffice, PledgeStatus
from facilities.pledges import DEFAULT_REGISTRATION_DAYS, pledge_record_registration
from programs.models import Program
from recoveries import services as recovery
from tests.factories import OrganizationFactory, make_user, verified_buyer

from .conftest import approved_case

pytestmark = pytest.mark.django_db
CHECKLIST = {item: True for item in recovery.CLAIM_CHECKLIST}


@pytest.fixture
def loan(program, submitted, bank, officer):
    """A loan whose IP is pledged with no registration yet (the facility form no longer invents one)."""
    program.partner_lenders.add(bank)
    case = approved_case(program, submitted)
    return services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, "", None) for a in case.ip_assets.all()],
    )


def _disburse(facility, banker, on=None):
    return services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=on or timezone.localdate(),
        idempotency_key="d1",
    )


def test_a_pledge_starts_pending_with_the_due_date_of_the_offices_service_level(
    program, submitted, bank, officer
):
    PledgeOffice.objects.create(jurisdiction="KR", office="KIPO", registration_days=14)
    PledgeOffice.objects.create(
        jurisdiction="KR", ip_type="patent", office="KIPO patents", registration_days=1
    )
    program.partner_lenders.add(bank)
    case = approved_case(program, submitted)
    asset = case.ip_assets.get()
    assert (asset.jurisdiction, asset.ip_type) == ("KR", "patent")
    facility = services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank,
        term_months=12,
        schedule_type="bullet",
        pledges=[(asset, "", None)],
    )
    pledge = facility.pledges.get()
    today = timezone.localdate()
    assert (pledge.status, pledge.office, pledge.pledged_on) == (PledgeStatus.PENDING, "KIPO patents", today)
    assert pledge.registration_due == today + timedelta(days=1)  # the patent row beats the any-type row
    assert IPAsset.objects.get(pk=asset.pk).encumbrance == Encumbrance.PLEDGED


def test_an_office_without_a_service_level_gets_the_default_days(loan):
    pledge = loan.pledges.get()
    assert pledge.office == "KR"
    assert pledge.registration_due == pledge.pledged_on + timedelta(days=DEFAULT_REGISTRATION_DAYS)


def test_the_bank_records_the_registration_and_bad_dates_or_numbers_are_refused(loan, banker):
    pledge = loan.pledges.get()
    today = timezone.localdate()
    for reference, on, field in (
        ("CN-2026-1", today + timedelta(days=1), "registered_on"),
        ("CN-2026-1", pledge.pledged_on - timedelta(days=1), "registered_on"),
        ("  ", today, "registration_reference"),
        ("CN-2026-1", None, "registered_on"),
    ):
        with pytest.raises(InvalidInput) as refused:
            pledge_record_registration(
                pledge=pledge, actor=banker, registration_reference=reference, registered_on=on
            )
        assert field in refused.value.details
    pledge.refresh_from_db()
    assert (pledge.status, pledge.registration_reference, pledge.registered_on) == (
        PledgeStatus.PENDING,
        "",
        None,
    )
    done = pledge_record_registration(
        pledge=pledge, actor=banker, registration_reference=" R-77 ", registered_on=today
    )
    assert (done.status, done.registration_reference, done.registered_on, done.registered_by) == (
        PledgeStatus.REGISTERED,
        "R-77",
        today,
        banker,
    )
    with pytest.raises(Conflict):
        pledge_record_registration(
            pledge=pledge, actor=banker, registration_reference="R-78", registered_on=today
        )


def test_another_bank_another_agency_and_the_applicant_may_not_record_it(loan, applicant):
    other_bank = make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER))
    other_agency = make_user(Role.APPROVER, OrganizationFactory(kind=OrganizationKind.AGENCY))
    pledge = loan.pledges.get()
    for outsider in (other_bank, other_agency, applicant):
        with pytest.raises(PermissionRefused):
            pledge_record_registration(
                pledge=pledge, actor=outsider, registration_reference="X", registered_on=timezone.localdate()
            )
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.PENDING


def test_a_program_requiring_registered_pledges_refuses_the_disbursement_until_registered(
    loan, banker, officer
):
    Program.objects.filter(pk=loan.application.program_id).update(pledge_registration_required=True)
    loan.application.program.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        _disburse(loan, banker)
    assert refused.value.code == "pledge_not_registered"
    assert "still pending registration" in refused.value.message
    assert not Disbursement.objects.filter(facility=loan).exists()
    pledge_record_registration(
        pledge=loan.pledges.get(),
        actor=officer,
        registration_reference="R-1",
        registered_on=timezone.localdate(),
    )
    _disburse(loan, banker)
    loan.refresh_from_db()
    assert loan.status == FacilityStatus.ACTIVE


def test_without_the_rule_a_pending_pledge_does_not_stop_the_disbursement(loan, banker):
    _disburse(loan, banker)
    assert Disbursement.objects.filter(facility=loan).count() == 1


def test_full_repayment_releases_the_pledge_and_frees_the_ip(loan, banker):
    _disburse(loan, banker, on=date(2026, 1, 1))
    owed = sum(i.principal + i.interest for i in loan.installments.all())
    services.repayment_record(
        facility=loan, actor=banker, amount=owed, paid_on=date(2026, 2, 1), reference="R"
    )
    pledge = loan.pledges.get()
    assert (pledge.live, pledge.status, pledge.release_reason) == (False, PledgeStatus.RELEASED, "repaid")
    assert pledge.asset.encumbrance == Encumbrance.FREE


def test_takeover_and_sale_move_the_holder_and_the_disposal_releases_the_pledge(
    guaranteed, banker, officer, approver
):
    asset = guaranteed.pledges.get().asset
    assert [h.holder_name for h in ip_asset_holders(asset=asset)] == [asset.company.legal_name]
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    with freeze_time("2026-06-15"):
        services.facilities_update_dpd()
    with freeze_time("2026-06-20"):
        claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST)
        recovery.money_move_confirm(
            move=recovery.claim_payment_request(claim=claim, actor=officer), actor=approver
        )
    agency = guaranteed.application.program.agency
    with freeze_time("2026-07-01"):
        disposal = recovery.disposal_open(
            facility=guaranteed,
            actor=officer,
            channel="licence",
            opening_price=Decimal("100000"),
            bids_close_on=date(2026, 7, 20),
        )
        licensee = verified_buyer(
            agency, registered_by=officer, verified_by=approver, kind=OrganizationKind.COMPANY
        )
        recovery.bid_place(disposal=disposal, actor=licensee, amount=Decimal("400000"))
    with freeze_time("2026-07-21"):
        move = recovery.disposal_award_request(disposal=disposal, actor=officer)
        recovery.money_move_confirm(move=move, actor=approver)
        move = recovery.disposal_close_request(
            disposal=disposal, actor=officer, proceeds=Decimal("400000"), write_off_reason="W10"
        )
        recovery.money_move_confirm(move=move, actor=approver)
    holders = ip_asset_holders(asset=asset)
    assert [(h.event, h.holder_organization) for h in holders] == [
        ("owner", asset.company.organization),
        ("takeover", agency),
        ("licence", licensee.organization),
    ]
    assert [h.since for h in holders[1:]] == [date(2026, 6, 20), date(2026, 7, 21)]
    pledge = guaranteed.pledges.get()
    assert (pledge.live, pledge.release_reason, pledge.asset.encumbrance) == (False, "disposed", "disposed")


def test_the_bank_registers_on_the_facility_page_and_an_outsider_gets_404(client, loan, banker):
    pledge = loan.pledges.get()
    url = reverse("facilities:pledge_register", args=[pledge.pk])
    outsider = make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER))
    client.force_login(outsider)
    assert client.post(url, {"registration_reference": "X", "registered_on": "2026-01-01"}).status_code == 404
    client.force_login(banker)
    page = client.get(reverse("facilities:detail", args=[loan.pk]))
    assert "Record the registration" in page.content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = client.post(url, {"registration_reference": "R-9", "registered_on": tomorrow}, follow=True)
    assert "cannot be dated in the future" in answer.content.decode()
    assert 'value="R-9"' in answer.content.decode() and f'value="{tomorrow}"' in answer.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.PENDING
    today = timezone.localdate().isoformat()
    client.post(url, {"registration_reference": "R-9", "registered_on": today})
    assert Pledge.objects.get(pk=pledge.pk).registration_reference == "R-9"


def test_overdue_registrations_are_listed_for_the_bank_and_the_agency(client, loan, banker, officer):
    Pledge.objects.filter(facility=loan).update(registration_due=timezone.localdate() - timedelta(days=2))
    for user in (banker, officer):
        client.force_login(user)
        page = client.get(reverse("facilities:pledges")).content.decode()
        assert 'data-testid="overdue"' in page and loan.application.reference in page
    client.force_login(make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER)))
    assert loan.application.reference not in client.get(reverse("facilities:pledges")).content.decode()


def test_the_asset_api_read_names_each_holder_with_its_event_and_date(loan, applicant, officer):
    from rest_framework.test import APIClient

    from applications.holders import ip_asset_holder_move
    from tests.factories import make_token

    asset = loan.pledges.get().asset
    agency = loan.application.program.agency
    ip_asset_holder_move(
        asset=asset,
        holder_name=agency.name,
        organization=agency,
        event="takeover",
        on=date(2026, 5, 1),
        actor=officer,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_token(applicant)}")
    holders = api.get(f"/api/v1/ip-assets/{asset.pk}/").json()["holders"]
    assert [(h["holder_name"], h["event"]) for h in holders] == [
        (asset.company.legal_name, "owner"),
        (agency.name, "takeover"),
    ]
    assert holders[1]["since"] == "2026-05-01"
    with pytest.raises(InvalidInput):
        ip_asset_holder_move(asset=asset, holder_name="x", event="owner", on=date(2026, 5, 2))
    assert asset.holdings.count() == 2


def test_the_facility_form_pledges_pending_registration_without_inventing_a_number(
    client, program, submitted, bank, officer
):
    PledgeOffice.objects.create(jurisdiction="KR", office="KIPO", registration_days=7)
    program.partner_lenders.add(bank)
    case = approved_case(program, submitted)
    client.force_login(officer)
    answer = client.post(
        reverse("facilities:create", args=[case.pk]),
        {"lender": bank.pk, "term_months": 12, "schedule_type": "bullet"},
        follow=True,
    )
    pledge = Pledge.objects.get(facility__application=case)
    today = timezone.localdate()
    assert (pledge.status, pledge.registration_reference, pledge.registered_on) == (
        PledgeStatus.PENDING,
        "",
        None,
    )
    assert (pledge.office, pledge.registration_due) == ("KIPO", today + timedelta(days=7))
    assert "pending registration with the IP office" in answer.content.decode()
    assert "Record the registration" in answer.content.decode()
