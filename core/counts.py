"""Counts that would otherwise scan large tables on every request, cached until the rows change.

A count is keyed by its query and by the table's latest change (the highest ``updated_at`` and primary key: two index
lookups), so an insert or a save shows at once; the short lifetime covers what changes with time alone (an "overdue"
filter) and deletions, which these tables do not allow for submitted cases.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.utils.functional import cached_property

COUNT_SECONDS = 60


def latest_change(model):
    return tuple(model._default_manager.aggregate(at=Max("updated_at"), pk=Max("pk")).values())


def cached(key_parts, compute, seconds=COUNT_SECONDS):
    """``compute()``, or its cached value for the same ``key_parts`` (which must name every input)."""
    return cache.get_or_set(
        "counts:" + hashlib.sha256(repr(key_parts).encode()).hexdigest(), compute, seconds
    )


def _has_updated_at(model):
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)


class CachedCountPaginator(Paginator):
    """A paginator whose total is counted once per change of the table (see the module's docstring). ``version`` is
    the table's latest_change when the caller has read it already."""

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not _has_updated_at(queryset.model):
            return super().count
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return 0
        return cached(("count", sql, params, self.version or latest_change(queryset.model)), queryset.count)


class FirstPageCountPaginator(CachedCountPaginator):
    """Page 1 is read with one row more than it shows: when that row is not there, the page holds every row and its
    length is the count, with no COUNT query and no lookup of the table's latest change (a list that is mostly
    shorter than a page, such as an applicant's applications). A longer list is counted as CachedCountPaginator
    counts it."""

    def page(self, number):
        if number not in (1, "1") or "count" in self.__dict__:
            return super().page(number)
        fits = self.per_page + self.orphans  # the last page takes up to ``orphans`` rows more
        rows = list(self.object_list[: fits + 1])
        if len(rows) <= fits:
            self.count = len(rows)
            return self._get_page(rows, 1, self)
        return self._get_page(rows[: self.per_page], 1, self)
