"""The program dashboard's facts: grouped figures per program, case day and key, read live or from their store.

A case counts in the day of its submission (a draft never submitted: of its creation), in the agency's time zone.
Every figure of the dashboard is a sum over facts of one measure: ``(program, key) -> [n, a, b]``. The live path
groups the cases of a period as below; the stored path (``DashboardFact``, refreshed by beat) holds the same groups
per day, so that a period's figures are the sums of its days' rows: equal by construction, and
``tests/dashboards/test_facts.py`` compares both on generated data. Rows grow with programs, days and distinct keys,
not with cases. Companies financed (a distinct count, which no sum of days gives) have their own stores: financed
cases by day and by the day of their company's previous financed case, so that a period counts the cases that are
their company's first of the period, by the month of the previous case (``CompanyMonthFact``, bounded rows) and,
within the period's first month, by its day (``CompanyFact``).
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear, Lag, TruncDate, TruncMonth
from django.utils import timezone

from applications.models import LOW_CREDIT_GRADES, Application, StageSpan, Status
from casework.models import Decision
from facilities.models import Facility
from programs.models import Stage
from recoveries.models import Claim, ClaimStatus, Disposal
from valuations.models import OrderStatus, ValuationOrder, ValuationReport

from .models import CompanyFact, CompanyMonthFact, DashboardFact, DashboardRefresh

# Disposal.status has inline choices (open / awarded / closed), no enum yet
DISPOSAL_CLOSED = "closed"
DECISION_REJECTED = Status.REJECTED  # Decision.outcome shares the application's values
STAGES_WITH_SLA = frozenset(Stage.values)
# funnel stage -> the status whose entry counts a case as having reached it (from the cases' stage spans)
FUNNEL = [
    ("drafts", None),
    ("submitted", Status.SUBMITTED),
    ("screened", Status.SCREENING),
    ("valued", Status.CREDIT_REVIEW),
    ("recommended", Status.RECOMMENDED),
    ("approved", Status.APPROVED),
    ("disbursed", None),
]
ENTERED = {status: stage for stage, status in FUNNEL if status}
SIZE_BUCKETS = [(10, "1–10"), (50, "11–50"), (300, "51–300"), (None, "300+")]
# the CompanyFact column of the previous financed day that counts for a scope's programs (``program.programs_in``:
# one program, an agency's, a country's; any other scope reads every program)
PREVIOUS_FOR_SCOPE = {
    "program": "previous_in_program",
    "agency": "previous_in_agency",
    "country": "previous_in_country",
}
FACTS_VERSION = 4  # raise it whenever a measure or its key changes (a refresh of another version is not read)
NONE = Value(None, output_field=DecimalField())


def case_day(prefix=""):
    """The case's day: its submission's, or a never-submitted draft's creation (None for neither)."""
    return Case(
        When(**{f"{prefix}submitted_at__isnull": False}, then=TruncDate(f"{prefix}submitted_at")),
        When(**{f"{prefix}status": Status.DRAFT}, then=TruncDate(f"{prefix}created_at")),
        default=None,
        output_field=DateField(),
    )


def cases_in(programs, period_start: date, period_end: date) -> QuerySet:
    """The cases whose day falls in the period, as a range of instants the database can index."""
    since = timezone.make_aware(datetime.combine(period_start, time.min))
    until = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))
    return Application.objects.filter(program__in=programs).filter(
        Q(submitted_at__gte=since, submitted_at__lt=until)
        | Q(status=Status.DRAFT, submitted_at__isnull=True, created_at__gte=since, created_at__lt=until)
    )


@dataclass(frozen=True)
class Measure:
    """``rows(ids)`` -> tuples (program, day, *raw, n, a, b) of the cases ``ids``; ``key(day, *raw)`` -> a JSON list
    (what the figures need of the day, such as days from submission, goes into the key before the days are summed)."""

    rows: Callable[[QuerySet], QuerySet]
    key: Callable[..., list] = lambda _day, *raw: list(raw)


def _grouped(qs, prefix, *raw, n=None, a=None, b=None):
    """``qs`` grouped by program, case day and ``raw``, with its count ``n`` and sums ``a`` and ``b``."""
    return (
        qs.values_list(f"{prefix}program_id", case_day(prefix), *raw)
        .annotate(n=n or Count("pk"), a=a or NONE, b=b or NONE)
        .order_by()
    )


def _cases(ids):
    return Application.objects.filter(pk__in=ids)


def _financed(ids):
    return _cases(ids).filter(status=Status.APPROVED)


def _facilities(ids):
    return Facility.objects.filter(application_id__in=ids, disbursed_on__isnull=False)


