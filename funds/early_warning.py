"""Early warning that escalates: the flags of a fund utilisation report become follow-ups the fund's manager and the
agency work.

- A sub-fund flagged by a report (behind pace, no investment, licence, loss, unreconciled cash) opens one follow-up
  per fund and flag kind, tells the fund's managers and records ``fund.flagged`` on the fund (a webhook event for
  the organisations that may read the fund). While it is not resolved, a later report that flags it again only
  updates it (the figures, the last period), never opens a second one.
- A later report that covers the fund without the flag marks the follow-up **cleared** (the period it cleared); the
  agency then resolves it. A flag that comes back before that clears the mark.
- The manager acknowledges and then records a remediation plan with a due date (a revised plan replaces it).
- Agency staff of the mother fund's agency, and officials, resolve it or escalate it. A plan whose due date has
  passed and that is not resolved is **overdue**: listed first and marked on both sides' screens, so the agency
  escalates or resolves it; nothing is escalated without a person deciding.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notifications import notify
from accounts.roles import AGENCY_ROLES, Role
from audit.services import audit_record
from core.errors import IllegalTransition, InvalidInput, PermissionRefused
from reporting import labels

from .models import FollowUp, FollowUpStatus, Fund
from .selectors import fund_writable_by

S = FollowUpStatus
ACKNOWLEDGE_FROM = {S.OPEN}
PLAN_FROM = {S.OPEN, S.ACKNOWLEDGED, S.PLANNED, S.ESCALATED}
ESCALATE_FROM = {S.OPEN, S.ACKNOWLEDGED, S.PLANNED}
RESOLVE_FROM = {S.OPEN, S.ACKNOWLEDGED, S.PLANNED, S.ESCALATED}
ACTION_WORDS = {
    "acknowledged": gettext_lazy("acknowledged"),
    "planned": gettext_lazy("planned"),
    "escalated": gettext_lazy("escalated"),
    "resolved": gettext_lazy("resolved"),
}


def may_manage(*, user, follow_up: FollowUp) -> bool:
    """The fund's manager: acknowledges and plans."""
    return fund_writable_by(user=user, fund=follow_up.fund)


def may_oversee(*, user, follow_up: FollowUp) -> bool:
    """Officials, and the staff of the agency that anchors the mother fund: resolve and escalate."""
    if user.has_role(Role.OFFICIAL):
        return True
    fund = follow_up.fund
    agency_id = fund.parent.agency_id if fund.parent_id else fund.agency_id
    return any(org.pk == agency_id for org in user.organizations_for(*AGENCY_ROLES))


def _managers(fund: Fund) -> list:
    if fund.manager_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, memberships__organization_id=fund.manager_id, memberships__role=Role.FUND_MANAGER
        ).distinct()
    )


# --- opened and cleared by a report ---------------------------------------------------------------------------------


def _report_flags(report) -> dict:
    """{(fund id, flag kind): flag} of the sub-fund flags of a report (the mother funds' flags stay on the report)."""
    flags = {}
    for flag in report.data.get("flags", []):
        if flag.get("fund") and str(flag.get("code", "")).startswith("flag."):
            flags[(flag["fund"], flag["code"].removeprefix("flag."))] = flag
    return flags


def follow_ups_from_report(report) -> list[FollowUp]:
    """Open, update and clear the follow-ups of the sub-funds a fund utilisation report covers. Returns the ones
    opened. Safe to run twice: one follow-up per fund and flag kind while not resolved (a database constraint)."""
    flags, covered = _report_flags(report), set(report.data.get("fund_ids", []))
    opened = []
    with transaction.atomic():
        current = {
            (f.fund_id, f.flag): f
            for f in FollowUp.objects.select_for_update()
            .filter(fund_id__in=covered)
            .exclude(status=S.RESOLVED)
        }
        for key, flag in flags.items():
            if key in current:
                _seen_again(current[key], flag, report)
            elif (follow_up := _open(key, flag, report)) is not None:
                opened.append(follow_up)
        for key, follow_up in current.items():
            if key not in flags and follow_up.last_seen_on <= report.period_end and not follow_up.cleared_on:
                follow_up.cleared_on = report.period_end
                follow_up.save(update_fields=["cleared_on"])
    return opened


def _seen_again(follow_up: FollowUp, flag: dict, report) -> None:
    if report.period_end < follow_up.last_seen_on:
        return  # an older period made later: the follow-up keeps the latest figures
    follow_up.params, follow_up.severity = flag.get("params", {}), flag.get("severity", "high")
    follow_up.last_seen_on, follow_up.last_report, follow_up.cleared_on = report.period_end, report, None
    follow_up.save(update_fields=["params", "severity", "last_seen_on", "last_report", "cleared_on"])


