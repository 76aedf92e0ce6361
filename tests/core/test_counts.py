"""Cached counts: reused while the table is unchanged, fresh as soon as a row is added or saved."""

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from core.counts import CachedCountPaginator, FirstPageCountPaginator
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _count(queryset):
    with CaptureQueriesContext(connection) as ctx:
        total = CachedCountPaginator(queryset, 50).count
    return total, sum("COUNT(" in q["sql"] for q in ctx.captured_queries)


def test_a_count_is_reused_until_a_row_is_added_or_saved():
    first = ApplicationFactory(status="submitted", reference="C-1")
    submitted = Application.objects.filter(status="submitted")
    assert _count(submitted) == (1, 1)
    assert _count(submitted) == (1, 0)  # unchanged table: from the cache
    ApplicationFactory(status="submitted", reference="C-2")
    assert _count(submitted) == (2, 1)  # a new row: counted again
    first.status = "screening"
    first.save()
    assert _count(submitted) == (1, 1)  # a saved row: counted again
    assert _count(Application.objects.filter(status="screening")) == (1, 1)  # another query, its own count
    assert _count(Application.objects.none()) == (0, 0)


@pytest.mark.parametrize("rows", [0, 1, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("orphans", [0, 2])
def test_a_first_page_that_holds_every_row_is_the_count(rows, orphans):
    """Each page and the count as Django's Paginator gives them; no COUNT when the first page holds every row."""
    for i in range(rows):
        ApplicationFactory(status="submitted", reference=f"F-{i}")
    cases = Application.objects.filter(status="submitted").order_by("reference")
    plain = Paginator(cases, 3, orphans=orphans)
    for number in range(1, plain.num_pages + 1):
        cache.clear()  # every page counted anew (CachedCountPaginator would reuse the first page's count)
        with CaptureQueriesContext(connection) as ctx:
            paginator = FirstPageCountPaginator(cases, 3, orphans=orphans)
            page = paginator.page(number if number > 1 else "1")
            listed = [case.pk for case in page.object_list]
            count = paginator.count
        assert listed == [case.pk for case in plain.page(number).object_list]
        assert (count, paginator.num_pages, page.has_next()) == (
            rows,
            plain.num_pages,
            number < plain.num_pages,
        )
        counted = sum("COUNT(" in q["sql"] for q in ctx.captured_queries)
        assert counted == (0 if number == 1 and rows <= 3 + orphans else 1)
        if number == 1 and rows <= 3 + orphans:
            assert len(ctx.captured_queries) == 1  # the page, nothing else