SIZE_OF = Case(
    *[When(company__employees__lte=limit, then=Value(label)) for limit, label in SIZE_BUCKETS if limit],
    default=Value(SIZE_BUCKETS[-1][1]),
)
LOW = Case(
    When(company__credit_grade__in=LOW_CREDIT_GRADES, then=Value(True)),
    default=Value(False),
    output_field=BooleanField(),
)
SUBMITTED = Case(
    When(application__submitted_at__isnull=False, then=Value(True)),
    default=Value(False),
    output_field=BooleanField(),
)
DEFAULTED = Case(
    When(defaulted_on__isnull=False, then=Value(True)), default=Value(False), output_field=BooleanField()
)


def _quality_rows(ids):
    grade = ValuationReport.objects.filter(
        order__application_id=OuterRef("application_id"), order__status=OrderStatus.ACCEPTED_BY_AGENCY
    ).order_by("-submitted_at")
    proceeds = (  # recovered by the creditors, never the surplus
        Disposal.objects.filter(facility_id=OuterRef("pk"), status=DISPOSAL_CLOSED)
        .order_by()
        .values("facility_id")
        .annotate(s=Sum(F("agency_share") + F("bank_share")))
    )
    annotated = _facilities(ids).annotate(
        grade=Subquery(grade.values("technology_grade")[:1]),
        vintage=ExtractYear("disbursed_on"),
        recovery=Subquery(proceeds.values("s")),
        defaulted=DEFAULTED,
    )
    return _grouped(
        annotated,
        "application__",
        "grade",
        "vintage",
        "defaulted",
        a=Sum("exposure_at_default"),
        b=Sum("recovery"),
    )


def _loan_size(amount, currency):
    """A loan's key for its order of magnitude: ["e", exponent] in the reporting currency itself (no conversion can
    move it), else ["a", amount] (the period's rate decides)."""
    if currency != settings.REPORTING_CURRENCY:
        return ["a", None if amount is None else str(amount)]
    return ["e", len(str(int(amount))) - 1 if amount and amount > 0 else None]


def _iso(value):
    return value.isoformat() if value else None


MEASURES = {
    "cases": Measure(lambda ids: _grouped(_cases(ids), "")),
    "disbursed": Measure(
        lambda ids: _grouped(
            _facilities(ids).annotate(submitted=SUBMITTED),
            "application__",
            "disbursed_on",
            "submitted",
            a=Sum("principal"),
            b=Sum("interest_subsidy"),
        ),
        lambda day, paid, submitted: [_iso(paid), (paid - day).days if submitted else None],
    ),
    "reached": Measure(
        lambda ids: _grouped(
            StageSpan.objects.filter(application_id__in=ids, stage__in=ENTERED),
            "application__",
            "stage",
            n=Count("application_id", distinct=True),
        )
    ),
    "rejections": Measure(
        lambda ids: _grouped(
            Decision.objects.filter(application_id__in=ids, outcome=DECISION_REJECTED),
            "application__",
            "reason_code",
        )
    ),
    "decided": Measure(
        lambda ids: _grouped(
            _cases(ids).filter(decided_at__isnull=False, submitted_at__isnull=False),
            "",
            TruncDate("decided_at"),
        ),
        lambda day, decided: [(decided - day).days],
    ),
    "turnaround": Measure(
        lambda ids: _grouped(
            ValuationReport.objects.filter(order__application_id__in=ids, version=1),
            "order__application__",
            "order__created_at",
            "submitted_at",
        ),
        lambda _day, ordered, reported: [(reported - ordered).days],
    ),
    "stage_days": Measure(
        lambda ids: _grouped(
            StageSpan.objects.filter(application_id__in=ids, days__isnull=False, stage__in=STAGES_WITH_SLA),
            "application__",
            "stage",
            "days",
        )
    ),
    "approved": Measure(
        lambda ids: _grouped(
            _financed(ids).filter(decided_at__isnull=False),
            "",
            TruncMonth("decided_at"),
            a=Sum("approved_amount"),
        ),
        lambda _day, month: [month.strftime("%Y-%m")],
    ),
    "reach": Measure(
        lambda ids: _grouped(
            _financed(ids).annotate(size=SIZE_OF), "", "size", "company__sector", "company__region"
        )
    ),
    "loan_sizes": Measure(
        lambda ids: _grouped(_financed(ids), "", "approved_amount", "program__currency"),
        lambda _day, amount, currency: _loan_size(amount, currency),
    ),
    "valuation_subsidy": Measure(
        lambda ids: _grouped(
            ValuationOrder.objects.filter(application_id__in=ids, budget_drawn=True),
            "application__",
            a=Sum("subsidy"),
        )
    ),
    "claims_paid": Measure(
        lambda ids: _grouped(
            Claim.objects.filter(facility__application__in=ids, status=ClaimStatus.PAID),
            "facility__application__",
            a=Sum("amount_paid"),
        )
    ),
    "recovered": Measure(
        lambda ids: _grouped(
            Disposal.objects.filter(facility__application__in=ids, status=DISPOSAL_CLOSED),
            "facility__application__",
            a=Sum("agency_share"),
        )
    ),
    "quality": Measure(_quality_rows),
}


