"""Move demo cases along the workflow through the real services (idempotent)."""

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import User
from applications.demo import backdate_case
from applications.models import Application, Status
from programs.models import Program
from valuations.demo import deliver

from . import services
from .models import RubricCriterion

RUBRIC = [
    ("Technology and IP strength", D("0.35")),
    ("Market and growth", D("0.25")),
    ("Management", D("0.15")),
    ("Financial position", D("0.25")),
]


def _rubrics():
    for program in Program.objects.all():
        if not program.rubric.exists():
            for order, (name, weight) in enumerate(RUBRIC):
                RubricCriterion.objects.create(program=program, name=name, weight=weight, order=order)


def _screened(case, officer):
    services.case_start_screening(application=case, actor=officer)
    services.checklist_update(
        application=case,
        actor=officer,
        documents_complete=True,
        eligibility_confirmed=True,
        identity_checked=True,
    )


def _to_valuation(case, officer):
    """The biotech's case: screened and sent to valuation."""
    _screened(case, officer)
    services.case_note_add(
        application=case,
        actor=officer,
        kind="internal",
        body="Seven antibody patents; strong claims. Order a valuation from the panel.",
    )
    services.case_send_to_valuation(application=case, actor=officer)


def _information_requested(case, officer):
    """Information requested from the UK software firm."""
    services.case_start_screening(application=case, actor=officer)
    services.case_request_info(
        application=case,
        actor=officer,
        question="Please upload the audited accounts for 2025.",
        due_date=timezone.localdate() + timedelta(days=7),
    )


def _recommended(case, officer):
    """The Chinese case goes all the way to a recommendation."""
    _screened(case, officer)
    services.case_send_to_valuation(application=case, actor=officer)
    valuer_user = User.objects.filter(email="valuer@demo.ipfin.kr").first()
    # the credit review starts only on a valuation the agency accepted
    deliver(
        case, officer, valuer_user, fee=D("20000"), value_per_asset=D("9000000"), grade="BBB", accept=True
    )
    services.case_start_credit_review(application=case, actor=officer)
    services.credit_score(
        application=case,
        actor=officer,
        scores={c.pk: (4, "") for c in RubricCriterion.objects.filter(program=case.program)},
    )
    services.case_recommend(application=case, actor=officer, conditions="Pledge registered with CNIPA first.")


STORIES = {"KIPO": _to_valuation, "HGIP": _information_requested, "CNPL": _recommended}
# Days before today each story's case was submitted (the services date it today; facilities/demo.py dates the
# Chinese case again when it is approved and disbursed).
SUBMITTED_DAYS_AGO = {"KIPO": 12, "HGIP": 6, "CNPL": 30}


def seed(stdout):
    _rubrics()
    officer = User.objects.filter(email="officer@demo.ipfin.kr").first()
    if officer is None:
        return
    cases = {
        a.program.code: a
        for a in Application.objects.filter(status=Status.SUBMITTED).select_related("program")
    }
    for code, story in STORIES.items():
        if code in cases:
            story(cases[code], officer)
            backdate_case(
                cases[code], submitted_on=timezone.localdate() - timedelta(days=SUBMITTED_DAYS_AGO[code])
            )
    stdout.write(
        "Case workflow: demo cases in screening, information requested, valuation and recommended.\n"
    )