def _open(key, flag: dict, report) -> FollowUp | None:
    fund = Fund.objects.filter(pk=key[0], parent__isnull=False).first()
    if fund is None:
        return None
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                fund=fund,
                flag=key[1],
                severity=flag.get("severity", "high"),
                params=flag.get("params", {}),
                first_report=report,
                last_report=report,
                flagged_on=report.period_end,
                last_seen_on=report.period_end,
            )
    except IntegrityError:  # another worker opened it first
        return None
    audit_record(
        actor=None,
        action="fund.flagged",
        target=fund,
        new_state=key[1],
        details={"flag": key[1], "follow_up": follow_up.pk, "report": report.pk},
    )
    notify(
        users=_managers(fund),
        subject=_("Early warning on %(fund)s: %(flag)s")
        % {"fund": fund.name, "flag": labels.text({"code": f"flag.{key[1]}", "params": follow_up.params})},
        body=_("Acknowledge it and record a remediation plan with a due date."),
        link=f"/funds/follow-ups/{follow_up.pk}/",
    )
    return follow_up


# --- worked by the manager and the agency ---------------------------------------------------------------------------


def _locked(follow_up: FollowUp, allowed: set, action: str) -> FollowUp:
    locked = (
        FollowUp.objects.select_for_update(of=("self",)).select_related("fund__parent").get(pk=follow_up.pk)
    )
    if locked.status not in allowed:
        raise IllegalTransition(
            _("This follow-up is %(status)s: it cannot be %(action)s now.")
            % {"status": locked.get_status_display().lower(), "action": ACTION_WORDS[action]},
            code="follow_up_state",
        )
    return locked


def _move(locked: FollowUp, *, actor, status, fields: list, outcome: str) -> FollowUp:
    old = locked.status
    locked.status = status
    locked.save(update_fields=["status", *fields])
    audit_record(
        actor=actor,
        action=f"fund.follow_up_{outcome}",
        target=locked.fund,
        old_state=old,
        new_state=status,
        details={"follow_up": locked.pk, "flag": locked.flag},
    )
    return locked


def follow_up_acknowledge(*, follow_up: FollowUp, actor) -> FollowUp:
    with transaction.atomic():
        locked = _locked(follow_up, ACKNOWLEDGE_FROM, "acknowledged")
        if not may_manage(user=actor, follow_up=locked):
            raise PermissionRefused(_("Only the fund's manager acknowledges its early warnings."))
        locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
        return _move(
            locked,
            actor=actor,
            status=S.ACKNOWLEDGED,
            fields=["acknowledged_at", "acknowledged_by"],
            outcome="acknowledged",
        )


def follow_up_plan(*, follow_up: FollowUp, actor, plan: str, due: date) -> FollowUp:
    """The manager's remediation plan and its due date (a revised plan replaces the last one)."""
    if not plan.strip():
        raise InvalidInput(_("Describe the plan."), details={"plan": [_("This field is required.")]})
    if due < timezone.localdate():
        raise InvalidInput(
            _("The plan is due today or later."), details={"due": [_("Choose today or a later day.")]}
        )
    with transaction.atomic():
        locked = _locked(follow_up, PLAN_FROM, "planned")
        if not may_manage(user=actor, follow_up=locked):
            raise PermissionRefused(_("Only the fund's manager records its remediation plan."))
        if locked.acknowledged_at is None:  # a plan acknowledges the warning
            locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
        locked.plan, locked.plan_due, locked.planned_by = plan.strip(), due, actor
        fields = ["plan", "plan_due", "planned_by", "acknowledged_at", "acknowledged_by"]
        status = S.ESCALATED if locked.status == S.ESCALATED else S.PLANNED
        return _move(locked, actor=actor, status=status, fields=fields, outcome="planned")


def _close(follow_up, *, actor, note, status, allowed, action):
    with transaction.atomic():
        locked = _locked(follow_up, allowed, action)
        if not may_oversee(user=actor, follow_up=locked):
            raise PermissionRefused(_("Only the agency resolves or escalates an early warning."))
        locked.note = note.strip()
        fields = ["note"]
        if status == S.RESOLVED:
            locked.closed_at, locked.closed_by = timezone.now(), actor
            fields += ["closed_at", "closed_by"]
        moved = _move(locked, actor=actor, status=status, fields=fields, outcome=action)
    if status == S.ESCALATED:
        notify(
            users=_managers(moved.fund),
            subject=_("Early warning on %(fund)s escalated") % {"fund": moved.fund.name},
            body=moved.note,
            link=f"/funds/follow-ups/{moved.pk}/",
        )
    return moved


def follow_up_resolve(*, follow_up: FollowUp, actor, note: str = "") -> FollowUp:
    return _close(
        follow_up,
        actor=actor,
        note=note,
        status=S.RESOLVED,
        allowed=RESOLVE_FROM,
        action="resolved",
    )


def follow_up_escalate(*, follow_up: FollowUp, actor, note: str) -> FollowUp:
    if not note.strip():
        raise InvalidInput(_("Say why it is escalated."), details={"note": [_("This field is required.")]})
    return _close(
        follow_up,
        actor=actor,
        note=note,
        status=S.ESCALATED,
        allowed=ESCALATE_FROM,
        action="escalated",
    )