class Facts(dict):
    """{measure: {(program, key tuple): [n, a, b]}} plus the distinct companies financed and the store's age."""

    companies: int = 0
    low_companies: int = 0
    as_of: datetime | None = None

    def rows(self, measure):
        """[(program, key, n, a, b)] of ``measure``."""
        return [(program, key, *values) for (program, key), values in self.get(measure, {}).items()]


def _add(target, key, n, a, b):
    totals = target.setdefault(key, [0, None, None])
    totals[0] += n
    if a is not None:
        totals[1] = (totals[1] or 0) + a
    if b is not None:
        totals[2] = (totals[2] or 0) + b


def _normalised(measure, rows):
    """(program, day, key JSON, n, a, b) of a measure's grouped rows, with its key made JSON (tuple of JSON values)."""
    for program, day, *raw, n, a, b in rows:
        if day is not None:
            yield program, day, json.dumps(MEASURES[measure].key(day, *raw)), n, a, b


def _financed_companies(ids) -> tuple[int, int]:
    """The distinct companies of the cases ``ids`` financed, and of those the ones with a low credit grade."""
    counted = _financed(ids).aggregate(
        companies=Count("company_id", distinct=True),
        low=Count("company_id", distinct=True, filter=Q(company__credit_grade__in=LOW_CREDIT_GRADES)),
    )
    return counted["companies"], counted["low"]


def live(programs, period_start: date, period_end: date) -> Facts:
    """The facts of the cases of ``programs`` in the period, read from the cases themselves."""
    ids = cases_in(programs, period_start, period_end).values(
        "pk"
    )  # a subquery, however many cases there are
    facts = Facts()
    for measure, definition in MEASURES.items():
        for program, _day, key, n, a, b in _normalised(measure, definition.rows(ids)):
            _add(facts.setdefault(measure, {}), (program, tuple(json.loads(key))), n, a, b)
    facts.companies, facts.low_companies = _financed_companies(ids)
    return facts


def latest_refresh() -> DashboardRefresh | None:
    """The last refresh made by this version of the facts for the reporting currency and time zone in force (None:
    none usable)."""
    return (
        DashboardRefresh.objects.filter(
            currency=settings.REPORTING_CURRENCY,
            time_zone=timezone.get_current_timezone_name(),
            version=FACTS_VERSION,
        )
        .order_by("-finished_at")
        .first()
    )


def _sums(store, condition: Q) -> tuple[int, int]:
    """Σ n of the rows of ``store`` under ``condition``, and of those with a low grade."""
    counted = store.objects.filter(condition).aggregate(
        companies=Coalesce(Sum("n"), 0), low=Coalesce(Sum("n", filter=Q(low=True)), 0)
    )
    return counted["companies"], counted["low"]


def _stored_companies(programs, period_start: date, period_end: date, scope: str) -> tuple[int, int]:
    """The companies financed in the period (all, low grade): the financed cases of the period that are their
    company's first of the period among the scope's programs, i.e. whose previous financed day is before the period.
    Those whose previous one is in an earlier month are counted by month (``CompanyMonthFact``, bounded rows), those
    whose previous one is in the period's first month, before its start, by their exact day (``CompanyFact``)."""
    previous = PREVIOUS_FOR_SCOPE.get(scope.partition(":")[0], "previous")
    month = period_start.replace(day=1)
    period = Q(program__in=programs, day__range=(period_start, period_end))
    earlier = Q(**{f"{previous}__lt": month}) | Q(**{f"{previous}__isnull": True})
    companies, low = _sums(CompanyMonthFact, period & earlier)
    if month < period_start:
        days, low_days = _sums(
            CompanyFact, period & Q(**{f"{previous}__gte": month, f"{previous}__lt": period_start})
        )
        companies, low = companies + days, low + low_days
    return companies, low


