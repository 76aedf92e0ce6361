"""A performing loan and a guaranteed loan followed through default, claim, takeover, auction and closure.

Everything goes through the services, so the case timelines tell the whole story. Idempotent.
"""

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from accounts.demo import organization
from accounts.models import User
from applications.models import Application, Status
from applications.services import application_submit
from casework import services as casework
from casework.models import RubricCriterion
from recoveries import services as recovery
from recoveries.demo import ensure_buyers
from valuations.demo import deliver

from . import services
from .models import Facility


def _to_recommended(case, officer, valuer_user, value, grade):
    if case.status == Status.SUBMITTED:
        casework.case_start_screening(application=case, actor=officer)
        casework.checklist_update(
            application=case,
            actor=officer,
            documents_complete=True,
            eligibility_confirmed=True,
            identity_checked=True,
        )
        casework.case_send_to_valuation(application=case, actor=officer)
    if case.status == Status.VALUATION:
        deliver(case, officer, valuer_user, fee=D("5000000"), value_per_asset=value, grade=grade, accept=True)
        casework.case_start_credit_review(application=case, actor=officer)
        casework.credit_score(
            application=case,
            actor=officer,
            scores={c.pk: (3, "") for c in RubricCriterion.objects.filter(program=case.program)},
        )
        casework.case_recommend(application=case, actor=officer)


def _approved_facility(case, officer, approver, valuer_user, *, value, grade, term, schedule_type):
    _to_recommended(case, officer, valuer_user, value, grade)
    if case.status == Status.RECOMMENDED:
        casework.case_decide(
            application=case,
            actor=approver,
            approve=True,
            reason_code="A00",
            comment="Approved on the program's terms.",
        )
    return services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=organization("IBK"),
        term_months=term,
        schedule_type=schedule_type,
        pledges=[(a, f"KIPO-PLEDGE-{a.registry_number}", timezone.localdate()) for a in case.ip_assets.all()],
    )


def _repay_due(facility, banker, until, count=None):
    due = [i for i in facility.installments.order_by("number") if i.due_date <= until]
    for installment in due[:count]:
        services.repayment_record(
            facility=facility,
            actor=banker,
            amount=installment.principal + installment.interest,
            paid_on=installment.due_date,
            reference=f"IBK-{facility.pk}-{installment.number}",
        )


def seed(stdout):
    officer, approver, valuer_user, banker = (
        User.objects.filter(email=e).first()
        for e in (
            "officer@demo.ipfin.kr",
            "approver@demo.ipfin.kr",
            "valuer@demo.ipfin.kr",
            "lender@demo.ipfin.kr",
        )
    )
    if not all((officer, approver, valuer_user, banker)) or Facility.objects.exists():
        return
    today = timezone.localdate()
    # A performing loan: the Chinese case, recommended by the case-work demo.
    performing_case = Application.objects.filter(program__code="CNPL").exclude(status=Status.DRAFT).first()
    if performing_case:
        facility = _approved_facility(
            performing_case,
            officer,
            approver,
            valuer_user,
            value=D("9000000"),
            grade="BBB",
            term=36,
            schedule_type="annuity",
        )
        start = today - timedelta(days=200)
        services.facility_disburse(
            facility=facility,
            actor=banker,
            amount=facility.principal,
            disbursed_on=start,
            idempotency_key=f"demo-{facility.pk}",
        )
        _repay_due(facility, banker, today)
    # A guaranteed loan that defaults: the game studio's KIBO draft, submitted now.
    draft = Application.objects.filter(
        program__code="KIBO", status=Status.DRAFT, requested_amount__isnull=False
    ).first()
    if draft:
        application_submit(application=draft, actor=draft.created_by, declaration_accepted=True)
        facility = _approved_facility(
            draft,
            officer,
            approver,
            valuer_user,
            value=D("700000000"),
            grade="BB",
            term=24,
            schedule_type="equal_principal",
        )
        start = today - timedelta(days=300)
        services.facility_disburse(
            facility=facility,
            actor=banker,
            amount=facility.principal,
            disbursed_on=start,
            idempotency_key=f"demo-{facility.pk}",
        )
        _repay_due(facility, banker, today, count=3)
        services.facilities_update_dpd(today=today)
        facility.refresh_from_db()
        claim = recovery.claim_file(
            facility=facility, actor=banker, checklist={item: True for item in recovery.CLAIM_CHECKLIST}
        )
        # four eyes where money leaves: the officer asks, the approver confirms the amounts shown
        move = recovery.claim_payment_request(claim=claim, actor=officer)
        recovery.money_move_confirm(move=move, actor=approver)
        # a marketplace listing: an auction could only be awarded after its bid window closes (up to 30 days)
        disposal = recovery.disposal_open(
            facility=facility,
            actor=officer,
            channel="marketplace",
            reappraised_value=D("260000000"),
            opening_price=D("150000000"),
        )
        (_fund, buyer_user), (_manager_org, manager) = ensure_buyers()  # registered, verified buyers bid
        recovery.bid_place(disposal=disposal, actor=manager, amount=D("180000000"))
        recovery.bid_place(disposal=disposal, actor=buyer_user, amount=D("205000000"))
        move = recovery.disposal_award_request(disposal=disposal, actor=officer)
        recovery.money_move_confirm(move=move, actor=approver)
        move = recovery.disposal_close_request(
            disposal=disposal,
            actor=officer,
            proceeds=D("205000000"),
            costs=D("5000000"),
            write_off_reason="W10",
        )
        recovery.money_move_confirm(move=move, actor=approver)
    stdout.write(
        "Facilities: a performing loan, and a guaranteed loan taken through default, claim, takeover, "
        "sale and allocation (each payment asked by the officer and confirmed by the approver).\n"
    )
