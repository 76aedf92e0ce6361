"""Staff actions on a case. Each: one transaction, row lock via ``application_transition``, one audit event."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from accounts.notifications import later, notify
from accounts.roles import Role
from applications.models import OPEN_STATUSES, Application, Status
from applications.selectors import company_exposure
from applications.services import application_transition
from audit.services import audit_record
from core.errors import Conflict, InvalidInput, PermissionRefused
from core.money import currency_places
from programs import eligibility
from programs.services import program_budget_release, program_budget_share
from valuations.models import OrderStatus
from valuations.selectors import accepted_valuation_total, technology_grade_for

from .models import (
    CaseNote,
    ConflictOfInterest,
    CreditScore,
    Decision,
    InformationRequest,
    NoteKind,
    Recommendation,
    RubricCriterion,
    ScreeningChecklist,
    ValuationWaiver,
)
from .rules import proposal_bounds_broken, proposed_amount, weighted_score

if TYPE_CHECKING:
    from datetime import date, datetime
    from decimal import Decimal

    from accounts.models import Organization
    from applications.models import Company
    from core.errors import DomainError
    from programs.eligibility import RuleResult
    from programs.models import Program

    from .rules import ProposedAmount

RESUME_ACTION = {
    Status.SCREENING: "answer_info",
    Status.VALUATION: "resume_valuation",
    Status.CREDIT_REVIEW: "resume_credit_review",
}


def _require(actor, *roles, application=None):
    if not actor.has_role(*roles):
        raise PermissionRefused(_("Your role cannot do this."))
    if application is not None and application.program.agency not in actor.organizations_for(*roles):
        raise PermissionRefused(_("This case belongs to another agency."))


def stage_due(program: Program, stage: str, start: datetime | None = None) -> datetime | None:
    days = program.service_level_days(stage)
    return None if days is None else (start or timezone.now()) + timedelta(days=days)


def _move(application, action, actor, *, stage=None, details=None, applicant_visible=True, fields=None):
    fields = dict(fields or {})
    if stage is not None:
        fields["stage_due_at"] = stage_due(application.program, stage)
    return application_transition(
        application=application,
        action=action,
        actor=actor,
        details=details,
        applicant_visible=applicant_visible,
        fields=fields,
    )


# --- assignment -------------------------------------------------------------------------------


def _assignable(officer, application):
    if not officer.has_role(Role.CASE_OFFICER) or application.program.agency not in officer.organizations_for(
        Role.CASE_OFFICER
    ):
        raise InvalidInput(
            _("This person is not a case officer of this agency."),
            code="not_an_officer",
            details={"officer": [_("not a case officer of this agency")]},
        )
    if ConflictOfInterest.objects.filter(officer=officer, company=application.company_id).exists():
        raise Conflict(
            _("%(who)s declared a conflict of interest with %(company)s.")
            % {"who": officer, "company": application.company.legal_name},
            code="conflict_of_interest",
        )


def officer_of_agency(*, agency: Organization, pk: int) -> User:
    """The active case officer ``pk`` of ``agency``; any other id raises the same InvalidInput, naming no one."""
    officer = (
        User.objects.filter(
            pk=pk,
            is_active=True,
            memberships__organization=agency,
            memberships__role=Role.CASE_OFFICER,
        )
        .distinct()
        .first()
    )
    if officer is None:
        raise InvalidInput(
            _("This person is not a case officer of this agency."),
            code="not_an_officer",
            details={"officer": [_("not a case officer of this agency")]},
        )
    return officer


@transaction.atomic
def case_assign(*, application: Application, officer: User, actor: User) -> Application:
    """Give the case to ``officer``. Never to an officer with a declared conflict of interest."""
    _require(actor, Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR, application=application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in OPEN_STATUSES:
        raise Conflict(_("Only open cases can be assigned."), code="case_closed")
    _assignable(officer, locked)
    previous = locked.assignee
    locked.assignee = officer
    locked.save(update_fields=["assignee", "updated_at"])
    audit_record(
        actor=actor,
        action="application.assigned",
        target=locked,
        details={"from": previous.email if previous else None, "to": officer.email},
    )
    application.assignee = officer
    return locked


def case_assign_automatically(*, application: Application, actor: User) -> Application:
    """Round-robin by load: the program's officer without a conflict who holds the fewest open cases."""
    officers = (
        application.program.officers.filter(is_active=True)
        .exclude(conflicts_of_interest__company=application.company_id)
        .annotate(open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)))
        .order_by("open_cases", "pk")
    )
    for officer in officers:
        if officer.has_role(Role.CASE_OFFICER):
            return case_assign(application=application, officer=officer, actor=actor)
    raise Conflict(
        _("No officer of this program can take the case (conflicts of interest or none configured)."),
        code="no_officer",
    )


