"""Officials' program dashboard: is the public money reaching companies, and how fast?

Built as a report kind of the one reporting machinery: the same builder serves the live page, the downloads and
the monthly immutable snapshots. Every figure is a sum over the facts of ``dashboards.facts``: read from the store
that beat refreshes (the page says as of when), or from the cases themselves; a constant number of queries either way.
"""

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from django.conf import settings

from accounts.models import User
from accounts.roles import AGENCY_ROLES, OrganizationKind, Role
from programs.models import Program
from reporting.money import describe, rate_for
from reporting.registry import register

from . import facts as fact_source
from .facts import FUNNEL, SIZE_BUCKETS, STAGES_WITH_SLA  # noqa: F401  (names the dashboard's readers import)
from .market import market, market_projection  # noqa: F401

KIND = "program_dashboard"
NOTE = (
    "note.program_dashboard"  # its words: reporting.labels (a stored snapshot keeps codes, never sentences)
)


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


def loan_size_buckets(amounts):
    """Counts of loans by order of magnitude (in the reporting currency), smallest first, from (amount, loans) pairs."""
    counts = Counter()
    for amount, loans in amounts:
        if amount <= 0:
            continue
        exponent = len(str(int(amount))) - 1
        counts[exponent] += loans
    return [(f"{10**e:,} – {10 ** (e + 1):,}", counts[e]) for e in sorted(counts)]