def stored(programs, period_start: date, period_end: date, refresh: DashboardRefresh, *, scope: str) -> Facts:
    """The same facts summed from the store's days: one grouped query and one sum of first financed cases.
    ``programs`` are those of ``scope`` (``program.programs_in``), whose kind says which previous day counts."""
    facts = Facts()
    grouped = (
        DashboardFact.objects.filter(program__in=programs, day__range=(period_start, period_end))
        .values_list("measure", "program_id", "key")
        .annotate(sn=Sum("n"), sa=Sum("a"), sb=Sum("b"))
        .order_by()
    )
    for measure, program, key, n, a, b in grouped:
        _add(facts.setdefault(measure, {}), (program, tuple(json.loads(key))), n, a, b)
    facts.companies, facts.low_companies = _stored_companies(programs, period_start, period_end, scope)
    facts.as_of = refresh.finished_at
    return facts


def _day_rows(ids) -> Iterable[DashboardFact]:
    """Every measure's rows per program, day and key (a raw key that normalises alike is summed into one row)."""
    for measure, definition in MEASURES.items():
        merged = {}
        for program, day, key, n, a, b in _normalised(measure, definition.rows(ids)):
            _add(merged, (program, day, key), n, a, b)
        for (program, day, key), (n, a, b) in merged.items():
            yield DashboardFact(measure=measure, program_id=program, day=day, key=key, n=n, a=a, b=b)


def _previous(*partition):
    """The day of the previous financed case of the same company (and ``partition``): None for its first."""
    return Window(
        Lag("day"), partition_by=[F("company_id"), *partition], order_by=[F("day").asc(), F("pk").asc()]
    )


COMPANY_COLUMNS = ["program_id", "day", "low", "previous", "previous_in_program", "previous_in_agency"]
COMPANY_COLUMNS += ["previous_in_country"]


def _insert(store, query: QuerySet, columns: list[str]) -> None:
    """``INSERT INTO store (COMPANY_COLUMNS, n) SELECT columns, Σ n FROM (query) GROUP BY columns``, in their order
    (program and day first: a period's rows lie together)."""
    inner, params = query.query.sql_with_params()
    quoted = connection.ops.quote_name
    names, into = ", ".join(map(quoted, columns)), ", ".join(map(quoted, COMPANY_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted(store._meta.db_table)} ({into}, n) SELECT {names}, SUM(n) "
            f"FROM ({inner}) grouped GROUP BY {names} ORDER BY {names}",
            params,
        )


def refresh_companies() -> int:
    """Recompute ``CompanyFact`` from the financed cases, and ``CompanyMonthFact`` from it, in the database itself
    (in the caller's transaction): ``INSERT … SELECT``; the rows written."""
    CompanyFact.objects.all().delete()
    CompanyMonthFact.objects.all().delete()
    financed = (
        Application.objects.filter(status=Status.APPROVED)
        .annotate(day=case_day())
        .filter(day__isnull=False)
        .annotate(
            low=LOW,
            previous=_previous(),
            previous_in_program=_previous(F("program_id")),
            previous_in_agency=_previous(F("program__agency_id")),
            previous_in_country=_previous(F("program__country")),
            n=Value(1),
        )
        .values(*COMPANY_COLUMNS, "n")
    )
    _insert(CompanyFact, financed, COMPANY_COLUMNS)
    months = {f"month{i}": TruncMonth(column) for i, column in enumerate(COMPANY_COLUMNS[3:])}
    by_month = CompanyFact.objects.annotate(**months).values(*COMPANY_COLUMNS[:3], *months, "n")
    _insert(CompanyMonthFact, by_month, COMPANY_COLUMNS[:3] + list(months))
    return CompanyFact.objects.count() + CompanyMonthFact.objects.count()


def _analyze(*models) -> None:
    """PostgreSQL's statistics of the stores taken anew (in the transaction, so of the rows just written): the first
    pages read after a refresh are planned for the rows they read, not for an empty or a deleted table."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            )


def refresh_facts(*, batch: int = 5000) -> DashboardRefresh:
    """Recompute the dashboard's and the portfolio's stores in one transaction (readers see the old rows until it
    commits)."""
    started = timezone.now()
    ids = Application.objects.values("pk")
    from .portfolio_facts import refresh_portfolio

    with transaction.atomic():
        DashboardFact.objects.all().delete()
        rows = 0
        facts = _day_rows(ids)
        while chunk := list(
            islice(facts, batch)
        ):  # in batches: at 10x the rows would not fit a worker at once
            rows += len(DashboardFact.objects.bulk_create(chunk))
        rows += refresh_companies() + refresh_portfolio()
        _analyze(DashboardFact, CompanyFact, CompanyMonthFact)
        DashboardRefresh.objects.all().delete()
        return DashboardRefresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            rows=rows,
            currency=settings.REPORTING_CURRENCY,
            time_zone=timezone.get_current_timezone_name(),
            version=FACTS_VERSION,
        )
