"""A performing loan, and a guaranteed loan that defaults (recoveries/demo.py takes it on: claim, takeover,
sale and closure), each with its program's own agency staff and bank, and the IP offices' pledge service levels.

Everything goes through the services, so the case timelines tell the whole story; the cases are then dated in the
past (applications.demo.backdate_case) so that submission < decision < pledge registration < disbursement <
repayments and default, all on or before today. Idempotent.
"""

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from applications.demo import backdate_case
from applications.models import Application, Status
from applications.services import application_submit
from casework import services as casework
from casework.models import RubricCriterion
from valuations.demo import deliver

from . import services
from .models import Facility, PledgeOffice
from .pledges import pledge_office_for

# How many days each IP office takes to register a pledge (illustrative service levels, not published figures):
# CNIPA registers a patent pledge within about a working day and a trademark pledge in a few; KIPO's register takes
# about a week; UKIPO records a security interest in a couple of weeks.
PLEDGE_OFFICES = [
    ("CN", "patent", "CNIPA", 1),
    ("CN", "", "CNIPA", 3),
    ("KR", "", "KIPO", 7),
    ("GB", "", "UKIPO", 14),
]


def _pledge_offices():
    for jurisdiction, ip_type, office, days in PLEDGE_OFFICES:
        PledgeOffice.objects.get_or_create(
            jurisdiction=jurisdiction, ip_type=ip_type, defaults={"office": office, "registration_days": days}
        )


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


def _approved_facility(case, staff, *, submitted_days_ago, value, grade, term, schedule_type):
    """The case recommended, approved and dated; a facility with the program's own bank, its pledges registered with
    the IP office after the decision. Returns (facility, decision day)."""
    officer, approver, valuer_user, banker = staff
    _to_recommended(case, officer, valuer_user, value, grade)
    if case.status == Status.RECOMMENDED:
        casework.case_decide(
            application=case,
            actor=approver,
            approve=True,
            reason_code="A00",
            comment="Approved on the program's terms.",
        )
    decided = backdate_case(case, submitted_on=timezone.localdate() - timedelta(days=submitted_days_ago))
    facility = services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=banker.organizations_for(Role.LENDER_OFFICER)[0],
        term_months=term,
        schedule_type=schedule_type,
        pledges=[_registration(asset, decided) for asset in case.ip_assets.all()],
    )
    return facility, decided


def _registration(asset, decided):
    """(asset, the office's number, registered on): the office's service level after the decision."""
    _office, days = pledge_office_for(asset=asset)
    return asset, f"{asset.jurisdiction}-PLEDGE-{asset.registry_number}", decided + timedelta(days=days)


def _repay_due(facility, banker, until, count=None):
    due = [i for i in facility.installments.order_by("number") if i.due_date <= until]
    for installment in due[:count]:
        services.repayment_record(
            facility=facility,
            actor=banker,
            amount=installment.principal + installment.interest,
            paid_on=installment.due_date,
            reference=f"{facility.lender.short_code}-{facility.pk}-{installment.number}",
        )


def _staff(program):
    """(case officer, approver, valuer, banker) of the program's own agency and partner bank; None when missing."""
    members = User.objects.filter(is_active=True)
    staff = (
        members.filter(memberships__organization=program.agency, memberships__role=Role.CASE_OFFICER).first(),
        members.filter(memberships__organization=program.agency, memberships__role=Role.APPROVER).first(),
        members.filter(email="valuer@demo.ipfin.kr").first(),
        members.filter(
            memberships__organization__in=program.partner_lenders.all(),
            memberships__role=Role.LENDER_OFFICER,
        ).first(),
    )
    return staff if all(staff) else None


def _disbursed(facility, banker, on):
    services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=on,
        idempotency_key=f"demo-{facility.pk}",
    )
    return facility


def _performing():
    """The Chinese case, recommended by the case-work demo, becomes a loan of the Chinese bank repaid on time:
    submitted 230 days ago, decided 20 days later, pledge registered at CNIPA the next day, disbursed 10 days on."""
    case = Application.objects.filter(program__code="CNPL").exclude(status=Status.DRAFT).first()
    staff = case and _staff(case.program)
    if staff is None:
        return
    terms = {"value": D("9000000"), "grade": "BBB", "term": 36, "schedule_type": "annuity"}
    facility, decided = _approved_facility(case, staff, submitted_days_ago=230, **terms)
    banker = staff[3]
    _repay_due(_disbursed(facility, banker, decided + timedelta(days=10)), banker, timezone.localdate())


def _defaulting():
    """The game studio's KIBO draft becomes a loan of the Korean bank guaranteed by the guarantee agency: submitted
    330 days ago, disbursed 10 days after the decision, three instalments paid, then put in default by the nightly
    job."""
    draft = Application.objects.filter(
        program__code="KIBO", status=Status.DRAFT, requested_amount__isnull=False
    ).first()
    staff = draft and _staff(draft.program)
    if staff is None:
        return
    application_submit(application=draft, actor=draft.created_by, declaration_accepted=True)
    terms = {"value": D("700000000"), "grade": "BB", "term": 24, "schedule_type": "equal_principal"}
    facility, decided = _approved_facility(draft, staff, submitted_days_ago=330, **terms)
    banker = staff[3]
    _repay_due(
        _disbursed(facility, banker, decided + timedelta(days=10)), banker, timezone.localdate(), count=3
    )
    services.facilities_update_dpd(today=timezone.localdate())


def seed(stdout):
    _pledge_offices()
    if Facility.objects.exists():
        return
    _performing()
    _defaulting()
    stdout.write(
        "Facilities: a performing loan of the Chinese bank, and a guaranteed loan of the Korean bank in default "
        "past the threshold.\n"
    )
