from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from applications.models import IPAsset
from audit.selectors import case_timeline
from core.errors import Conflict, InvalidInput, PermissionRefused
from facilities import services
from facilities.models import Disbursement, Facility, FacilityStatus
from programs.models import Program
from recoveries import services as recovery
from recoveries.models import Claim
from tests.concurrency import race
from tests.factories import OrganizationFactory, make_token, make_user, verified_buyer

pytestmark = pytest.mark.django_db
CHECKLIST = {item: True for item in recovery.CLAIM_CHECKLIST}


def disburse(facility, banker, key="k1", on=date(2026, 1, 1)):
    return services.facility_disburse(
        facility=facility, actor=banker, amount=facility.principal, disbursed_on=on, idempotency_key=key
    )


def pay(claim, maker, checker, **terms):
    move = recovery.claim_payment_request(claim=claim, actor=maker, **terms)
    return recovery.money_move_confirm(move=move, actor=checker)


def test_the_whole_chain_from_disbursement_to_closure_is_on_the_case_timeline(
    guaranteed, banker, officer, approver
):
    disburse(guaranteed, banker)
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.ACTIVE and guaranteed.installments.count() == 12
    # a guarantee draws its guaranteed share: 1,200,000 × 0.8 coverage = 960,000
    assert Program.objects.get(pk=guaranteed.application.program_id).budget_used == Decimal("960000")
    services.repayment_record(
        facility=guaranteed, actor=banker, amount=Decimal("102000"), paid_on=date(2026, 2, 1), reference="R1"
    )
    with freeze_time("2026-06-15"):
        [defaulted] = services.facilities_update_dpd()
    assert defaulted == guaranteed.pk
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.DEFAULTED and guaranteed.exposure_at_default > 1000000
    claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST)
    assert claim.amount_claimed == (guaranteed.exposure_at_default * Decimal("0.8")).quantize(Decimal("1"))
    pay(claim, officer, approver)
    assert set(
        IPAsset.objects.filter(pledges__facility=guaranteed).values_list("encumbrance", flat=True)
    ) == {"taken_over"}
    with freeze_time("2026-07-01"):
        disposal = recovery.disposal_open(
            facility=guaranteed,
            actor=officer,
            channel="auction",
            opening_price=Decimal("100000"),
            bids_close_on=date(2026, 7, 20),
        )
        agency = guaranteed.application.program.agency
        pharma, fund = (
            verified_buyer(agency, registered_by=officer, verified_by=approver, kind=kind)
            for kind in (OrganizationKind.COMPANY, OrganizationKind.FUND_MANAGER)
        )
        recovery.bid_place(disposal=disposal, actor=pharma, amount=Decimal("400000"))
        recovery.bid_place(disposal=disposal, actor=fund, amount=Decimal("450001"))
        with pytest.raises(InvalidInput):
            recovery.bid_place(disposal=disposal, actor=pharma, amount=Decimal("10"))
    with freeze_time("2026-07-21"):
        move = recovery.disposal_award_request(disposal=disposal, actor=officer)
        recovery.money_move_confirm(move=move, actor=approver)
        move = recovery.disposal_close_request(
            disposal=disposal, actor=officer, proceeds=Decimal("450001"), write_off_reason="W10"
        )
        closed = recovery.money_move_confirm(move=move, actor=approver)
    assert closed.agency_share + closed.bank_share == Decimal("450001")
    assert closed.agency_share == (Decimal("450001") * Decimal("0.8")).quantize(Decimal("1"))
    assert set(
        IPAsset.objects.filter(pledges__facility=guaranteed).values_list("encumbrance", flat=True)
    ) == {"disposed"}
    actions = [e.action for e in case_timeline(case=guaranteed.application)]
    for expected in [
        "facility.created",
        "facility.disbursed",
        "facility.repayment",
        "facility.defaulted",
        "recovery.claim_filed",
        "recovery.claim_payment_requested",
        "recovery.claim_paid",
        "recovery.disposal_opened",
        "recovery.closed",
    ]:
        assert expected in actions


