"""What a user may ask a report about and which runs they may follow: the scopes each report kind offers them."""

from django.http import Http404

from . import registry
from .models import ReportRun
from .selectors import READERS

KIND_NAMES = ("fund_utilisation", "program_dashboard")


def scope_choices_for(*, user, kind):
    """[(scope, label)] of ``kind`` that ``user`` may read (the kind decides, see registry.ReportKind.choices)."""
    if not user.has_role(*READERS):
        return []
    return registry.get(kind).scope_choices(user)


def runs_visible_to(*, user):
    """Runs on a scope the user may read, and the runs they asked for themselves."""
    if not user.has_role(*READERS):
        return ReportRun.objects.none()
    readable = {
        kind: [scope for scope, _label in scope_choices_for(user=user, kind=kind)] for kind in KIND_NAMES
    }
    from django.db.models import Q

    visible = Q(requested_by=user)
    for kind, scopes in readable.items():
        visible |= Q(kind=kind, scope__in=scopes)
    return ReportRun.objects.filter(visible)


def run_get_for(*, user, pk):
    run = runs_visible_to(user=user).filter(pk=pk).select_related("report").first()
    if run is None:
        raise Http404
    return run
