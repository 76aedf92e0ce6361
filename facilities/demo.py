"""A performing loan, and a guaranteed loan that defaults (recoveries/demo.py takes it on: claim, takeover,
sale and closure).

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


STAFF = ("officer@demo.ipfin.kr", "approver@demo.ipfin.kr", "valuer@demo.ipfin.kr", "lender@demo.ipfin.kr")


def _disbursed(facility, banker, days_ago):
    # the story: approved a week before the money went out, months ago (money never goes out before approval)
    decided = timezone.now() - timedelta(days=days_ago + 7)
    Application.objects.filter(pk=facility.application_id).update(decided_at=decided)
    facility.application.decided_at = decided
    services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=timezone.localdate() - timedelta(days=days_ago),
        idempotency_key=f"demo-{facility.pk}",
    )
    return facility


def _performing(staff):
    """The Chinese case, recommended by the case-work demo, becomes a loan repaid on time."""
    officer, approver, valuer_user, banker = staff
    case = Application.objects.filter(program__code="CNPL").exclude(status=Status.DRAFT).first()
    if case is None:
        return
    terms = {"value": D("9000000"), "grade": "BBB", "term": 36, "schedule_type": "annuity"}
    facility = _approved_facility(case, officer, approver, valuer_user, **terms)
    _repay_due(_disbursed(facility, banker, 200), banker, timezone.localdate())


def _defaulting(staff):
    """The game studio's KIBO draft, submitted now, becomes a guaranteed loan the nightly job puts in default."""
    officer, approver, valuer_user, banker = staff
    draft = Application.objects.filter(
        program__code="KIBO", status=Status.DRAFT, requested_amount__isnull=False
    ).first()
    if draft is None:
        return
    application_submit(application=draft, actor=draft.created_by, declaration_accepted=True)
    terms = {"value": D("700000000"), "grade": "BB", "term": 24, "schedule_type": "equal_principal"}
    facility = _approved_facility(draft, officer, approver, valuer_user, **terms)
    _repay_due(_disbursed(facility, banker, 300), banker, timezone.localdate(), count=3)
    services.facilities_update_dpd(today=timezone.localdate())


def seed(stdout):
    staff = [User.objects.filter(email=e).first() for e in STAFF]
    if not all(staff) or Facility.objects.exists():
        return
    _performing(staff)
    _defaulting(staff)
    stdout.write("Facilities: a performing loan, and a guaranteed loan in default past the threshold.\n")