def test_a_retry_with_the_same_key_returns_the_first_disbursement_and_another_key_is_refused(
    guaranteed, banker
):
    first, created = disburse(guaranteed, banker, key="abc")
    again, created_again = disburse(guaranteed, banker, key="abc")
    assert created and not created_again and first == again
    with pytest.raises(Conflict) as error:
        disburse(guaranteed, banker, key="other")
    assert error.value.code == "already_disbursed"
    assert Disbursement.objects.count() == 1


def test_an_asset_can_be_pledged_to_one_live_facility_only(guaranteed, officer):
    asset = guaranteed.pledges.first().asset
    with pytest.raises(Conflict):
        services.pledge_register(
            facility=guaranteed,
            asset=asset,
            registration_reference="X",
            registered_on=date.today(),
            actor=officer,
        )


def test_repaying_everything_releases_the_pledges(guaranteed, banker):
    disburse(guaranteed, banker)
    total = sum(i.principal + i.interest for i in guaranteed.installments.all())
    services.repayment_record(
        facility=guaranteed, actor=banker, amount=total, paid_on=date(2026, 3, 1), reference="ALL"
    )
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.REPAID
    assert set(
        IPAsset.objects.filter(pledges__facility=guaranteed).values_list("encumbrance", flat=True)
    ) == {"free"}


@pytest.mark.parametrize(
    ("today", "dpd", "bucket"),
    [
        ("2026-02-01", 0, "current"),
        ("2026-02-02", 1, "1-30"),
        ("2026-03-05", 32, "31-60"),
        ("2026-04-15", 73, "61-90"),
    ],
)
def test_days_past_due_and_buckets_with_time_travel(guaranteed, banker, today, dpd, bucket):
    disburse(guaranteed, banker)
    with freeze_time(today):
        assert services.facilities_update_dpd() == []
    guaranteed.refresh_from_db()
    assert (guaranteed.days_past_due, guaranteed.dpd_bucket) == (dpd, bucket)


def test_a_csv_with_a_bad_row_imports_nothing_and_says_why(guaranteed, banker):
    disburse(guaranteed, banker)
    text = (
        "date,amount,reference\n2026-02-01,1000,A1\n2026-02-30,1000,A2\n2026-03-01,-5,A3\n2026-03-01,1000\n"
    )
    accepted, refused = services.repayments_import_csv(facility=guaranteed, actor=banker, text=text)
    assert accepted == [] and [line for line, _ in refused] == [3, 4, 5]
    assert guaranteed.repayments.count() == 0
    text = (
        "2026-02-01,1000,B1\n2026-02-02,1000,B1\n"  # the second row repeats a reference: the whole file fails
    )
    accepted, refused = services.repayments_import_csv(facility=guaranteed, actor=banker, text=text)
    assert accepted == [] and refused[0][0] == 2 and guaranteed.repayments.count() == 0
    accepted, refused = services.repayments_import_csv(
        facility=guaranteed, actor=banker, text="2026-02-01,1000,C1\n2026-02-02,2000,C2\n"
    )
    assert len(accepted) == 2 and refused == [] and guaranteed.repayments.count() == 2


def test_a_claim_needs_the_checklist_and_is_paid_once(guaranteed, banker, officer, approver):
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    with pytest.raises(InvalidInput):
        recovery.claim_file(facility=guaranteed, actor=banker, checklist={})
    claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST)
    with pytest.raises(PermissionRefused):
        recovery.claim_payment_request(claim=claim, actor=banker)
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    recovery.money_move_confirm(move=move, actor=approver)
    with pytest.raises(Conflict):
        recovery.claim_payment_request(claim=claim, actor=officer)
    with pytest.raises(Conflict):
        recovery.money_move_confirm(move=move, actor=approver)


def test_the_exposure_at_default_is_frozen(guaranteed, banker):
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    guaranteed.refresh_from_db()
    frozen = guaranteed.exposure_at_default
    assert frozen == services.exposure_at(guaranteed, date(2026, 3, 1))
    with freeze_time("2027-01-01"):
        services.facilities_update_dpd()
    guaranteed.refresh_from_db()
    assert guaranteed.exposure_at_default == frozen


