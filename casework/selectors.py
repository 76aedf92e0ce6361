import hashlib

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.roles import AGENCY_ROLES
from applications.models import OPEN_STATUSES, Application, Status


def case_queue_for(*, user):
    """Submitted cases of the user's agency, with what the queue shows, in a fixed number of queries."""
    agencies = user.organizations_for(*AGENCY_ROLES)
    return (Application.objects.filter(program__agency__in=agencies).exclude(status=Status.DRAFT)
            .select_related("program", "company", "assignee"))


def case_get_for(*, user, pk):
    from django.http import Http404

    case = case_queue_for(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


QUEUE_COUNTS_SECONDS = 60


def queue_counts(*, user, base, filtered, query):
    """({status: cases} of the user's queue, cases matching the filters), for the tabs and the paginator.

    Counting a large queue is the page's dearest query, so the answer is cached, keyed by the latest change to any
    submitted case (an index lookup): a transition or assignment shows at once. The minute's lifetime covers what
    changes with time alone (the overdue filter).
    """
    latest = Application.objects.exclude(status=Status.DRAFT).aggregate(at=Max("updated_at"), pk=Max("pk"))
    agencies = sorted(o.pk for o in user.organizations_for(*AGENCY_ROLES))
    key = "queue-counts:" + hashlib.sha256(repr((agencies, query, latest["at"], latest["pk"])).encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        rows = base.order_by().values_list("status").annotate(n=Count("pk"))
        counts = (dict(rows), filtered.count())
        cache.set(key, counts, QUEUE_COUNTS_SECONDS)
    return counts


def status_tabs(counts):
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices if value != Status.DRAFT]


def overdue_q(now=None):
    return Q(status__in=OPEN_STATUSES, stage_due_at__lt=now or timezone.now())
