from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import AGENCY_ROLES
from applications.models import OPEN_STATUSES, Company, Status
from applications.selectors import application_staff_visible_to
from core.counts import cached

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.models import QuerySet

    from accounts.models import User
    from applications.models import Application


def case_queue_for(*, user: User) -> QuerySet[Application]:
    """Submitted cases of the user's agency, with what the queue shows, in a fixed number of queries."""
    return application_staff_visible_to(user=user).select_related("program", "company", "assignee")


def case_get_for(*, user: User, pk: int) -> Application:
    """One case of the user's agencies (the staff rule lives in applications.selectors); 404 for any other."""
    case = case_queue_for(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


# A term naming more companies than this is broad (case_text_q).
TEXT_SEARCH_COMPANIES = 200


def case_text_q(term: str) -> Q:
    """Cases whose reference or company's legal name contains ``term``, ignoring case: ``icontains``, what the
    queue's search has always meant, on PostgreSQL and SQLite alike.

    ``reference OR company.legal_name`` across the join can use no index: PostgreSQL read every case. So the term's
    companies are looked up first (any visibility is the query's that uses the condition), and a narrow term becomes
    ``reference OR company_id IN (…)`` on the cases alone, which the trigram indexes of
    applications/migrations/0008 and the company index answer. A term naming more than TEXT_SEARCH_COMPANIES
    companies matches many cases: the join condition then lets PostgreSQL walk the queue's order to a page's worth
    (the indexes' statistics tell it how many rows match)."""
    by_reference = Q(reference__icontains=term)
    companies = list(
        Company.objects.filter(legal_name__icontains=term)
        .order_by()
        .values_list("pk", flat=True)[: TEXT_SEARCH_COMPANIES + 1]
    )
    if len(companies) > TEXT_SEARCH_COMPANIES:
        return by_reference | Q(company__legal_name__icontains=term)
    return by_reference | Q(company_id__in=companies)


def queue_counts(*, user: User, base: QuerySet[Application], version: tuple) -> dict[str, int]:
    """{status: cases} of the user's queue, for the tabs: counted once per ``version`` of the cases (core.counts)."""
    agencies = sorted(o.pk for o in user.organizations_for(*AGENCY_ROLES))
    return cached(
        ("queue-status", agencies, version),
        lambda: dict(base.order_by().values_list("status").annotate(n=Count("pk"))),
    )


def status_tabs(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices if value != Status.DRAFT]


def overdue_q(now: datetime | None = None) -> Q:
    return Q(status__in=OPEN_STATUSES, stage_due_at__lt=now or timezone.now())