def case_assign_bulk(
    *, applications: list[Application], officer: User, actor: User
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Assign several cases; returns (assigned, refused[(case, message)]). Each case is its own transaction."""
    assigned, refused = [], []
    for application in applications:
        try:
            assigned.append(case_assign(application=application, officer=officer, actor=actor))
        except (Conflict, InvalidInput, PermissionRefused) as exc:
            refused.append((application, exc.message))
    return assigned, refused


@transaction.atomic
def conflict_declare(*, officer: User, company: Company, reason: str) -> ConflictOfInterest:
    try:
        with transaction.atomic():
            conflict = ConflictOfInterest.objects.create(officer=officer, company=company, reason=reason)
    except IntegrityError:
        raise Conflict(_("This conflict is declared already."), code="duplicate")
    audit_record(
        actor=officer,
        action="conflict_of_interest.declared",
        target=conflict,
        case=company,
        details={"comment": reason},
    )
    Application.objects.filter(company=company, assignee=officer, status__in=OPEN_STATUSES).update(
        assignee=None
    )
    return conflict


# --- screening and information requests ------------------------------------------------------------------


def case_start_screening(*, application: Application, actor: User) -> Application:
    _require(actor, Role.CASE_OFFICER, application=application)
    ScreeningChecklist.objects.get_or_create(application=application)
    fields = {} if application.assignee_id else {"assignee": actor}
    return _move(application, "start_screening", actor, stage="screening", fields=fields)


@transaction.atomic
def checklist_update(*, application: Application, actor: User, **items: bool) -> ScreeningChecklist:
    _require(actor, Role.CASE_OFFICER, application=application)
    if application.status != Status.SCREENING:
        raise Conflict(_("The checklist can be changed during screening only."), code="not_screening")
    checklist, _created = ScreeningChecklist.objects.select_for_update().get_or_create(
        application=application
    )
    changed = [
        name
        for name, _label in ScreeningChecklist.ITEMS
        if name in items and getattr(checklist, name) != items[name]
    ]
    for name in changed:
        setattr(checklist, name, bool(items[name]))
    checklist.updated_by = actor
    checklist.save(update_fields=[*changed, "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="screening.checklist_updated",
        target=checklist,
        case=application,
        details={name: getattr(checklist, name) for name in changed},
    )
    return checklist


@transaction.atomic
def case_request_info(
    *, application: Application, actor: User, question: str, due_date: date
) -> InformationRequest:
    """Ask the applicant; the service-level clock pauses until the answer."""
    _require(actor, Role.CASE_OFFICER, application=application)
    if due_date <= timezone.localdate():
        raise InvalidInput(
            _("The answer must be due in the future."),
            code="invalid_due_date",
            details={"due_date": [_("must be after today")]},
        )
    locked = Application.objects.select_for_update().get(pk=application.pk)
    remaining = None
    if locked.stage_due_at:
        remaining = int((locked.stage_due_at - timezone.now()).total_seconds())
    from_status = locked.status
    application_transition(
        application=locked,
        action="request_info",
        actor=actor,
        details={"comment": question},
        fields={"stage_due_at": None},
    )
    request = InformationRequest.objects.create(
        application=locked,
        requested_by=actor,
        question=question,
        due_date=due_date,
        from_status=from_status,
        paused_sla_seconds=remaining,
    )
    notify(
        users=[m.user for m in locked.company.organization.memberships.select_related("user")],
        subject=later(_lazy("The agency asks for information on %(ref)s"), ref=locked.reference),
        body=question,
        link=reverse("applications:detail", args=[locked.pk]),
    )
    application.status, application.stage_due_at = locked.status, None
    return request


@transaction.atomic
def case_answer_info(*, request: InformationRequest, actor: User, answer: str) -> InformationRequest:
    """The applicant answers; the case returns to the stage that asked and the clock resumes."""
    locked = InformationRequest.objects.select_for_update().select_related("application").get(pk=request.pk)
    if locked.answered_at:
        raise Conflict(_("This request is answered already."), code="already_answered")
    if not answer.strip():
        raise InvalidInput(_("Write an answer."), code="answer_missing", details={"answer": [_("required")]})
    application = locked.application
    now = timezone.now()
    due = (
        now + timedelta(seconds=locked.paused_sla_seconds)
        if locked.paused_sla_seconds is not None
        else stage_due(application.program, locked.from_status)
    )
    application_transition(
        application=application,
        action=RESUME_ACTION[locked.from_status],
        actor=actor,
        details={"comment": answer[:500]},
        fields={"stage_due_at": due},
    )
    locked.answer, locked.answered_by, locked.answered_at = answer, actor, now
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    notify(
        users=[application.assignee or locked.requested_by],
        subject=later(_lazy("%(ref)s: the applicant answered"), ref=application.reference),
        body=answer[:1000],
        link=reverse("casework:case", args=[application.pk]),
    )
    return locked


@transaction.atomic
def case_note_add(*, application: Application, actor: User, body: str, kind: str) -> CaseNote:
    """An internal note (staff only) or a message the applicant sees."""
    _require(actor, Role.CASE_OFFICER, Role.APPROVER, application=application)
    if not body.strip():
        raise InvalidInput(_("Write something."), code="empty", details={"body": [_("required")]})
    note = CaseNote.objects.create(application=application, author=actor, kind=kind, body=body)
    audit_record(
        actor=actor,
        action=f"case.{kind}_added",
        target=note,
        case=application,
        applicant_visible=kind == NoteKind.MESSAGE,
        details={"comment": body[:500]} if kind == NoteKind.MESSAGE else {},
    )
    if kind == NoteKind.MESSAGE:
        notify(
            users=[m.user for m in application.company.organization.memberships.select_related("user")],
            subject=later(_lazy("A message about %(ref)s"), ref=application.reference),
            body=body,
            link=reverse("applications:detail", args=[application.pk]),
        )
    return note


def case_send_to_valuation(*, application: Application, actor: User) -> Application:
    _require(actor, Role.CASE_OFFICER, application=application)
    checklist = ScreeningChecklist.objects.filter(application=application).first()
    if checklist is None or not checklist.complete:
        missing = checklist.missing() if checklist else [str(label) for _n, label in ScreeningChecklist.ITEMS]
        raise Conflict(
            _("Complete the screening checklist first: %(list)s.") % {"list": ", ".join(missing)},
            code="checklist_incomplete",
            details={"missing": missing},
        )
    return _move(application, "send_to_valuation", actor, stage="valuation")


def _waiver(application):
    return ValuationWaiver.objects.filter(application=application).first()


def valuation_gate(*, application: Application) -> DomainError | None:
    """Why the credit review may not start yet (None when it may): every valuation ordered for the case must be
    accepted by the agency, and at least one must be, unless an approver documented a waiver."""
    if _waiver(application) is not None:
        return None
    orders = list(
        application.valuation_orders.filter(purpose="application").exclude(
            status__in=[OrderStatus.CANCELLED, OrderStatus.DECLINED]
        )
    )
    if not orders:
        return Conflict(
            _("Order a valuation first: the credit review starts when the agency has accepted it."),
            code="valuation_missing",
        )
    waiting = [o for o in orders if o.status != OrderStatus.ACCEPTED_BY_AGENCY]
    if waiting:
        return Conflict(
            _("Every valuation ordered must be accepted by the agency first: %(list)s.")
            % {"list": ", ".join(f"#{o.pk} ({o.get_status_display()})" for o in waiting)},
            code="valuation_not_accepted",
            details={"orders": {str(o.pk): o.status for o in waiting}},
        )
    return None


def case_start_credit_review(*, application: Application, actor: User) -> Application:
    """Valuation → credit review, only once every ordered valuation is accepted by the agency (or waived)."""
    _require(actor, Role.CASE_OFFICER, application=application)
    refusal = valuation_gate(application=application) if application.status == Status.VALUATION else None
    if refusal is not None:
        raise refusal
    return _move(application, "start_credit_review", actor, stage="credit_review")


@transaction.atomic
def case_waive_valuation(*, application: Application, actor: User, reason: str) -> ValuationWaiver:
    """An approver lets the credit review start without a valuation, where the program allows it, saying why."""
    _require(actor, Role.APPROVER, application=application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.program.allows_valuation_waiver:
        raise Conflict(
            _("This program does not allow the valuation to be waived."), code="waiver_not_allowed"
        )
    if locked.status != Status.VALUATION:
        raise Conflict(
            _("A valuation can be waived during the valuation stage only."), code="not_in_valuation"
        )
    if not (reason or "").strip():
        raise InvalidInput(
            _("Say why the valuation is waived."), code="reason_missing", details={"reason": [_("required")]}
        )
    try:
        with transaction.atomic():
            waiver = ValuationWaiver.objects.create(
                application=locked, granted_by=actor, reason=reason.strip()
            )
    except IntegrityError:
        raise Conflict(_("The valuation is waived already."), code="duplicate")
    audit_record(
        actor=actor,
        action="case.valuation_waived",
        target=locked,
        applicant_visible=False,
        details={"comment": waiver.reason},
    )
    return waiver


# --- credit review, recommendation, decision ----------------------------------------------------------------


@transaction.atomic
def credit_score(*, application: Application, actor: User, scores: dict[int, tuple[int, str]]) -> None:
    """``scores``: {criterion_id: (score, comment)} for this program's rubric."""
    _require(actor, Role.CASE_OFFICER, application=application)
    if application.status != Status.CREDIT_REVIEW:
        raise Conflict(_("Scores are given during the credit review."), code="not_in_credit_review")
    criteria = {c.pk: c for c in RubricCriterion.objects.filter(program=application.program)}
    for criterion_id, (score, comment) in scores.items():
        if int(criterion_id) not in criteria:
            raise InvalidInput(_("Unknown criterion."), code="unknown_criterion")
        if not 1 <= int(score) <= 5:
            raise InvalidInput(_("Each score is from 1 to 5."), code="invalid_score")
        CreditScore.objects.update_or_create(
            application=application,
            criterion=criteria[int(criterion_id)],
            defaults={"score": int(score), "comment": comment or "", "scored_by": actor},
        )
    audit_record(
        actor=actor,
        action="credit_review.scored",
        target=application,
        details={str(k): v[0] for k, v in scores.items()},
    )


def case_exposure_elsewhere(*, application: Application) -> Decimal:
    """The company's exposure outside this case, in the program's currency at today's dated rate."""
    return company_exposure(
        company=application.company, exclude=application, currency=application.program.currency
    )


def case_proposed_amount(*, application: Application, exposure: Decimal | None = None) -> ProposedAmount:
    program = application.program
    valuation = accepted_valuation_total(application=application)
    return proposed_amount(
        requested=application.requested_amount,
        program_maximum=program.max_amount,
        advance_rate=program.max_advance_rate,
        accepted_valuation=valuation,
        exposure_ceiling=program.company_exposure_ceiling,
        exposure_elsewhere=exposure
        if exposure is not None
        else case_exposure_elsewhere(application=application),
        currency_places=currency_places(program.currency),
    )


def case_eligibility(*, application: Application, exposure: Decimal | None = None) -> list[RuleResult]:
    """Every eligibility rule again, with the accepted valuation's technology grade and today's facts."""
    return eligibility.evaluate(
        application,
        technology_grade=technology_grade_for(application=application),
        exposure=exposure if exposure is not None else case_exposure_elsewhere(application=application),
    )


def _credit_checks(application, term_months):
    """Everything that binds a recommendation and the decision on it; returns the proposal and the rule results.

    Raises Conflict naming the rule: no accepted, valid valuation (unless waived), a failed eligibility rule,
    nothing to lend, an amount below the program's minimum or a term above its maximum."""
    exposure = case_exposure_elsewhere(application=application)
    proposal = case_proposed_amount(application=application, exposure=exposure)
    if proposal.candidates["advance_rate"] is None and _waiver(application) is None:
        raise Conflict(
            _("No accepted, valid valuation: the advance-rate limit cannot be applied."),
            code="valuation_missing",
        )
    results = case_eligibility(application=application, exposure=exposure)
    failed = eligibility.failing(results)
    if failed:
        raise Conflict(
            _("Not eligible now: %(list)s.") % {"list": "; ".join(f"{r.label}: {r.reason}" for r in failed)},
            code="not_eligible",
            details={"rules": [r.as_dict() for r in failed]},
        )
    if proposal.amount <= 0:
        raise Conflict(
            _("The proposed amount is zero (%(rule)s).") % {"rule": proposal.binding_label},
            code="nothing_to_lend",
        )
    broken = proposal_bounds_broken(
        amount=proposal.amount,
        term_months=term_months,
        program_minimum=application.program.min_amount,
        max_term_months=application.program.max_term_months,
    )
    if broken:
        raise Conflict(
            _("Outside the program's bounds: %(list)s.")
            % {"list": "; ".join(f"{b.label} is {b.limit}, the proposal {b.value}" for b in broken)},
            code="outside_program_bounds",
            details={"rules": [b.rule for b in broken]},
        )
    return proposal, results


def case_weighted_score(
    *, application: Application, scores: list[CreditScore] | None = None
) -> Decimal | None:
    """``scores``: the application's CreditScores with their criteria, when the caller has read them already."""
    if scores is None:
        scores = CreditScore.objects.filter(application=application).select_related("criterion")
    return weighted_score([(s.criterion.weight, s.score) for s in scores])


@transaction.atomic
def case_recommend(
    *, application: Application, actor: User, conditions: str = "", term_months: int | None = None
) -> Application:
    """Recommend the proposed amount (lowest rule wins) once every rubric criterion is scored and every rule binds:
    accepted valuation, eligibility re-evaluated now, the program's minimum amount and maximum term."""
    _require(actor, Role.CASE_OFFICER, application=application)
    rubric = RubricCriterion.objects.filter(program=application.program).count()
    scored = CreditScore.objects.filter(application=application).count()
    if scored < rubric:
        raise Conflict(
            _("Score every criterion of the rubric first (%(done)s of %(all)s).")
            % {"done": scored, "all": rubric},
            code="rubric_incomplete",
        )
    proposal, results = _credit_checks(application, term_months)
    Recommendation.objects.create(
        application=application,
        recommended_by=actor,
        amount=proposal.amount,
        binding_rule=proposal.binding_rule,
        term_months=term_months,
        conditions=conditions,
        weighted_score=case_weighted_score(application=application),
    )
    return _move(
        application,
        "recommend",
        actor,
        stage="recommended",
        details={
            "amount": proposal.amount,
            "binding_rule": proposal.binding_rule,
            "term_months": term_months,
            "comment": conditions,
            "eligibility": {r.kind: r.outcome for r in results},
        },
    )


@transaction.atomic
def case_decide(
    *, application: Application, actor: User, approve: bool, reason_code: str, comment: str = ""
) -> Application:
    """Approve or reject. Four-eyes: never by the officer who recommended. Releases unused budget."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    recommendation = locked.recommendations.first()
    _decide_check(locked, actor, approve, recommendation)
    amount = recommendation.amount if (approve and recommendation) else None
    fields = {"approved_amount": amount, "stage_due_at": None}
    application_transition(
        application=locked,
        action="approve" if approve else "reject",
        actor=actor,
        details={"reason_code": reason_code, "comment": comment, "amount": amount},
        fields=fields,
        maker=recommendation.recommended_by if recommendation else None,  # four eyes, again in the table
    )
    Decision.objects.create(
        application=locked,
        decided_by=actor,
        outcome="approved" if approve else "rejected",
        reason_code=reason_code,
        comment=comment,
        amount=amount,
    )
    _decision_release_budget(locked, amount)
    _decision_notify(locked, comment)
    application.status, application.approved_amount = locked.status, locked.approved_amount
    return locked


def _decide_check(locked, actor, approve, recommendation):
    """Who may decide (four eyes against the recommender), and that the limits still allow what was recommended."""
    if locked.status == Status.RECOMMENDED:
        _require(actor, Role.APPROVER, application=locked)
        if recommendation and recommendation.recommended_by_id == actor.pk:
            raise PermissionRefused(
                _("Four-eyes rule: you recommended this case, someone else must decide."), code="four_eyes"
            )
    elif not approve and locked.status == Status.SCREENING:
        _require(actor, Role.CASE_OFFICER, Role.APPROVER, application=locked)
    if approve and locked.status == Status.RECOMMENDED:
        _decide_recheck_limits(locked, recommendation)


def _decide_recheck_limits(locked, recommendation):
    """The facts may have changed since the recommendation (a valuation expired, a new loan elsewhere): every
    rule binds again at the decision."""
    proposal, _results = _credit_checks(locked, recommendation.term_months if recommendation else None)
    if recommendation and recommendation.amount > proposal.amount:
        raise Conflict(
            _(
                "The limits now allow %(now)s (%(rule)s), less than the %(recommended)s recommended: return it."
            )
            % {
                "now": proposal.amount,
                "rule": proposal.binding_label,
                "recommended": recommendation.amount,
            },
            code="proposal_changed",
        )


def _decision_release_budget(locked, amount):
    """The budget share of what was requested but not approved goes back to the program."""
    program = locked.program
    release = program_budget_share(program=program, amount=locked.requested_amount) - program_budget_share(
        program=program, amount=amount or 0
    )
    if release > 0:
        program_budget_release(program=program, amount=release)


def _decision_notify(locked, comment):
    notify(
        users=[m.user for m in locked.company.organization.memberships.select_related("user")],
        subject=later(
            _lazy("Decision on %(ref)s: %(outcome)s"),
            ref=locked.reference,
            outcome=Status(locked.status).label,
        ),
        body=comment
        or later(
            _lazy(
                "The agency decided on your application %(ref)s: %(outcome)s. Open it to see the decision."
            ),
            ref=locked.reference,
            outcome=Status(locked.status).label,
        ),
        link=reverse("applications:detail", args=[locked.pk]),
    )


def case_return_for_rework(*, application: Application, actor: User, comment: str) -> Application:
    _require(actor, Role.APPROVER, application=application)
    return _move(
        application,
        "return_for_rework",
        actor,
        stage="credit_review",
        details={"comment": comment},
        applicant_visible=False,
    )


# --- service levels -----------------------------------------------------------------------------------


class OverdueCase(NamedTuple):
    """What the digest prints of an overdue case."""

    pk: int
    reference: str
    company: str
    status: str
    stage_due_at: datetime
    agency_id: int
    assignee_id: int | None


def overdue_digest_recipients(*, now: datetime | None = None) -> dict[User, list[OverdueCase]]:
    """{user: [overdue cases]}: each assignee gets their own, each approver of the agency all of the agency's.

    The cases are read as plain rows with only what the digest prints: thousands of full applications with their
    company, program and agency took seconds to build."""
    now = now or timezone.now()
    overdue = [
        OverdueCase(*row)
        for row in Application.objects.filter(status__in=OPEN_STATUSES, stage_due_at__lt=now)
        .order_by("stage_due_at", "pk")
        .values_list(
            "pk",
            "reference",
            "company__legal_name",
            "status",
            "stage_due_at",
            "program__agency_id",
            "assignee_id",
        )
    ]
    assignees = User.objects.in_bulk({case.assignee_id for case in overdue if case.assignee_id})
    digest = {}
    for case in overdue:
        if case.assignee_id:
            digest.setdefault(assignees[case.assignee_id], []).append(case)
    for supervisor, agencies in _digest_supervisors({case.agency_id for case in overdue}).items():
        own = {case.pk for case in digest.get(supervisor, [])}
        extra = [case for case in overdue if case.agency_id in agencies and case.pk not in own]
        if extra:  # their own cases first, as assigned, then the rest of their agencies' (both by due time)
            digest.setdefault(supervisor, []).extend(extra)
    return digest


def _digest_supervisors(agencies):
    """{approver: the ids of the agencies (among ``agencies``) where they approve}."""
    supervisors = (
        User.objects.filter(
            is_active=True, memberships__role=Role.APPROVER, memberships__organization_id__in=agencies
        )
        .prefetch_related("memberships")
        .distinct()
    )
    return {
        supervisor: {m.organization_id for m in supervisor.memberships.all() if m.role == Role.APPROVER}
        for supervisor in supervisors
    }