class Spread:
    """The values of (value, count) pairs, each repeated count times, read without writing them out (a period's
    facts count days of hundreds of thousands of cases in a few hundred pairs): ``median`` is
    ``statistics.median`` of the repeated values, ``percentile`` the module's nearest-rank ``percentile``."""

    def __init__(self, pairs):
        counts = Counter()
        for value, count in pairs:
            counts[value] += count
        self.values = sorted(value for value, count in counts.items() if count)
        self.ends = list(accumulate(counts[value] for value in self.values))  # the last rank of each value

    def __len__(self):
        return self.ends[-1] if self.ends else 0

    def at(self, rank):
        """The value of 1-based ``rank`` in ascending order."""
        return self.values[bisect_left(self.ends, rank)]

    def median(self):
        half = len(self) // 2
        return self.at(half + 1) if len(self) % 2 else (self.at(half) + self.at(half + 1)) / 2

    def percentile(self, share):
        return self.at(int(max(1, -(-len(self) * share // 1))))

    def at_most(self, limit):
        """How many values are ``<= limit``."""
        below = bisect_right(self.values, limit)
        return self.ends[below - 1] if below else 0


def _s(value):
    return None if value is None else f"{Decimal(value):.0f}"


def _r(value):
    return None if value is None else f"{Decimal(value):.4f}"


class Converter:
    """Amounts of a program's (or a statistic's) currency in the reporting currency, at the rate on ``on``; the rates
    used are named, once each, in the order first used."""

    def __init__(self, currency, on):
        self.currency, self.on, self.used, self.factors = currency, on, [], {}

    def rate(self, source):
        if source not in self.factors:
            row = rate_for(source, self.currency, self.on)
            self.factors[source] = Decimal(1) if row is None else row.rate
            if row is not None and describe(row) not in self.used:
                self.used.append(describe(row))
        return self.factors[source]

    def __call__(self, amount, source):
        return amount * self.rate(source)


def _sum(rows, rate_of, field=3):
    """Σ of the ``field`` (3: a, 4: b) of fact rows, each converted at its program's rate."""
    return sum(((row[field] or 0) * rate_of[row[0]] for row in rows), Decimal(0))


def _spread(values: Spread):
    """Median, 90th percentile and count (None for no values)."""
    return [values.median() if values else None, values.percentile(0.9) if values else None, len(values)]


def funnel(facts):
    """Cases that reached each stage, the conversion from the stage before, and the rejections by reason."""
    reached = Counter({"drafts": sum(n for *_k, n, _a, _b in facts.rows("cases"))})
    reached["disbursed"] = sum(n for *_k, n, _a, _b in facts.rows("disbursed"))
    for _program, (status,), n, _a, _b in facts.rows("reached"):
        reached[fact_source.ENTERED[status]] += n
    rows, previous = [], None
    for stage, _status in FUNNEL:
        rows.append([stage, reached[stage], _r(Decimal(reached[stage]) / previous) if previous else None])
        previous = reached[stage] or None
    rejections = Counter()
    for _program, (code,), n, _a, _b in facts.rows("rejections"):
        rejections[code] += n
    return {
        "reached": reached,
        "table": {
            "key": "funnel",
            "title": "Pipeline",
            "columns": ["Stage", "Cases", "Conversion from the stage before"],
            "formats": ["", "", "percent"],
            "rows": rows,
        },
        "rejections": {
            "key": "rejections",
            "title": "Rejections by reason code",
            "columns": ["Reason", "Cases"],
            "rows": [
                [code, n] for code, n in sorted(rejections.items(), key=lambda item: (-item[1], item[0]))
            ],
        },
    }


def _within_service_level(decided, programs):
    """Share of decided cases of programs with service levels decided within their total (None: no such case)."""
    sla = {p.pk: sum((p.service_levels or {}).values()) for p in programs}
    with_sla = [(program, days, n) for program, (days,), n, _a, _b in decided if sla.get(program)]
    total = sum(n for *_rest, n in with_sla)
    return sum(n for program, days, n in with_sla if days <= sla[program]) / total if total else None


def _stage_rows(facts, programs):
    days_by_stage = defaultdict(list)
    for _program, (stage, days), n, _a, _b in facts.rows("stage_days"):
        days_by_stage[stage].append((days, n))
    rows = []
    for stage, pairs in sorted(days_by_stage.items()):
        days = Spread(pairs)
        levels = sorted({p.service_level_days(stage) for p in programs} - {None})
        within = _r(Decimal(days.at_most(max(levels))) / len(days)) if levels else None
        rows.append(
            [
                stage,
                days.median(),
                days.percentile(0.9),
                "–".join(map(str, levels)) or None,
                within,
                len(days),
            ]
        )
    return rows


def speed(facts, programs):
    """Days from submission to decision and to disbursement, valuation turnaround, days per stage (calendar days of
    the agency's time zone)."""
    decided = facts.rows("decided")
    to_decision = Spread((days, n) for _p, (days,), n, _a, _b in decided)
    to_disbursement = Spread(
        (days, n) for _p, (_paid, days), n, _a, _b in facts.rows("disbursed") if days is not None
    )
    turnaround = Spread((days, n) for _p, (days,), n, _a, _b in facts.rows("turnaround"))
    return {
        "to_decision": to_decision,
        "within_share": _within_service_level(decided, programs),
        "table": {
            "key": "speed",
            "title": "Speed (days)",
            "columns": ["Measure", "Median", "90th percentile", "Cases"],
            "rows": [
                ["submission → decision", *_spread(to_decision)],
                ["submission → disbursement", *_spread(to_disbursement)],
                ["valuation order → report", *_spread(turnaround)],
            ],
        },
        "stages": {
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
            "rows": _stage_rows(facts, programs),
        },
    }


def _monthly(facts, rate_of):
    approved, disbursed = defaultdict(Decimal), defaultdict(Decimal)
    for program, (month,), _n, amount, _b in facts.rows("approved"):
        approved[month] += (amount or 0) * rate_of[program]
    for program, (paid, _days), _n, amount, _b in facts.rows("disbursed"):
        disbursed[paid[:7]] += amount * rate_of[program]
    return approved, disbursed


def volume(facts, programs, rate_of, period_end, currency):
    """Approved and disbursed by month (converted), the year to date and its straight-line projection."""
    approved, disbursed = _monthly(facts, rate_of)
    months = sorted(set(approved) | set(disbursed))
    year_start = date(period_end.year, 1, 1)
    this_year = [
        row
        for row in facts.rows("disbursed")
        if year_start.isoformat() <= row[1][0] <= period_end.isoformat()
    ]
    ytd = _sum(this_year, rate_of)
    target = sum((p.annual_volume_target * rate_of[p.pk] for p in programs), Decimal(0))
    cumulative, running = [], Decimal(0)
    for month in months:
        running += disbursed.get(month, Decimal(0))
        cumulative.append(_s(running))
    rows = [[m, _s(approved.get(m, 0)), _s(disbursed.get(m, 0)), cumulative[i]] for i, m in enumerate(months)]
    return {
        "ytd": ytd,
        "target": target,
        "lending": sum(disbursed.values(), Decimal(0)),
        "subsidies": _sum(facts.rows("disbursed"), rate_of, field=4).quantize(Decimal("1")),
        "projection": projection(ytd, year_start, period_end, target),
        "months": months,
        "cumulative": cumulative,
        "table": {
            "key": "volume",
            "title": {"code": "dash.volume", "params": {"currency": currency}},
            "columns": ["Month", "Approved", "Disbursed", "Cumulative disbursed"],
            "formats": ["text", "money", "money", "money"],
            "rows": rows,
        },
    }


def _loan_amount(kind, value):
    """An amount of the loan-size key's order of magnitude (["e", exponent]: already in the reporting currency)."""
    if kind == "e":
        return Decimal(0) if value is None else Decimal(10) ** value
    return Decimal(value or 0)


def _group(code, value):
    """A group of a table (a size, sector, region, grade or vintage) as a code with its value: words when read."""
    return {"code": code, "params": {"value": value}}


def _quality_group(key):
    kind, _, value = key.partition(" ")
    if kind == "grade" and value == "not graded":
        return {"code": "quality.not_graded"}
    return _group(f"quality.{kind}", value)


def reach(facts, rate_of, currency):
    """Cases financed by company size, sector and region, and loans by order of magnitude."""
    sizes, sectors, regions = Counter(), Counter(), Counter()
    for _program, (size, sector, region), n, _a, _b in facts.rows("reach"):
        sizes[size] += n
        sectors[sector or "—"] += n
        regions[region or "—"] += n
    amounts = (
        (_loan_amount(kind, value) * rate_of[program], n)
        for program, (kind, value), n, _a, _b in facts.rows("loan_sizes")
    )
    return {
        "loan_sizes": {
            "key": "loan_sizes",
            "title": {"code": "dash.loan_sizes", "params": {"currency": currency}},
            "columns": ["Size", "Loans"],
            "rows": [[label, n] for label, n in loan_size_buckets(amounts)],
        },
        "table": {
            "key": "reach",
            "title": "Reach",
            "columns": ["Group", "Companies financed"],
            "rows": [[_group("reach.size", k), v] for k, v in sorted(sizes.items())]
            + [[_group("reach.sector", k), v] for k, v in sorted(sectors.items())]
            + [[_group("reach.region", k), v] for k, v in sorted(regions.items())],
        },
    }


def cost(facts, rate_of, volumes, currency):
    """Public money spent (valuation and interest subsidies, claims paid, less what the agency recovered)."""
    valuation = _sum(facts.rows("valuation_subsidy"), rate_of)
    claims = _sum(facts.rows("claims_paid"), rate_of)
    recovered = _sum(facts.rows("recovered"), rate_of)
    public_money = valuation + volumes["subsidies"] + claims - recovered
    items = [
        ["valuation subsidies", valuation],
        ["interest subsidies", volumes["subsidies"]],
        ["guarantee claims paid", claims],
        ["recovered by the agency", recovered],
        ["net public money", public_money],
        ["lending mobilised", volumes["lending"]],
    ]
    return {
        "public_money": public_money,
        "table": {
            "key": "cost",
            "title": {"code": "dash.cost", "params": {"currency": currency}},
            "columns": ["Item", "Amount"],
            "formats": ["text", "money"],
            "rows": [[label, _s(amount)] for label, amount in items],
        },
    }


def quality(facts):
    """Default and recovery rates by the grade of the accepted valuation and by vintage."""
    groups = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for _program, (grade, vintage, defaulted), n, exposure, recovery in facts.rows("quality"):
        for key in (f"grade {grade or 'not graded'}", f"vintage {vintage}"):
            groups[key][0] += n
            if defaulted:
                groups[key][1] += n
                groups[key][2] += exposure or 0
                groups[key][3] += recovery or 0
    return {
        "key": "quality",
        "title": "Default and recovery",
        "columns": ["Group", "Facilities", "Defaulted", "Default rate", "Recovery rate"],
        "formats": ["", "", "", "percent", "percent"],
        "rows": [
            [_quality_group(k), v[0], v[1], _r(Decimal(v[1]) / v[0]), _r(v[3] / v[2]) if v[2] else None]
            for k, v in sorted(groups.items())
        ],
    }


def _headline(parts, facts, currency):
    reached, to_decision, proj = (
        parts["funnel"]["reached"],
        parts["speed"]["to_decision"],
        parts["volume"]["projection"],
    )
    within, lending, public_money = (
        parts["speed"]["within_share"],
        parts["volume"]["lending"],
        parts["cost"]["public_money"],
    )
    decision = f"{to_decision.median():.0f} ({to_decision.percentile(0.9)})" if to_decision else "—"
    companies = f"{facts.companies} ({facts.low_companies / facts.companies:.0%})" if facts.companies else "0"
    pace = {
        "code": "dash.pace.on_track" if proj["meets_target"] else "dash.pace.short",
        "params": {"projected": f"{proj['projected']:,.0f}", "target": f"{proj['target']:,.0f}"},
    }
    return [
        {"label": "Applications submitted", "value": reached["submitted"]},
        {"label": "Approved", "value": reached["approved"]},
        {"label": "Median days to decision (90th percentile)", "value": decision},
        {
            "label": "Decided within the service level",
            "value": f"{within:.0%}" if within is not None else "—",
        },
        {
            "label": {"code": "dash.disbursed_this_year", "params": {"currency": currency}},
            "value": f"{parts['volume']['ytd']:,.0f}",
        },
        {
            "label": "Projected for the year at this pace",
            "value": pace,
        },
        {"label": "Companies financed (share with low credit grades)", "value": companies},
        {
            "label": "Lending mobilised per unit of public money",
            "value": f"{lending / public_money:.1f}" if public_money > 0 else "—",
        },
    ]


def _target_flags(volumes):
    proj = volumes["projection"]
    if proj["meets_target"] or not volumes["target"]:
        return []
    params = {
        "projected": f"{proj['projected']:,.0f}",
        "target": f"{proj['target']:,.0f}",
        "share": f"{proj['share_of_target']:.0%}",
    }
    return [{"subject": "Annual target", "code": "flag.annual_target", "severity": "high", "params": params}]


def _charts(parts, currency):
    reached, volumes = parts["funnel"]["reached"], parts["volume"]
    months, cumulative = volumes["months"], volumes["cumulative"]
    return [
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
                {
                    "name": "Projection",
                    "values": [None] * len(months) + [_s(volumes["projection"]["projected"])],
                },
                {"name": "Target", "values": [_s(volumes["target"])] * (len(months) + 1)},
            ],
        },
    ]


def _figures(parts, to_decision):
    volumes = parts["volume"]
    return {
        "funnel": {stage: parts["funnel"]["reached"][stage] for stage, _ in FUNNEL},
        "ytd": _s(volumes["ytd"]),
        "projection": {
            k: (str(v) if isinstance(v, Decimal) else v) for k, v in volumes["projection"].items()
        },
        "median_days_to_decision": to_decision.median() if to_decision else None,
        "p90_days_to_decision": to_decision.percentile(0.9) if to_decision else None,
        "lending": _s(volumes["lending"]),
        "public_money": _s(parts["cost"]["public_money"]),
    }


def _facts(scope, programs, period_start, period_end, source):
    """The facts of the period: from the store when it has been refreshed (``source`` "auto" or "stored"), else live."""
    refresh = fact_source.latest_refresh() if source != "live" else None
    if refresh is None:
        return fact_source.live(programs, period_start, period_end)
    return fact_source.stored(programs, period_start, period_end, refresh, scope=scope)


def _parts(facts, programs, convert, period_end):
    rate_of = {p.pk: convert.rate(p.currency) for p in programs}
    currency = convert.currency
    parts = {
        "funnel": funnel(facts),
        "speed": speed(facts, programs),
        "reach": reach(facts, rate_of, currency),
    }
    parts["volume"] = volume(facts, programs, rate_of, period_end, currency)
    parts["cost"] = cost(facts, rate_of, parts["volume"], currency)
    parts["quality"] = quality(facts)
    return parts


def build_dashboard(scope, period_start, period_end, *, source="auto"):
    """(title, data) of the dashboard of ``scope`` over the period; every figure from the facts of its cases."""
    currency = settings.REPORTING_CURRENCY
    programs = list(programs_in(scope))
    convert = Converter(currency, period_end)
    facts = _facts(scope, programs, period_start, period_end, source)
    parts = _parts(facts, programs, convert, period_end)
    market_tables, market_charts, market_flags = market(scope, programs, period_end, convert)
    funnel_part, speed_part = parts["funnel"], parts["speed"]
    tables = [funnel_part["table"], funnel_part["rejections"], speed_part["table"], speed_part["stages"]]
    tables += [parts["reach"]["loan_sizes"], parts["volume"]["table"], parts["reach"]["table"]]
    tables += [parts["cost"]["table"], parts["quality"], *market_tables]
    data = {
        "scope": scope,
        "currency": currency,
        "rates": convert.used,
        "as_of": facts.as_of.isoformat() if facts.as_of else None,
        "headline": _headline(parts, facts, currency),
        "flags": _target_flags(parts["volume"]) + market_flags,
        "figures": _figures(parts, speed_part["to_decision"]),
        "tables": tables,
        "charts": _charts(parts, currency) + market_charts,
        "notes": [NOTE],
    }
    dates = {"start": str(period_start), "end": str(period_end)}
    if scope == "all":
        data["title"] = {"code": "title.program_dashboard.all", "params": dates}
    else:
        data["title"] = {"code": "title.program_dashboard", "params": {"scope": scope, **dates}}
    return f"Program dashboard — {scope} — {period_start} to {period_end}", data


def _scopes():
    return ["all"] + [f"program:{code}" for code in Program.objects.values_list("code", flat=True)]


def _audience():
    return User.objects.filter(is_active=True, memberships__role=Role.OFFICIAL).distinct()


def dashboard_scopes_for(user) -> list[tuple[str, str]]:
    """[(scope, label)] of the dashboards ``user`` may read, the one rule of the page, the API and the reports:
    officials every scope (all programs, each program, agency and country); agency staff their own agencies and
    their programs only; anyone else nothing."""
    from django.utils.translation import gettext as _

    programs = Program.objects.order_by("name")
    if not user.has_role(Role.OFFICIAL):
        if not user.has_role(*AGENCY_ROLES):
            return []
        agencies = [o for o in user.organizations_for(*AGENCY_ROLES) if o.kind == OrganizationKind.AGENCY]
        programs = programs.filter(agency__in=agencies)
    rows = list(programs.values_list("code", "name", "agency__short_code", "agency__name", "country"))
    scopes = [(f"program:{code}", name) for code, name, *_rest in rows]
    scopes += sorted({(f"agency:{a}", f"{_('Agency')}: {n}") for _c, _n, a, n, _k in rows})
    if not user.has_role(Role.OFFICIAL):
        return scopes
    scopes += sorted({(f"country:{k}", f"{_('Country')}: {k}") for *_x, k in rows})
    return [("all", _("All programs")), *scopes]


# the monthly snapshots are built by the report worker from the cases themselves: exact, whatever the store's age
register(KIND, scopes=_scopes, audience=_audience, choices=dashboard_scopes_for)(
    lambda scope, start, end: build_dashboard(scope, start, end, source="live")
)


def default_period(today):
    return today - timedelta(days=365), today
