"""Reads of reports and report runs, scoped to the user: a report follows the visibility of its scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.roles import Role
from core.errors import NotFound

from . import registry
from .models import Report, ReportRun

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

READERS = (Role.OFFICIAL, Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)
FUND_KIND, DASHBOARD_KIND = "fund_utilisation", "program_dashboard"


def _fund_scopes(user):
    """The fund scopes the user may read, as the fund report kind offers them: the funds app, which owns who sees a
    fund, answers through the report registry (it sits above reporting)."""
    return [scope for scope, _label in registry.get(FUND_KIND).scope_choices(user)]


def _dashboard_scopes(user):
    """The program dashboard scopes the user may read: the dashboards app, which owns the rule (its own agency's
    programs for agency staff), answers through the report registry, as the funds app does for funds."""
    return [scope for scope, _label in registry.get(DASHBOARD_KIND).scope_choices(user)]


def _scope_condition(user):
    """Which (kind, scope) the user may read. Officials read everything. Agency staff read the program dashboards of
    their own agency's programs and the fund reports of the funds they see; the all-programs and all-funds reports
    and other agencies' programs and funds are not theirs."""
    if not user.has_role(*READERS):
        return Q(pk__in=[])
    if user.has_role(Role.OFFICIAL):
        return Q()
    return Q(kind=DASHBOARD_KIND, scope__in=_dashboard_scopes(user)) | Q(
        kind=FUND_KIND, scope__in=_fund_scopes(user)
    )


def reports_visible_to(*, user: User) -> QuerySet[Report]:
    """Reports are for officials and agency staff (read-only for everyone), each within its scope."""
    return Report.objects.filter(_scope_condition(user))


def report_get_for(*, user: User, pk: int) -> Report:
    report = reports_visible_to(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def report_runs_visible_to(*, user: User) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(_scope_condition(user))


def report_run_get_for(*, user: User, pk: int) -> ReportRun:
    run = report_runs_visible_to(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def report_scope_check(*, user: User, kind: str, scope: str) -> None:
    """Before a run is ordered: a scope the user may not read is answered as one that does not exist (NotFound)."""
    if user.has_role(Role.OFFICIAL):
        return
    if user.has_role(*READERS) and (
        (kind == DASHBOARD_KIND and scope in _dashboard_scopes(user))
        or (kind == FUND_KIND and scope in _fund_scopes(user))
    ):
        return
    raise NotFound(_("There is no such report scope."), code="unknown_scope", details={"scope": [scope]})