def test_bank_b_cannot_see_bank_as_facilities(client, api_client, guaranteed, banker):
    other = make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER))
    client.force_login(other)
    assert client.get(f"/facilities/{guaranteed.pk}/").status_code == 404
    assert (
        client.post(
            f"/facilities/{guaranteed.pk}/disburse/",
            {"amount": "1", "disbursed_on": "2026-01-01", "idempotency_key": "x"},
        ).status_code
        == 404
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(other)}")
    assert api_client.get(f"/api/v1/facilities/{guaranteed.pk}/").status_code == 404
    assert (
        api_client.post(
            f"/api/v1/facilities/{guaranteed.pk}/disbursement/",
            {"amount": "1200000", "disbursed_on": "2026-01-01"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k",
        ).status_code
        == 404
    )
    assert api_client.get("/api/v1/facilities/").json()["count"] == 0
    assert Facility.objects.get(pk=guaranteed.pk).status == FacilityStatus.APPROVED


def test_the_api_disbursement_is_idempotent_and_needs_a_key(api_client, guaranteed, banker):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    url = f"/api/v1/facilities/{guaranteed.pk}/disbursement/"
    body = {"amount": "1200000", "disbursed_on": "2026-01-01"}
    assert api_client.post(url, body, format="json").status_code == 400
    first = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    retry = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    other = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert (first.status_code, retry.status_code, other.status_code) == (201, 200, 409)
    assert retry.json()["replayed"] is True and retry.json()["id"] == first.json()["id"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_disbursement_under_concurrency_records_exactly_one(guaranteed, banker):
    outcomes = race([lambda k=k: disburse(guaranteed, banker, key=k) for k in ("a", "b", "c")])
    assert outcomes.count("ok") == 1 and Disbursement.objects.count() == 1
    assert guaranteed.installments.count() == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_claim_payment_under_concurrency_pays_exactly_once(guaranteed, banker, officer, approver):
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST)
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    outcomes = race([lambda: recovery.money_move_confirm(move=move, actor=approver) for _ in range(3)])
    assert outcomes == ["already_decided", "already_decided", "ok"]
    assert Claim.objects.get(pk=claim.pk).amount_paid == claim.amount_claimed


def test_the_portfolio_page_and_export_for_officials(client, official, guaranteed, banker):
    disburse(guaranteed, banker)
    client.force_login(official)
    page = client.get("/dashboards/portfolio/")
    assert page.status_code == 200 and "Default rate" in page.content.decode()
    assert client.get("/dashboards/portfolio.xlsx").status_code == 200
    client.force_login(banker)
    assert client.get("/dashboards/portfolio/").status_code == 404


def test_a_disposal_can_order_a_reappraisal_from_the_panel(guaranteed, banker, officer, approver):
    from accounts.roles import OrganizationKind as Kind
    from tests.factories import OrganizationFactory as Org

    firm = Org(kind=Kind.VALUER)
    guaranteed.application.program.valuer_panel.add(firm)
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    pay(recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST), officer, approver)
    disposal = recovery.disposal_open(
        facility=guaranteed, actor=officer, channel="direct_sale", reappraisal_fee=Decimal("2000000")
    )
    disposal.refresh_from_db()
    order = disposal.reappraisal_order
    assert order.purpose == "reappraisal" and order.valuer == firm
    assert set(order.assets.all()) == set(disposal.assets.all())


def test_guarantee_leverage_is_measured_against_the_configured_fund(
    client, official, guaranteed, banker, settings
):
    disburse(guaranteed, banker)
    client.force_login(official)
    assert "not measured" in client.get("/dashboards/portfolio/").content.decode()
    settings.AGENCY_GUARANTEE_FUND = "480000"
    # 1,200,000 outstanding × 0.8 coverage = 960,000 guaranteed -> 2.00 × the fund
    assert "2.00 (KRW 960,000 guaranteed)" in client.get("/dashboards/portfolio/").content.decode()
