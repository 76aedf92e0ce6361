"""Officials' program dashboard: is the public money reaching companies, and how fast?

Built as a report kind of the one reporting machinery: the same builder serves the live page, the downloads and
the monthly immutable snapshots. Every figure is computed from a constant number of queries.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import median

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import ExtractYear, TruncDate, TruncMonth
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from applications.models import LOW_CREDIT_GRADES, Application, StageSpan
from casework.models import Decision
from core.templatetags.ipfin_format import number
from facilities.models import Facility
from programs.models import MarketTarget, MarketVolume, Program, Stage
from recoveries.models import Claim, Disposal
from reporting.money import describe, rate_for
from reporting.registry import register
from valuations.models import OrderStatus, ValuationOrder, ValuationReport

STAGES_WITH_SLA = frozenset(Stage.values)

KIND = "program_dashboard"
# funnel stage -> the status whose entry counts a case as having reached it (from the cases' stage spans)
FUNNEL = [
    ("drafts", None),
    ("submitted", "submitted"),
    ("screened", "screening"),
    ("valued", "credit_review"),
    ("recommended", "recommended"),
    ("approved", "approved"),
    ("disbursed", None),
]
SIZE_BUCKETS = [(10, "1–10"), (50, "11–50"), (300, "51–300"), (None, "300+")]


def percentile(values, share):
    """Nearest-rank percentile (0 < share <= 1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def programs_in(scope):
    programs = Program.objects.select_related("agency")
    kind, _, value = scope.partition(":")
    if kind == "program":
        return programs.filter(code=value)
    if kind == "agency":
        return programs.filter(agency__short_code=value)
    if kind == "country":
        return programs.filter(country=value)
    return programs


def projection(volume_to_date, start_of_year, as_of, target):
    """Straight-line projection of the year's volume at the current pace, and whether it meets the target."""
    elapsed = (as_of - start_of_year).days + 1
    days = (date(start_of_year.year, 12, 31) - start_of_year).days + 1
    projected = (
        (Decimal(volume_to_date) * days / elapsed).quantize(Decimal("1")) if elapsed > 0 else Decimal(0)
    )
    return {
        "projected": projected,
        "target": Decimal(target),
        "meets_target": projected >= Decimal(target),
        "share_of_target": None if not target else (projected / Decimal(target)).quantize(Decimal("0.0001")),
    }


def market_projection(volumes, target, due, as_of):
    """The market's cumulative volume by ``as_of`` and where the recent pace takes it by ``due``.

    ``volumes`` are (period start, period end, amount) in one currency; only periods ended by ``as_of`` count. The pace
    is the volume per day of the whole periods that ended within a year of the latest statistic (a year's figure is
    never split), extended on a straight line from that statistic to ``due``. None without statistics.
    """
    known = sorted((v for v in volumes if v[1] <= as_of), key=lambda v: v[1])
    if not known:
        return None
    last = known[-1][1]
    recent = [(start, end, amount) for start, end, amount in known if end > last - timedelta(days=365)]
    per_day = Decimal(sum(a for _s, _e, a in recent)) / sum(
        (end - start).days + 1 for start, end, _a in recent
    )
    points, running = [], Decimal(0)
    for _start, end, amount in known:
        running += Decimal(amount)
        points.append((end, running))
    projected = (running + per_day * max((due - last).days, 0)).quantize(Decimal("1"))
    return {
        "cumulative": running,
        "as_of": last,
        "pace_per_year": (per_day * 365).quantize(Decimal("1")),
        "projected": projected,
        "target": Decimal(target),
        "due": due,
        "meets_target": projected >= target,
        "share_of_target": (projected / Decimal(target)).quantize(Decimal("0.0001")),
        "points": points,
    }


def _market(scope, programs, currency, period_end, used):
    """Tables, charts and flags of the national targets of the countries in ``scope`` (all, or one country)."""
    kind, _, value = scope.partition(":")
    if kind not in ("all", "country"):
        return [], [], []
    countries = {value} if kind == "country" else {p.country for p in programs}
    volumes = defaultdict(list)
    for row in MarketVolume.objects.filter(country__in=countries):
        volumes[row.country].append(row)
    tables, charts, flags, factors = [], [], [], {}

    def converted(amount, source):
        if source not in factors:
            factors[source] = _rate(source, currency, period_end, used)
        return amount * factors[source]

    for target in MarketTarget.objects.filter(country__in=countries):
        result = market_projection(
            [
                (v.period_start, v.period_end, converted(v.amount, v.currency))
                for v in volumes[target.country]
            ],
            converted(target.amount, target.currency),
            target.due,
            period_end,
        )
        if result is None:
            continue
        label = f"{target.name} ({currency})"
        tables.append(
            {
                "key": f"market_{target.pk}",
                "title": label,
                "columns": ["Up to", "Cumulative volume", "Note"],
                "rows": [[str(end), _s(total), ""] for end, total in result["points"]]
                + [
                    [
                        str(target.due),
                        _s(result["projected"]),
                        f"projected at {number(result['pace_per_year'])} a year (the pace of the latest year)",
                    ],
                    [str(target.due), _s(result["target"]), "target"],
                ],
            }
        )
        ends = [str(end) for end, _total in result["points"]]
        charts.append(
            {
                "type": "line",
                "title": {
                    "code": "dash.market_chart",
                    "params": {"market": target.name, "currency": currency},
                },
                "x": ends + [str(target.due)],
                "series": [
                    {"name": "Cumulative", "values": [_s(t) for _e, t in result["points"]] + [None]},
                    {
                        "name": "Projection",
                        "values": [None] * (len(ends) - 1)
                        + [_s(result["cumulative"]), _s(result["projected"])],
                    },
                    {"name": "Target", "values": [_s(result["target"])] * (len(ends) + 1)},
                ],
            }
        )
        if not result["meets_target"]:
            flags.append(
                {
                    "subject": target.name,
                    "code": "market_target",
                    "severity": "high",
                    "message": f"at the pace of the latest year {number(result['projected'])} by {target.due}, "
                    f"{result['share_of_target']:.0%} of the {number(result['target'])} targeted",
                }
            )
    return tables, charts, flags


def loan_size_buckets(amounts):
    """Counts of loans by order of magnitude (in the reporting currency), smallest first, from (amount, loans) pairs."""
    counts = Counter()
    for amount, loans in amounts:
        if amount <= 0:
            continue
        exponent = len(str(int(amount))) - 1
        counts[exponent] += loans
    return [(f"{10**e:,} – {10 ** (e + 1):,}", counts[e]) for e in sorted(counts)]


def _expand(pairs):
    """[(value, count)] -> the list of values, each repeated count times (for medians and percentiles)."""
    return [value for value, count in pairs for _ in range(count)]


def _by_program(rows, rate_of):
    """Sum {program_id: amount} rows converted to the reporting currency."""
    return sum(((amount or 0) * rate_of[program_id] for program_id, amount in rows), Decimal(0))


def _rate(source, currency, on, used):
    """The rate from ``source`` to ``currency`` on ``on`` (1 when they are the same); names it in ``used``."""
    row = rate_for(source, currency, on)
    if row is None:
        return Decimal(1)
    if describe(row) not in used:
        used.append(describe(row))
    return row.rate


def _rates(programs, currency, on):
    rates, used = {}, []
    for program in programs:
        if program.currency not in rates:
            rates[program.currency] = _rate(program.currency, currency, on, used)
    return rates, used


def _s(value):
    return None if value is None else f"{Decimal(value):.0f}"


def _r(value):
    return None if value is None else f"{Decimal(value):.4f}"


def build_dashboard(scope, period_start, period_end):
    """Every figure from grouped queries: the rows read grow with programs, months and distinct values, not cases."""
    currency = settings.REPORTING_CURRENCY
    programs = list(programs_in(scope))
    rates, used = _rates(programs, currency, period_end)
    rate_of = {p.pk: rates[p.currency] for p in programs}
    # the period's days in the agency's time zone, as a range of instants: the database can estimate and index it
    since = timezone.make_aware(datetime.combine(period_start, time.min))
    until = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))
    case_qs = Application.objects.filter(program__in=programs).filter(
        Q(submitted_at__gte=since, submitted_at__lt=until)
        | Q(status="draft", created_at__gte=since, created_at__lt=until)
    )
    ids = case_qs.values("pk")  # a subquery: the database joins, however many cases there are
    program_of = F("application__program_id")
    facilities = Facility.objects.filter(application_id__in=ids)
    disbursed = facilities.filter(disbursed_on__isnull=False)
    financed = case_qs.filter(status="approved")
    # Funnel: every case reached "drafts"; a stage counts the cases that entered its status (their stage spans)
    counts = case_qs.aggregate(
        cases=Count("pk"),
        companies=Count("company_id", distinct=True, filter=Q(status="approved")),
        low=Count(
            "company_id",
            distinct=True,
            filter=Q(status="approved", company__credit_grade__in=LOW_CREDIT_GRADES),
        ),
    )
    year_start = date(period_end.year, 1, 1)
    per_month = list(
        disbursed.values_list(program_of, TruncMonth("disbursed_on"))
        .annotate(
            n=Count("pk"),
            lending=Sum("principal"),
            ytd=Sum("principal", filter=Q(disbursed_on__gte=year_start, disbursed_on__lte=period_end)),
            subsidy=Sum("interest_subsidy"),
        )
        .order_by()
    )
    reached = Counter({"drafts": counts["cases"], "disbursed": sum(row[2] for row in per_month)})
    spans = StageSpan.objects.filter(application_id__in=ids)
    entered = {status: stage for stage, status in FUNNEL if status}
    for status, n in (
        spans.filter(stage__in=entered)
        .values_list("stage")
        .annotate(n=Count("application_id", distinct=True))
        .order_by()
    ):
        reached[entered[status]] = n
    funnel_rows, previous = [], None
    for stage, _action in FUNNEL:
        count = reached[stage]
        funnel_rows.append([stage, count, _r(Decimal(count) / previous) if previous else None])
        previous = count or None
    rejections = (
        Decision.objects.filter(application_id__in=ids, outcome="rejected")
        .values_list("reason_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason_code")
    )
    # Speed, in calendar days of the agency's time zone
    decided = list(
        case_qs.filter(decided_at__isnull=False, submitted_at__isnull=False)
        .values_list("program_id", TruncDate("submitted_at"), TruncDate("decided_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    to_decision = _expand(((end - start).days, n) for _program, start, end, n in decided)
    sla = {p.pk: sum((p.service_levels or {}).values()) for p in programs}
    with_sla = [(program, (end - start).days, n) for program, start, end, n in decided if sla.get(program)]
    total_with_sla = sum(n for *_rest, n in with_sla)
    within_share = (
        sum(n for program, days, n in with_sla if days <= sla[program]) / total_with_sla
        if total_with_sla
        else None
    )
    to_disbursement = _expand(
        ((paid - start).days, n)
        for paid, start, n in disbursed.filter(application__submitted_at__isnull=False)
        .values_list("disbursed_on", TruncDate("application__submitted_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    turnaround = [
        (report_at - order_created).days
        for order_created, report_at in ValuationReport.objects.filter(
            order__application_id__in=ids, version=1
        ).values_list("order__created_at", "submitted_at")
    ]
    days_by_stage = defaultdict(list)
    for stage, days, n in (
        spans.filter(days__isnull=False, stage__in=STAGES_WITH_SLA)
        .values_list("stage", "days")
        .annotate(n=Count("pk"))
        .order_by("stage", "days")
    ):
        days_by_stage[stage].append((days, n))
    stage_days = {stage: _expand(pairs) for stage, pairs in days_by_stage.items()}
    sla_by_stage = {
        stage: sorted({p.service_level_days(stage) for p in programs} - {None}) for stage in stage_days
    }
    # Volume (converted)
    approved_by_month, disbursed_by_month = defaultdict(Decimal), defaultdict(Decimal)
    for program_id, month, amount in (
        financed.filter(decided_at__isnull=False)
        .values_list("program_id", TruncMonth("decided_at"))
        .annotate(s=Sum("approved_amount"))
        .order_by()
    ):
        approved_by_month[month.strftime("%Y-%m")] += (amount or 0) * rate_of[program_id]
    for program_id, month, _n, amount, _ytd, _subsidy in per_month:
        disbursed_by_month[month.strftime("%Y-%m")] += amount * rate_of[program_id]
    months = sorted(set(approved_by_month) | set(disbursed_by_month))
    lending = sum(disbursed_by_month.values(), Decimal(0))
    ytd = _by_program(((row[0], row[4]) for row in per_month), rate_of)
    interest_subsidies = _by_program(((row[0], row[5]) for row in per_month), rate_of).quantize(Decimal("1"))
    target = sum((p.annual_volume_target * rate_of[p.pk] for p in programs), Decimal(0))
    proj = projection(ytd, year_start, period_end, target)
    # Reach (cases financed, by group; companies counted once)
    size_of = Case(
        *[When(company__employees__lte=limit, then=Value(label)) for limit, label in SIZE_BUCKETS if limit],
        default=Value(SIZE_BUCKETS[-1][1]),
    )
    sizes, sectors, regions = Counter(), Counter(), Counter()
    for size, sector, region, n in (
        financed.annotate(size=size_of)
        .values_list("size", "company__sector", "company__region")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        sizes[size] += n
        sectors[sector or "—"] += n
        regions[region or "—"] += n
    loan_sizes = loan_size_buckets(
        ((amount or 0) * rate_of[program_id], n)
        for program_id, amount, n in (
            financed.values_list("program_id", "approved_amount").annotate(n=Count("pk")).order_by()
        )
    )
    # Cost to the public
    valuation_subsidies = _by_program(
        ValuationOrder.objects.filter(application_id__in=ids, budget_drawn=True)
        .values_list("application__program_id")
        .annotate(s=Sum("subsidy"))
        .order_by(),
        rate_of,
    )
    claims_paid = _by_program(
        Claim.objects.filter(facility__application__in=ids, status="paid")
        .values_list("facility__application__program_id")
        .annotate(s=Sum("amount_paid"))
        .order_by(),
        rate_of,
    )
    closed = Disposal.objects.filter(facility__application__in=ids, status="closed")
    recovered = _by_program(
        closed.values_list("facility__application__program_id").annotate(s=Sum("agency_share")).order_by(),
        rate_of,
    )
    public_money = valuation_subsidies + interest_subsidies + claims_paid - recovered
    # Quality: default and recovery by the grade of the accepted valuation and by vintage
    grade = ValuationReport.objects.filter(
        order__application_id=OuterRef("application_id"), order__status=OrderStatus.ACCEPTED_BY_AGENCY
    ).order_by("-submitted_at")
    proceeds = (
        closed.filter(facility_id=OuterRef("pk"))
        .order_by()
        .values("facility_id")
        .annotate(s=Sum(F("agency_share") + F("bank_share")))  # recovered by the creditors, never the surplus
    )
    quality = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for graded, vintage, n, defaults, exposure, recovery in (
        disbursed.annotate(
            grade=Subquery(grade.values("technology_grade")[:1]),
            vintage=ExtractYear("disbursed_on"),
            recovery=Subquery(proceeds.values("s")),
        )
        .values_list("grade", "vintage")
        .annotate(
            n=Count("pk"),
            defaults=Count("pk", filter=Q(defaulted_on__isnull=False)),
            exposure=Sum("exposure_at_default", filter=Q(defaulted_on__isnull=False)),
            recovered=Sum("recovery", filter=Q(defaulted_on__isnull=False)),
        )
        .order_by()
    ):
        for key in (f"grade {graded or 'not graded'}", f"vintage {vintage}"):
            quality[key][0] += n
            quality[key][1] += defaults
            quality[key][2] += exposure or 0
            quality[key][3] += recovery or 0
    title = f"Program dashboard — {scope} — {period_start} to {period_end}"
    headline = [
        {"label": "Applications submitted", "value": reached["submitted"]},
        {"label": "Approved", "value": reached["approved"]},
        {
            "label": "Median days to decision (90th percentile)",
            "value": f"{median(to_decision):.0f} ({percentile(to_decision, 0.9)})" if to_decision else "—",
        },
        {
            "label": "Decided within the service level",
            "value": f"{within_share:.0%}" if within_share is not None else "—",
        },
        {
            "label": {"code": "dash.disbursed_this_year", "params": {"currency": currency}},
            "value": f"{ytd:,.0f}",
        },
        {
            "label": "Projected for the year at this pace",
            "value": f"{proj['projected']:,.0f} against a target of "
            f"{proj['target']:,.0f}"
            f" — {'on track' if proj['meets_target'] else 'short'}",
        },
        {
            "label": "Companies financed (share with low credit grades)",
            "value": f"{counts['companies']} ({counts['low'] / counts['companies']:.0%})"
            if counts["companies"]
            else "0",
        },
        {
            "label": "Lending mobilised per unit of public money",
            "value": f"{lending / public_money:.1f}" if public_money > 0 else "—",
        },
    ]
    flags = (
        []
        if proj["meets_target"] or not target
        else [
            {
                "subject": "Annual target",
                "code": "target",
                "severity": "high",
                "message": f"at the current pace {proj['projected']:,.0f} of {proj['target']:,.0f} ({proj['share_of_target']:.0%})",
            }
        ]
    )
    market_tables, market_charts, market_flags = _market(scope, programs, currency, period_end, used)
    flags += market_flags
    cumulative, running = [], Decimal(0)
    for month in months:
        running += disbursed_by_month.get(month, Decimal(0))
        cumulative.append(_s(running))
    data = {
        "scope": scope,
        "currency": currency,
        "rates": used,
        "headline": headline,
        "flags": flags,
        "figures": {
            "funnel": {stage: reached[stage] for stage, _ in FUNNEL},
            "ytd": _s(ytd),
            "projection": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in proj.items()},
            "median_days_to_decision": median(to_decision) if to_decision else None,
            "p90_days_to_decision": percentile(to_decision, 0.9) if to_decision else None,
            "lending": _s(lending),
            "public_money": _s(public_money),
        },
        "tables": [
            {
                "key": "funnel",
                "title": "Pipeline",
                "columns": ["Stage", "Cases", "Conversion from the stage before"],
                "formats": ["", "", "percent"],
                "rows": funnel_rows,
            },
            {
                "key": "rejections",
                "title": "Rejections by reason code",
                "columns": ["Reason", "Cases"],
                "rows": [[code, n] for code, n in rejections],
            },
            {
                "key": "speed",
                "title": "Speed (days)",
                "columns": ["Measure", "Median", "90th percentile", "Cases"],
                "rows": [
                    [
                        "submission → decision",
                        median(to_decision) if to_decision else None,
                        percentile(to_decision, 0.9) if to_decision else None,
                        len(to_decision),
                    ],
                    [
                        "submission → disbursement",
                        median(to_disbursement) if to_disbursement else None,
                        percentile(to_disbursement, 0.9) if to_disbursement else None,
                        len(to_disbursement),
                    ],
                    [
                        "valuation order → report",
                        median(turnaround) if turnaround else None,
                        percentile(turnaround, 0.9) if turnaround else None,
                        len(turnaround),
                    ],
                ],
            },
            {
                "key": "stages",
                "title": "Days per stage against the service level",
                "columns": [
                    "Stage",
                    "Median",
                    "90th percentile",
                    "Service level (days)",
                    "Share within",
                    "Cases",
                ],
                "formats": ["", "", "", "", "percent", ""],
                "rows": [
                    [
                        stage,
                        median(days),
                        percentile(days, 0.9),
                        "–".join(str(d) for d in sla_by_stage[stage]) or None,
                        _r(Decimal(sum(d <= max(sla_by_stage[stage]) for d in days)) / len(days))
                        if sla_by_stage[stage]
                        else None,
                        len(days),
                    ]
                    for stage, days in sorted(stage_days.items())
                ],
            },
            {
                "key": "loan_sizes",
                "title": {"code": "dash.loan_sizes", "params": {"currency": currency}},
                "columns": ["Size", "Loans"],
                "rows": [[label, n] for label, n in loan_sizes],
            },
            {
                "key": "volume",
                "title": {"code": "dash.volume", "params": {"currency": currency}},
                "columns": ["Month", "Approved", "Disbursed", "Cumulative disbursed"],
                "rows": [
                    [m, _s(approved_by_month.get(m, 0)), _s(disbursed_by_month.get(m, 0)), cumulative[i]]
                    for i, m in enumerate(months)
                ],
            },
            {
                "key": "reach",
                "title": "Reach",
                "columns": ["Group", "Companies financed"],
                "rows": [[f"size {k}", v] for k, v in sorted(sizes.items())]
                + [[f"sector {k}", v] for k, v in sorted(sectors.items())]
                + [[f"region {k}", v] for k, v in sorted(regions.items())],
            },
            {
                "key": "cost",
                "title": {"code": "dash.cost", "params": {"currency": currency}},
                "columns": ["Item", "Amount"],
                "rows": [
                    ["valuation subsidies", _s(valuation_subsidies)],
                    ["interest subsidies", _s(interest_subsidies)],
                    ["guarantee claims paid", _s(claims_paid)],
                    ["recovered by the agency", _s(recovered)],
                    ["net public money", _s(public_money)],
                    ["lending mobilised", _s(lending)],
                ],
            },
            {
                "key": "quality",
                "title": "Default and recovery",
                "columns": ["Group", "Facilities", "Defaulted", "Default rate", "Recovery rate"],
                "formats": ["", "", "", "percent", "percent"],
                "rows": [
                    [k, v[0], v[1], _r(Decimal(v[1]) / v[0]), _r(v[3] / v[2]) if v[2] else None]
                    for k, v in sorted(quality.items())
                ],
            },
            *market_tables,
        ],
        "charts": [
            {
                "type": "bar",
                "title": "Pipeline",
                "x": [s for s, _ in FUNNEL],
                "series": [{"name": "Cases", "values": [reached[s] for s, _ in FUNNEL]}],
            },
            {
                "type": "line",
                "title": {"code": "dash.cumulative_against_target", "params": {"currency": currency}},
                "x": months + ["year end"],
                "series": [
                    {"name": "Disbursed", "values": cumulative + [None]},
                    {"name": "Projection", "values": [None] * len(months) + [_s(proj["projected"])]},
                    {"name": "Target", "values": [_s(target)] * (len(months) + 1)},
                ],
            },
            *market_charts,
        ],
        "notes": [
            "Funnel stages count cases that entered the stage (each transition records the case's stays in its stages beside the audit log). Amounts converted at the "
            "rates named below; the projection extends the year's disbursements to date on a straight line. National "
            "targets are set on the whole market's cumulative volume (published statistics): its projection "
            "extends the pace of the latest year of statistics to the target date."
        ],
    }
    return title, data


def _scopes():
    return ["all"] + [f"program:{code}" for code in Program.objects.values_list("code", flat=True)]


def _audience():
    return User.objects.filter(is_active=True, memberships__role=Role.OFFICIAL).distinct()


def _scope_choices(user):
    """Every program (programs are public; the dashboard's readers are agency staff and officials)."""
    from django.utils.translation import gettext as _

    return [("all", _("All programs"))] + [
        (f"program:{code}", name)
        for code, name in Program.objects.order_by("name").values_list("code", "name")
    ]


register(KIND, scopes=_scopes, audience=_audience, choices=_scope_choices)(
    lambda scope, start, end: build_dashboard(scope, start, end)
)


def default_period(today):
    return today - timedelta(days=365), today
