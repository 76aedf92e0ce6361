"""Restructuring and tranches through the API: the bank proposes, the agency confirms, the schedule is rebuilt from
the outstanding balance and the old one stays readable; tranches up to the principal, each rescheduling the balance.

Every expected figure is computed here by formula (annuity payment, interest on the balance, in the currency's
minor unit), not by the product's schedule code."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from facilities import services
from facilities.models import Facility, Installment, Restructuring
from tests.facilities import conftest as facility_fixtures
from tests.factories import OrganizationFactory, make_token, make_user

pytestmark = pytest.mark.django_db
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def first_of_month(year, month):
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def expected_rows(balance, annual_rate, months, grace, q, start_year, start_month):
    """(due date, principal, interest) by formula: interest on the balance each month; after the grace months an
    annuity payment P r / (1 - (1 + r)^-n), the last instalment taking what is left."""
    r = Decimal(annual_rate) / 12
    n = months - grace
    payment = (balance * r / (1 - (1 + r) ** -n)).quantize(q, ROUND_HALF_UP)
    rows, left = [], balance
    for k in range(1, months + 1):
        interest = (left * r).quantize(q, ROUND_HALF_UP)
        part = Decimal(0) if k <= grace else (left if k == months else payment - interest)
        rows.append((first_of_month(start_year, start_month + k), part, interest))
        left -= part
    return rows


@pytest.fixture
def other_banker():
    return make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B"))


@pytest.fixture
def krw_annuity(guaranteed, banker):
    """KRW 1,200,000 over 12 months, annuity at 2 %, disbursed 1 January 2026; February and March paid."""
    Facility.objects.filter(pk=guaranteed.pk).update(schedule_type="annuity")
    guaranteed.refresh_from_db()
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    for n, day in ((1, date(2026, 2, 1)), (2, date(2026, 3, 1))):
        row = guaranteed.installments.get(number=n)
        with freeze_time(day):
            services.repayment_record(
                facility=guaranteed,
                actor=banker,
                amount=row.principal + row.interest,
                paid_on=day,
                reference=f"R{n}",
            )
    guaranteed.refresh_from_db()
    return guaranteed


PROPOSAL = {"grace_months": 2, "extension_months": 6, "new_rate": "0.0100", "reason": "sales fell by half"}


@freeze_time("2026-03-15")
def test_a_confirmed_restructuring_rebuilds_the_krw_schedule_from_the_outstanding_balance(
    api_client, krw_annuity, banker, approver
):
    facility = krw_annuity
    balance = facility.principal - sum(i.paid_principal for i in facility.installments.all())
    old_rows = list(facility.installments.values_list("number", "due_date", "principal", "interest"))
    proposed = as_user(api_client, banker).post(f"/api/v1/facilities/{facility.pk}/restructuring/", PROPOSAL)
    assert proposed.status_code == 201, proposed.json()
    assert proposed.json()["status"] == "proposed"
    assert facility.installments.count() == 12  # nothing changes before the agency confirms
    confirmed = as_user(api_client, approver).post(f"/api/v1/restructurings/{proposed.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["version"] == 2

    schedule = as_user(api_client, banker).get(f"/api/v1/facilities/{facility.pk}/schedule/").json()
    rows = schedule["installments"]
    # rows 1-2 (paid, due by 15 March) kept; 10 months left + 6 = 16 new months on the grid of 1 March
    assert [r["number"] for r in rows] == list(range(1, 19))
    assert [
        (r["number"], r["due_date"], Decimal(r["principal"]), Decimal(r["interest"])) for r in rows[:2]
    ] == [(n, d.isoformat(), p, i) for n, d, p, i in old_rows[:2]]
    expected = expected_rows(balance, "0.01", 16, 2, Decimal(1), 2026, 3)
    got = [
        (date.fromisoformat(r["due_date"]), Decimal(r["principal"]), Decimal(r["interest"])) for r in rows[2:]
    ]
    assert got == expected
    assert got[0][1] == 0 and got[0][2] == (balance * Decimal("0.01") / 12).quantize(
        Decimal(1), ROUND_HALF_UP
    )
    assert sum(Decimal(r["principal"]) for r in rows) == facility.principal
    assert Decimal(schedule["outstanding_principal"]) == balance
    facility.refresh_from_db()
    assert (facility.term_months, facility.subsidised_rate) == (18, Decimal("0.0100"))

    versions = as_user(api_client, banker).get(f"/api/v1/facilities/{facility.pk}/schedule-versions/").json()
    assert [(v["number"], v["reason"]) for v in versions] == [(1, "disbursement"), (2, "restructuring")]
    assert [(r["number"], Decimal(r["principal"])) for r in versions[0]["rows"]] == [
        (n, p) for n, _, p, _ in old_rows
    ]
    event = AuditEvent.objects.get(action="facility.restructured")
    assert event.actor == approver and event.details["version"] == 2


@freeze_time("2026-03-15")
def test_the_interest_subsidy_follows_the_restructuring(api_client, krw_annuity, banker, approver):
    """Subsidy = interest at the base rate (3.5 %) minus at the borrower's: the kept rows of the first schedule plus
    the new schedule, each pair of schedules computed here on the same balance."""
    facility = krw_annuity
    q = Decimal(1)
    first_base = expected_rows(facility.principal, "0.035", 12, 0, q, 2026, 1)
    first_paid = expected_rows(facility.principal, "0.02", 12, 0, q, 2026, 1)
    assert facility.interest_subsidy == sum(b[2] - p[2] for b, p in zip(first_base, first_paid, strict=True))
    balance = facility.principal - sum(i.paid_principal for i in facility.installments.all())
    proposal = Restructuring.objects.create(
        facility=facility,
        grace_months=2,
        extension_months=6,
        new_rate=Decimal("0.01"),
        reason="x",
        proposed_by=banker,
    )
    assert (
        as_user(api_client, approver).post(f"/api/v1/restructurings/{proposal.pk}/confirm/").status_code
        == 200
    )
    new_base = expected_rows(balance, "0.035", 16, 2, q, 2026, 3)
    new_paid = expected_rows(balance, "0.01", 16, 2, q, 2026, 3)
    kept = sum(b[2] - p[2] for b, p in zip(first_base[:2], first_paid[:2], strict=True))
    facility.refresh_from_db()
    assert facility.interest_subsidy == kept + sum(
        b[2] - p[2] for b, p in zip(new_base, new_paid, strict=True)
    )
    assert services.interest_subsidy_cost(facility) == facility.interest_subsidy


@freeze_time("2026-03-15")
def test_the_guarantee_fees_follow_a_term_extension(api_client, guaranteed, banker, approver):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    guaranteed.refresh_from_db()
    assert len(services.guarantee_fee_schedule(guaranteed)) == 1
    proposal = as_user(api_client, banker).post(
        f"/api/v1/facilities/{guaranteed.pk}/restructuring/", {"extension_months": 12, "reason": "longer"}
    )
    as_user(api_client, approver).post(f"/api/v1/restructurings/{proposal.json()['id']}/confirm/")
    fees = services.guarantee_fee_schedule(guaranteed)
    # the principal still due after 1 January 2027: equal principal parts of the 1,200,000 left after two rows
    # (none paid: arrears stay due), over 22 months from 1 March 2026 -> the last 12 of them
    part = (Decimal(1_000_000) / 22).quantize(Decimal(1), ROUND_HALF_UP)
    outstanding_2027 = Decimal(1_000_000) - 10 * part
    assert fees == [
        (1, Decimal(6000)),
        (2, (outstanding_2027 * Decimal("0.005")).quantize(Decimal(1), ROUND_HALF_UP)),
    ]


@freeze_time("2026-03-15")
def test_only_the_bank_proposes_and_only_an_approver_of_the_agency_confirms(
    api_client, krw_annuity, banker, other_banker, officer, approver
):
    facility = krw_annuity
    url = f"/api/v1/facilities/{facility.pk}/restructuring/"
    assert as_user(api_client, other_banker).post(url, PROPOSAL).status_code == 404
    assert as_user(api_client, officer).post(url, PROPOSAL).status_code == 403
    assert Restructuring.objects.count() == 0
    proposal = as_user(api_client, banker).post(url, PROPOSAL).json()
    again = as_user(api_client, banker).post(url, PROPOSAL)
    assert (again.status_code, again.json()["code"]) == (409, "restructuring_open")
    other_agency_approver = make_user(
        Role.APPROVER, OrganizationFactory(kind=OrganizationKind.AGENCY, name="Other")
    )
    confirm = f"/api/v1/restructurings/{proposal['id']}/confirm/"
    for user, code in ((banker, 404), (officer, 404), (other_agency_approver, 404)):
        assert as_user(api_client, user).post(confirm).status_code == code
    assert facility.installments.count() == 12 and facility.schedule_versions.count() == 1
    refused = as_user(api_client, approver).post(
        f"/api/v1/restructurings/{proposal['id']}/refuse/", {"reason": ""}
    )
    assert refused.status_code == 400
    refused = as_user(api_client, approver).post(
        f"/api/v1/restructurings/{proposal['id']}/refuse/", {"reason": "show the cash-flow plan"}
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert as_user(api_client, approver).post(confirm).json()["code"] == "illegal_transition"
    assert facility.installments.count() == 12


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reason": "nothing"}, "grace_months"),
        ({"new_rate": "0.2", "reason": "x"}, "new_rate"),
        ({"grace_months": -1, "reason": "x"}, "grace_months"),
        ({"extension_months": "many", "reason": "x"}, "extension_months"),
    ],
)
@freeze_time("2026-03-15")
def test_a_proposal_that_changes_nothing_or_is_out_of_range_is_a_400(
    api_client, krw_annuity, banker, body, field
):
    response = as_user(api_client, banker).post(f"/api/v1/facilities/{krw_annuity.pk}/restructuring/", body)
    assert response.status_code == 400 and field in response.json()["details"], response.json()
    assert Restructuring.objects.count() == 0


@freeze_time("2026-03-15")
def test_a_grace_period_as_long_as_what_is_left_is_a_conflict_and_changes_nothing(
    api_client, krw_annuity, banker, approver
):
    proposal = Restructuring.objects.create(
        facility=krw_annuity, grace_months=10, reason="x", proposed_by=banker
    )
    response = as_user(api_client, approver).post(f"/api/v1/restructurings/{proposal.pk}/confirm/")
    assert (response.status_code, response.json()["code"]) == (409, "grace_too_long")
    proposal.refresh_from_db()
    assert proposal.status == "proposed" and krw_annuity.installments.count() == 12


# --- tranches ------------------------------------------------------------------------------------------------------


@pytest.fixture
def gbp_rnd(guaranteed):
    """A GBP R&D loan of 90,000.50, annuity at 2 % over 12 months, not yet disbursed."""
    Facility.objects.filter(pk=guaranteed.pk).update(
        currency="GBP", principal=Decimal("90000.50"), schedule_type="annuity"
    )
    guaranteed.refresh_from_db()
    return guaranteed


def tranche(api_client, user, facility, amount, on, key, milestone=""):
    return as_user(api_client, user).post(
        f"/api/v1/facilities/{facility.pk}/tranches/",
        {"amount": amount, "disbursed_on": on, "milestone": milestone},
        HTTP_IDEMPOTENCY_KEY=key,
    )


@freeze_time("2026-06-01")
def test_gbp_tranches_reschedule_the_balance_to_the_same_maturity(api_client, gbp_rnd, banker):
    q = Decimal("0.01")
    first = tranche(api_client, banker, gbp_rnd, "30000.25", "2026-01-01", "t1", "prototype")
    assert first.status_code == 201, first.json()
    first_rows = expected_rows(Decimal("30000.25"), "0.02", 12, 0, q, 2026, 1)
    assert [(i.due_date, i.principal, i.interest) for i in gbp_rnd.installments.all()] == first_rows
    second = tranche(api_client, banker, gbp_rnd, "60000.25", "2026-04-10", "t2", "field trial")
    assert second.status_code == 201, second.json()
    rows = list(gbp_rnd.installments.all())
    # rows due by 10 April (February to April) kept, unpaid: their arrears stay due; the rest and the tranche
    # over the 9 months left, on the same grid
    assert [(i.due_date, i.principal, i.interest) for i in rows[:3]] == first_rows[:3]
    balance = sum(p for _, p, _ in first_rows[3:]) + Decimal("60000.25")
    assert [(i.due_date, i.principal, i.interest) for i in rows[3:]] == expected_rows(
        balance, "0.02", 9, 0, q, 2026, 4
    )
    assert rows[-1].due_date == date(2027, 1, 1)
    assert sum(i.principal for i in rows) == Decimal("90000.50")
    listed = as_user(api_client, banker).get(f"/api/v1/facilities/{gbp_rnd.pk}/tranches/").json()
    assert [(t["amount"], t["milestone"]) for t in listed] == [
        ("30000.25", "prototype"),
        ("60000.25", "field trial"),
    ]
    versions = gbp_rnd.schedule_versions.values_list("number", "reason")
    assert list(versions) == [(1, "disbursement"), (2, "tranche")]


@freeze_time("2026-06-01")
def test_tranches_never_pass_the_principal_and_a_retry_is_answered_once(api_client, gbp_rnd, banker):
    assert tranche(api_client, banker, gbp_rnd, "90000.00", "2026-01-01", "a").status_code == 201
    retry = tranche(api_client, banker, gbp_rnd, "90000.00", "2026-01-01", "a")
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    other_body = tranche(api_client, banker, gbp_rnd, "0.50", "2026-01-01", "a")
    assert (other_body.status_code, other_body.json()["code"]) == (409, "idempotency_mismatch")
    too_much = tranche(api_client, banker, gbp_rnd, "0.51", "2026-02-01", "b")
    assert too_much.status_code == 400 and too_much.json()["details"]["amount"] == ["0.50"]
    too_fine = tranche(api_client, banker, gbp_rnd, "0.001", "2026-02-01", "c")
    assert too_fine.status_code == 400
    assert gbp_rnd.disbursements.count() == 1 and gbp_rnd.installments.count() == 12


@freeze_time("2026-06-01")
def test_a_krw_tranche_is_in_whole_won_and_only_the_bank_draws(
    api_client, guaranteed, banker, other_banker, officer
):
    half = tranche(api_client, banker, guaranteed, "600000.50", "2026-01-01", "h")
    assert (half.status_code, half.json()["code"]) == (400, "invalid_amount")
    assert tranche(api_client, other_banker, guaranteed, "600000", "2026-01-01", "x").status_code == 404
    assert tranche(api_client, officer, guaranteed, "600000", "2026-01-01", "y").status_code == 403
    missing_key = as_user(api_client, banker).post(
        f"/api/v1/facilities/{guaranteed.pk}/tranches/", {"amount": "600000", "disbursed_on": "2026-01-01"}
    )
    assert missing_key.status_code == 400
    guaranteed.refresh_from_db()
    assert guaranteed.status == "approved" and not Installment.objects.filter(facility=guaranteed).exists()
    assert tranche(api_client, banker, guaranteed, "600000", "2026-01-01", "ok").status_code == 201
    guaranteed.refresh_from_db()
    assert guaranteed.status == "active" and sum(i.principal for i in guaranteed.installments.all()) == 600000
