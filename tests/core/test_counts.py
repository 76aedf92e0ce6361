"""Cached counts: reused while the table is unchanged, fresh as soon as a row is added or saved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from core.counts import CachedCountPaginator
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
