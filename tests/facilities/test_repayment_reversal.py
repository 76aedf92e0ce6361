"""A wrong repayment is corrected by a reversing entry with its reason: listed, audited, never deleted; the schedule,
the outstanding principal and the days past due follow; only the facility's bank may do it."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from core.errors import Conflict, InvalidInput, PermissionRefused
from facilities import services
from facilities.models import Facility, Installment, Repayment
from tests.factories import OrganizationFactory, make_token, make_user

pytestmark = pytest.mark.django_db


def _due(installment):
    return installment.principal + installment.interest


@pytest.fixture
def paid_twice(guaranteed, banker):
    """Disbursed on 1 January; instalments 1 and 2 paid in full (R1, R2), on 14 March (instalment 3 not yet due)."""
    with freeze_time("2026-03-14"):
        services.facility_disburse(
            facility=guaranteed,
            actor=banker,
            amount=guaranteed.principal,
            disbursed_on=date(2026, 1, 1),
            idempotency_key="k",
        )
        first, second = guaranteed.installments.order_by("number")[:2]
        services.repayment_record(
            facility=guaranteed, actor=banker, amount=_due(first), paid_on=first.due_date, reference="R1"
        )
        services.repayment_record(
            facility=guaranteed, actor=banker, amount=_due(second), paid_on=second.due_date, reference="R2"
        )
    guaranteed.refresh_from_db()
    return guaranteed


def _state(facility):
    return (
        list(Installment.objects.filter(facility=facility).values_list("paid_principal", "paid_interest")),
        list(Repayment.objects.filter(facility=facility).values_list("pk", "reverses_id", "amount")),
        Facility.objects.filter(pk=facility.pk).values_list("status", "days_past_due").get(),
        AuditEvent.objects.count(),
    )


@freeze_time("2026-03-14")
def test_reversing_a_repayment_unpays_its_instalment_and_makes_the_facility_late(paid_twice, banker):
    first, second = paid_twice.installments.order_by("number")[:2]
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    assert (
        services.outstanding_principal(paid_twice)
        == paid_twice.principal - first.principal - second.principal
    )

    reversal = services.repayment_reverse(repayment=wrong, actor=banker, reason="Posted to the wrong loan")

    second.refresh_from_db()
    paid_twice.refresh_from_db()
    assert (second.paid_principal, second.paid_interest) == (0, 0)  # due on 1 March, now unpaid
    assert services.outstanding_principal(paid_twice) == paid_twice.principal - first.principal
    assert (paid_twice.status, paid_twice.days_past_due) == (
        "delinquent",
        (date(2026, 3, 14) - second.due_date).days,
    )
    assert (reversal.reverses, reversal.amount, reversal.reference, reversal.reason, reversal.paid_on) == (
        wrong,
        wrong.amount,
        "R2",
        "Posted to the wrong loan",
        date(2026, 3, 14),
    )
    assert Repayment.objects.filter(pk=wrong.pk).exists()  # never deleted
    event = AuditEvent.objects.get(action="facility.repayment_reversed")
    assert (event.actor, event.old_state, event.new_state) == (banker, "active", "delinquent")
    assert event.details["reason"] == "Posted to the wrong loan" and event.details["reference"] == "R2"
    listed = services.repayments_listed(facility=paid_twice)
    assert [(r.reference, r.reverses_id, getattr(r.reversal_entry, "pk", None)) for r in listed] == [
        ("R1", None, None),
        ("R2", None, reversal.pk),
        ("R2", wrong.pk, None),
    ]


@freeze_time("2026-03-14")
def test_an_entry_is_reversed_once_a_reversal_never_and_a_reason_is_required(paid_twice, banker):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    before = _state(paid_twice)
    with pytest.raises(InvalidInput):
        services.repayment_reverse(repayment=wrong, actor=banker, reason="  ")
    assert _state(paid_twice) == before
    reversal = services.repayment_reverse(repayment=wrong, actor=banker, reason="typo")
    after = _state(paid_twice)
    with pytest.raises(Conflict):
        services.repayment_reverse(repayment=wrong, actor=banker, reason="again")
    with pytest.raises(Conflict):
        services.repayment_reverse(repayment=reversal, actor=banker, reason="undo the undo")
    assert _state(paid_twice) == after
    # the reference stays used: a retried file with R2 is not applied again
    with pytest.raises(Conflict):
        services.repayment_record(
            facility=paid_twice, actor=banker, amount=wrong.amount, paid_on=date(2026, 3, 2), reference="R2"
        )


@freeze_time("2026-03-14")
def test_another_bank_and_the_agency_are_refused_changing_nothing(paid_twice, officer, approver):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    other_banker = make_user(
        Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B")
    )
    before = _state(paid_twice)
    for actor in (other_banker, officer, approver):
        with pytest.raises(PermissionRefused):
            services.repayment_reverse(repayment=wrong, actor=actor, reason="not mine")
    assert _state(paid_twice) == before


@freeze_time("2026-03-14")
def test_the_facility_page_lists_repayments_and_the_bank_reverses_one_with_a_reason(
    client, paid_twice, banker
):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    client.force_login(banker)
    page = client.get(reverse("facilities:detail", args=[paid_twice.pk])).content.decode()
    assert (
        'data-testid="repayments"' in page
        and reverse("facilities:repayment_reverse", args=[wrong.pk]) in page
    )
    url = reverse("facilities:repayment_reverse", args=[wrong.pk])
    assert 'data-testid="consequence"' in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and not Repayment.objects.filter(reverses=wrong).exists()
    done = client.post(url, {"reason": "Posted twice"})
    assert done.status_code == 302
    outstanding = services.outstanding_principal(paid_twice)
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        f"Repayment R2 of {wrong.amount:,.0f} KRW reversed on {paid_twice.application.reference}: "
        f"outstanding principal now {outstanding:,.0f} KRW."
    ]
    page = client.get(reverse("facilities:detail", args=[paid_twice.pk])).content.decode()
    assert "Posted twice" in page and "Reversed" in page


@freeze_time("2026-03-14")
def test_an_official_sees_the_list_without_the_reverse_action_and_cannot_post_it(
    client, paid_twice, official
):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    client.force_login(official)
    page = client.get(reverse("facilities:detail", args=[paid_twice.pk])).content.decode()
    assert 'data-testid="repayments"' in page
    url = reverse("facilities:repayment_reverse", args=[wrong.pk])
    assert url not in page
    before = _state(paid_twice)
    assert client.post(url, {"reason": "no"}).status_code == 400
    assert _state(paid_twice) == before


@freeze_time("2026-03-14")
def test_another_banks_user_gets_a_404(client, paid_twice):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    client.force_login(make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER)))
    before = _state(paid_twice)
    url = reverse("facilities:repayment_reverse", args=[wrong.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "no"}).status_code == 404
    assert _state(paid_twice) == before


@freeze_time("2026-03-14")
def test_the_api_lists_the_entries_and_reverses_one(api_client, paid_twice, banker):
    wrong = Repayment.objects.get(facility=paid_twice, reference="R2")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    url = f"/api/v1/facilities/{paid_twice.pk}/repayment-reversals/"
    assert api_client.post(url, {"repayment": wrong.pk, "reason": ""}, format="json").status_code == 400
    missing = api_client.post(url, {"repayment": 10**6, "reason": "x"}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (404, "repayment_not_found")
    done = api_client.post(url, {"repayment": wrong.pk, "reason": "posted twice"}, format="json")
    assert done.status_code == 201 and done.json()["reverses"] == wrong.pk
    again = api_client.post(url, {"repayment": wrong.pk, "reason": "again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_reversed")
    listed = api_client.get(f"/api/v1/facilities/{paid_twice.pk}/repayments/").json()
    assert [(r["reference"], r["reverses"], r["reason"]) for r in listed] == [
        ("R1", None, ""),
        ("R2", None, ""),
        ("R2", wrong.pk, "posted twice"),
    ]


def test_a_repayment_made_before_a_restructuring_is_reversed_against_the_rebuilt_schedule(
    paid_twice, banker, approver
):
    from facilities import restructuring

    with freeze_time("2026-03-14"):
        proposal = restructuring.restructuring_propose(
            facility=paid_twice, actor=banker, extension_months=6, reason="seasonal sales"
        )
        restructuring.restructuring_confirm(restructuring=proposal, actor=approver)
        paid_twice.refresh_from_db()
        before = services.outstanding_principal(paid_twice)
        first = Repayment.objects.get(facility=paid_twice, reference="R1")
        first_principal = paid_twice.installments.get(number=1).paid_principal
        services.repayment_reverse(repayment=first, actor=banker, reason="posted to the wrong loan")
        paid_twice.refresh_from_db()
        installments = list(paid_twice.installments.all())
    # what stands (R2) fills the oldest interest and principal first: the first instalment's interest is paid
    risen = services.outstanding_principal(paid_twice) - before
    assert 0 < risen <= first.amount and risen >= first_principal
    assert installments[0].paid_interest == installments[0].interest
    paid = sum((i.paid_principal + i.paid_interest for i in installments), 0)
    assert paid == Repayment.objects.get(facility=paid_twice, reference="R2", reverses=None).amount
    assert (
        paid_twice.status == "delinquent"
        and paid_twice.days_past_due == (date(2026, 3, 14) - installments[0].due_date).days
    )
