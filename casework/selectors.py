from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import AGENCY_ROLES
from applications.models import OPEN_STATUSES, Status
from applications.selectors import application_staff_visible_to
from core.counts import cached


def case_queue_for(*, user):
    """Submitted cases of the user's agency, with what the queue shows, in a fixed number of queries."""
    return application_staff_visible_to(user=user).select_related("program", "company", "assignee")


def case_get_for(*, user, pk):
    """One case of the user's agencies (the staff rule lives in applications.selectors); 404 for any other."""
    case = case_queue_for(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def queue_counts(*, user, base, version):
    """{status: cases} of the user's queue, for the tabs: counted once per ``version`` of the cases (core.counts)."""
    agencies = sorted(o.pk for o in user.organizations_for(*AGENCY_ROLES))
    return cached(
        ("queue-status", agencies, version),
        lambda: dict(base.order_by().values_list("status").annotate(n=Count("pk"))),
    )


def status_tabs(counts):
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices if value != Status.DRAFT]


def overdue_q(now=None):
    return Q(status__in=OPEN_STATUSES, stage_due_at__lt=now or timezone.now())
