"""The portfolio's facts: its figures grouped per lender, program and key, read live from the facilities a reader
may see or from their store (``PortfolioFact``, refreshed by beat with the dashboard's facts).

The portfolio is the facilities' state now (no period): every figure is a sum over the groups of the facilities
visible to the reader. The store is filtered by the (lender, program) pairs that have a facility in the reader's
queryset (``facility_visible_to``: a bank's own, an agency's programs', all for officials), which equals filtering
the facilities as long as that rule sees whole (lender, program) pairs; tests/dashboards/test_portfolio_facts.py
compares both for each reader."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from applications.models import LOW_CREDIT_GRADES
from facilities.models import LIVE, Facility
from programs.models import ProgramKind
from recoveries.models import Claim, Disposal
from valuations.models import OrderStatus, ValuationReport

from .facts import DISPOSAL_CLOSED
from .models import PortfolioFact

ZERO = Value(0, output_field=DecimalField(max_digits=20, decimal_places=2))
NONE = Value(None, output_field=DecimalField())
OUTSTANDING = ExpressionWrapper(
    Coalesce(Sum("installments__principal"), ZERO) - Coalesce(Sum("installments__paid_principal"), ZERO),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def _flag(**condition):
    return Case(When(then=Value(True), **condition), default=Value(False), output_field=BooleanField())


def _grouped(qs, prefix, *raw, n=None, a=None, b=None):
    return (
        qs.values_list(f"{prefix}lender_id", f"{prefix}application__program_id", *raw)
        .annotate(n=n or Count("pk"), a=a or NONE, b=b or NONE)
        .order_by()
    )


def _graded(disbursed):
    grade = ValuationReport.objects.filter(
        order__application=OuterRef("application"), order__status=OrderStatus.ACCEPTED_BY_AGENCY
    ).order_by("-submitted_at")
    return disbursed.annotate(
        grade=Subquery(grade.values("technology_grade")[:1]), defaulted=_flag(defaulted_on__isnull=False)
    )


@dataclass(frozen=True)
class Measure:
    rows: object  # facilities -> grouped rows (lender, program, *raw, n, a, b)
    key: object = lambda *raw: list(raw)


def _live(facilities):
    return facilities.filter(status__in=LIVE)


def _disbursed(facilities):
    return facilities.exclude(disbursed_on__isnull=True)


def _closed(facilities):
    return Disposal.objects.filter(facility__in=facilities, status=DISPOSAL_CLOSED)


MEASURES = {
    "outstanding": Measure(
        lambda fs: _grouped(
            _live(fs), "", "application__program_id", "currency", n=Count("pk", distinct=True), a=OUTSTANDING
        )
    ),
    "bucket": Measure(lambda fs: _grouped(_live(fs), "", "dpd_bucket")),
    "disbursed": Measure(
        lambda fs: _grouped(
            _disbursed(fs).annotate(
                defaulted=_flag(defaulted_on__isnull=False),
                guaranteed=_flag(kind=ProgramKind.IP_GUARANTEED_LOAN),
                low=_flag(application__company__credit_grade__in=LOW_CREDIT_GRADES),
            ),
            "",
            "defaulted",
            "guaranteed",
            "low",
        )
    ),
    "claims": Measure(
        lambda fs: _grouped(Claim.objects.filter(facility__in=fs), "facility__", a=Sum("amount_paid"))
    ),
    "closed": Measure(
        lambda fs: _grouped(
            _closed(fs),
            "facility__",
            a=Sum(F("agency_share") + F("bank_share")),
            b=Sum("facility__exposure_at_default"),
        )
    ),
    "durations": Measure(
        lambda fs: _grouped(
            _closed(fs).filter(closed_on__isnull=False, facility__defaulted_on__isnull=False),
            "facility__",
            "closed_on",
            "facility__defaulted_on",
        ),
        lambda closed_on, defaulted_on: [(closed_on - defaulted_on).days],
    ),
    "grade": Measure(lambda fs: _grouped(_graded(_disbursed(fs)), "", "grade", "defaulted")),
    "leverage": Measure(
        lambda fs: _grouped(
            _live(fs).filter(kind=ProgramKind.IP_GUARANTEED_LOAN),
            "",
            "currency",
            "coverage_ratio",
            a=OUTSTANDING,
        ),
        lambda currency, coverage: [currency, str(coverage)],
    ),
}


class Facts(dict):
    """{measure: {key tuple: [n, a, b]}} summed over the groups, and the store's age (None: live)."""

    as_of: datetime | None = None

    def rows(self, measure):
        return [(key, *values) for key, values in self.get(measure, {}).items()]


def _add(target, key, n, a, b):
    totals = target.setdefault(key, [0, None, None])
    totals[0] += n
    if a is not None:
        totals[1] = (totals[1] or 0) + a
    if b is not None:
        totals[2] = (totals[2] or 0) + b


def _normalised(measure, rows):
    for lender, program, *raw, n, a, b in rows:
        yield lender, program, json.dumps(MEASURES[measure].key(*raw)), n, a, b


def live(facilities: QuerySet) -> Facts:
    facts = Facts()
    for measure, definition in MEASURES.items():
        for _lender, _program, key, n, a, b in _normalised(measure, definition.rows(facilities)):
            _add(facts.setdefault(measure, {}), tuple(json.loads(key)), n, a, b)
    return facts


def stored(facilities: QuerySet, as_of: datetime) -> Facts:
    """The stored groups of the (lender, program) pairs of ``facilities``, summed: one query."""
    visible = facilities.filter(
        lender_id=OuterRef("lender_id"), application__program_id=OuterRef("program_id")
    )
    facts = Facts()
    for measure, key, n, a, b in (
        PortfolioFact.objects.filter(Exists(visible.order_by().values("pk")))
        .values_list("measure", "key")
        .annotate(sn=Sum("n"), sa=Sum("a"), sb=Sum("b"))
        .order_by()
    ):
        _add(facts.setdefault(measure, {}), tuple(json.loads(key)), n, a, b)
    facts.as_of = as_of
    return facts


def refresh_portfolio() -> int:
    """Recompute the store from every facility (in the caller's transaction); the rows written."""
    rows = []
    for measure, definition in MEASURES.items():
        merged = {}
        for lender, program, key, n, a, b in _normalised(measure, definition.rows(Facility.objects.all())):
            _add(merged, (lender, program, key), n, a, b)
        rows += [
            PortfolioFact(measure=measure, lender_id=lender, program_id=program, key=key, n=n, a=a, b=b)
            for (lender, program, key), (n, a, b) in merged.items()
        ]
    with transaction.atomic():
        PortfolioFact.objects.all().delete()
        PortfolioFact.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
