from datetime import date, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from applications.models import TRANSITIONS, Application, Status
from applications.services import application_transition
from audit.models import AuditEvent
from casework import services
from casework.models import CaseNote, InformationRequest, RubricCriterion
from casework.rules import proposed_amount, weighted_score
from core.errors import Conflict, IllegalTransition, PermissionRefused
from programs.models import Program
from tests.factories import deliver_valuation, make_user

pytestmark = pytest.mark.django_db


def screen(case, officer):
    services.case_start_screening(application=case, actor=officer)
    services.checklist_update(
        application=case,
        actor=officer,
        documents_complete=True,
        eligibility_confirmed=True,
        identity_checked=True,
    )


def to_credit_review(case, officer, **valuation):
    screen(case, officer)
    services.case_send_to_valuation(application=case, actor=officer)
    deliver_valuation(case, officer, **valuation)
    services.case_start_credit_review(application=case, actor=officer)


def to_recommended(case, officer, **valuation):
    to_credit_review(case, officer, **valuation)
    services.credit_score(
        application=case,
        actor=officer,
        scores={c.pk: (4, "ok") for c in RubricCriterion.objects.filter(program=case.program)},
    )
    services.case_recommend(application=case, actor=officer, conditions="Pledge first")


ALL_ACTIONS = sorted(TRANSITIONS.actions())


@pytest.mark.parametrize("status", [s for s in Status.values])
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_move_in_the_table_is_legal_and_every_other_is_refused_with_nothing_changed(
    status, action, submitted, officer, approver, applicant
):
    Application.objects.filter(pk=submitted.pk).update(status=status)
    submitted.refresh_from_db()
    events_before = AuditEvent.objects.count()
    step = TRANSITIONS.get(status, action)
    if step is None:
        with pytest.raises(IllegalTransition):
            application_transition(application=submitted, action=action, actor=officer)
        submitted.refresh_from_db()
        assert submitted.status == status and AuditEvent.objects.count() == events_before
    else:
        actor = next(user for user in (applicant, officer, approver) if user.has_role(*step.roles))
        application_transition(application=submitted, action=action, actor=actor, maker=officer)
        submitted.refresh_from_db()
        assert submitted.status == step.target and AuditEvent.objects.count() == events_before + 1


def test_a_move_by_the_wrong_role_or_the_recommender_is_refused_and_nothing_changes(
    submitted, officer, approver
):
    with pytest.raises(PermissionRefused) as wrong_role:
        application_transition(application=submitted, action="withdraw", actor=officer)
    assert wrong_role.value.code == "role_refused"
    Application.objects.filter(pk=submitted.pk).update(status=Status.RECOMMENDED)
    with pytest.raises(PermissionRefused) as same_person:
        application_transition(application=submitted, action="approve", actor=approver, maker=approver)
    assert same_person.value.code == "four_eyes"
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDED and not AuditEvent.objects.filter(
        action="application.approve"
    )


def test_the_whole_happy_path_with_four_eyes(
    submitted, officer, approver, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    to_recommended(submitted, officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_decide(
            application=submitted, actor=approver, approve=True, reason_code="A01", comment="Welcome"
        )
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED and submitted.approved_amount == submitted.requested_amount
    assert any(applicant.email in m.to and "Approved" in m.subject for m in mailoutbox)
    assert submitted.decisions.get().reason_code == "A01"


def test_the_officer_who_recommended_can_never_decide(submitted, officer, agency):
    to_recommended(submitted, officer)
    # Even holding the approver role too, the recommender may not decide.
    from accounts.models import Membership

    Membership.objects.create(user=officer, organization=agency, role="approver")
    officer.__dict__.pop("roles", None)
    officer.__dict__.pop("active_memberships", None)
    with pytest.raises(PermissionRefused) as error:
        services.case_decide(application=submitted, actor=officer, approve=True, reason_code="A00")
    assert error.value.code == "four_eyes"
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDED


def test_an_approver_of_another_agency_cannot_decide(submitted, officer, other_agency):
    to_recommended(submitted, officer)
    with pytest.raises(PermissionRefused):
        services.case_decide(
            application=submitted, actor=make_user("approver", other_agency), approve=True, reason_code="A00"
        )


def test_rejection_releases_the_whole_reservation(submitted, officer, approver):
    to_recommended(submitted, officer)
    services.case_decide(
        application=submitted, actor=approver, approve=False, reason_code="R30", comment="Weak"
    )
    assert Program.objects.get(pk=submitted.program_id).budget_committed == 0


def test_returning_a_recommendation_sends_it_back_to_credit_review(submitted, officer, approver):
    to_recommended(submitted, officer)
    services.case_return_for_rework(application=submitted, actor=approver, comment="Check the royalty rate")
    submitted.refresh_from_db()
    assert submitted.status == Status.CREDIT_REVIEW


def test_screening_cannot_move_on_before_the_checklist_is_complete(submitted, officer):
    services.case_start_screening(application=submitted, actor=officer)
    services.checklist_update(application=submitted, actor=officer, documents_complete=True)
    with pytest.raises(Conflict) as error:
        services.case_send_to_valuation(application=submitted, actor=officer)
    assert error.value.details["missing"] == ["Eligibility confirmed", "Identity checked"]


def test_a_recommendation_needs_every_criterion_scored(submitted, officer):
    to_credit_review(submitted, officer)
    first = RubricCriterion.objects.filter(program=submitted.program).first()
    services.credit_score(application=submitted, actor=officer, scores={first.pk: (5, "")})
    with pytest.raises(Conflict, match="1 of 2"):
        services.case_recommend(application=submitted, actor=officer)


def test_an_officer_with_a_conflict_of_interest_is_never_assigned(
    submitted, officer, second_officer, approver
):
    services.conflict_declare(officer=officer, company=submitted.company, reason="Brother-in-law is the CEO")
    with pytest.raises(Conflict) as error:
        services.case_assign(application=submitted, officer=officer, actor=approver)
    assert error.value.code == "conflict_of_interest"
    for _ in range(3):
        services.case_assign_automatically(application=submitted, actor=approver)
        submitted.refresh_from_db()
        assert submitted.assignee == second_officer


def test_declaring_a_conflict_unassigns_the_officer_from_that_companys_open_cases(
    submitted, officer, approver
):
    services.case_assign(application=submitted, officer=officer, actor=approver)
    services.conflict_declare(officer=officer, company=submitted.company, reason="Shareholder")
    submitted.refresh_from_db()
    assert submitted.assignee is None


def test_automatic_assignment_goes_to_the_least_loaded_officer(
    program, officer, second_officer, approver, applicant
):
    from tests.factories import make_submitted

    first, second = make_submitted(program), make_submitted(program)
    services.case_assign_automatically(application=first, actor=approver)
    services.case_assign_automatically(application=second, actor=approver)
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.assignee, second.assignee} == {officer, second_officer}


def test_the_sla_clock_pauses_while_the_applicant_owes_an_answer(submitted, officer, applicant):
    with freeze_time("2026-03-02 09:00:00"):
        services.case_start_screening(application=submitted, actor=officer)  # 5 days of screening
        submitted.refresh_from_db()
        assert submitted.stage_due_at.isoformat().startswith("2026-03-07T09:00")
    with freeze_time("2026-03-04 09:00:00"):  # 3 days left
        info = services.case_request_info(
            application=submitted, actor=officer, question="Accounts?", due_date=date(2026, 3, 20)
        )
        submitted.refresh_from_db()
        assert submitted.stage_due_at is None and submitted.status == Status.INFO_REQUESTED
    with freeze_time("2026-03-14 09:00:00"):  # ten days later the answer comes
        services.case_answer_info(request=info, actor=applicant, answer="Attached")
        submitted.refresh_from_db()
        assert submitted.status == Status.SCREENING
        assert submitted.stage_due_at.isoformat().startswith("2026-03-17T09:00")  # the 3 days left, not 5


def test_an_answer_returns_the_case_to_the_stage_that_asked(submitted, officer, applicant):
    screen(submitted, officer)
    services.case_send_to_valuation(application=submitted, actor=officer)
    info = services.case_request_info(
        application=submitted,
        actor=officer,
        question="Royalty data?",
        due_date=date.today() + timedelta(days=5),
    )
    services.case_answer_info(request=info, actor=applicant, answer="Here")
    submitted.refresh_from_db()
    assert submitted.status == Status.VALUATION
    with pytest.raises(Conflict):
        services.case_answer_info(request=info, actor=applicant, answer="again")


def test_only_one_open_information_request_at_a_time(submitted, officer):
    services.case_start_screening(application=submitted, actor=officer)
    services.case_request_info(
        application=submitted, actor=officer, question="A", due_date=date.today() + timedelta(days=3)
    )
    with pytest.raises(IllegalTransition):
        services.case_request_info(
            application=submitted, actor=officer, question="B", due_date=date.today() + timedelta(days=3)
        )
    assert InformationRequest.objects.filter(application=submitted).count() == 1


def test_the_digest_sends_one_email_per_person_listing_all_their_overdue_cases(
    program, officer, second_officer, approver, mailoutbox, django_capture_on_commit_callbacks
):
    from casework.tasks import send_overdue_digest
    from tests.factories import make_submitted

    with freeze_time("2026-03-01 09:00:00"):
        cases = [make_submitted(program) for _ in range(3)]
        for case, who in zip(cases, [officer, officer, second_officer], strict=True):
            services.case_assign(application=case, officer=who, actor=approver)
            services.case_start_screening(application=case, actor=who)
    with freeze_time("2026-03-20 09:00:00"), django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_digest() == 3
    by_person = {}
    for mail in mailoutbox:
        if "overdue" in mail.subject:
            by_person.setdefault(mail.to[0], []).append(mail)
    assert {k: len(v) for k, v in by_person.items()} == {
        officer.email: 1,
        second_officer.email: 1,
        approver.email: 1,
    }
    assert by_person[officer.email][0].subject.startswith("2 overdue")
    assert by_person[approver.email][0].subject.startswith("3 overdue")


def test_internal_notes_are_not_on_the_applicants_timeline(submitted, officer):
    services.case_note_add(application=submitted, actor=officer, body="Doubtful accounts", kind="internal")
    services.case_note_add(application=submitted, actor=officer, body="Welcome aboard", kind="message")
    from audit.selectors import case_timeline

    visible = [e.action for e in case_timeline(case=submitted, applicant_view=True)]
    assert "case.message_added" in visible and "case.internal_added" not in visible
    assert CaseNote.objects.filter(application=submitted).count() == 2


@pytest.mark.parametrize(
    ("limits", "expected_amount", "expected_rule"),
    [
        (
            {"requested": 500, "program_maximum": 1000, "accepted_valuation": 2000, "exposure_elsewhere": 0},
            500,
            "requested_amount",
        ),
        (
            {"requested": 900, "program_maximum": 800, "accepted_valuation": 4000, "exposure_elsewhere": 0},
            800,
            "program_maximum",
        ),
        (
            {"requested": 900, "program_maximum": 1000, "accepted_valuation": 1000, "exposure_elsewhere": 0},
            500,
            "advance_rate",
        ),
        (
            {
                "requested": 900,
                "program_maximum": 1000,
                "accepted_valuation": None,
                "exposure_elsewhere": 1800,
            },
            200,
            "exposure_headroom",
        ),
        (
            {"requested": 900, "program_maximum": 1000, "accepted_valuation": None, "exposure_elsewhere": 0},
            900,
            "requested_amount",
        ),
    ],
)
def test_the_lowest_limit_wins_and_the_binding_rule_is_named(limits, expected_amount, expected_rule):
    result = proposed_amount(advance_rate=Decimal("0.5"), exposure_ceiling=2000, **limits)
    assert result.amount == expected_amount and result.binding_rule == expected_rule


def test_amounts_round_down_to_the_currencys_unit():
    result = proposed_amount(
        requested=10**9,
        program_maximum=10**9,
        advance_rate=Decimal("0.333"),
        accepted_valuation=1000001,
        exposure_ceiling=10**9,
        exposure_elsewhere=0,
        currency_places=0,
    )
    assert result.amount == Decimal("333000")


def test_the_weighted_score_is_the_weighted_mean():
    assert weighted_score([(2, 5), (1, 2)]) == Decimal("4.00")
    assert weighted_score([]) is None
