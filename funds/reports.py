"""The fund utilisation report: metrics and flags of every sub-fund at the period end, rolled up."""

import operator
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from reporting.models import Report
from reporting.money import describe, rate_for
from reporting.periods import quarter_bounds
from reporting.registry import register

from .ledger import SUMS as LEDGER_SUMS
from .ledger import quarter_totals, unpack
from .metrics import (
    ZERO,
    FlagRules,
    FundTerms,
    LedgerSummary,
    dated_arrays,
    elapsed_share,
    fund_flags,
    investor_flows_at,
    metrics_from_summary,
    roll_up,
    xirr_many,
)
from .models import Deal, Fund, InvestorFlows, LedgerDay, LedgerQuarter

KIND = "fund_utilisation"
ONE_DAY = timedelta(days=1)
SUB_FUND_COLUMNS = [
    "Sub-fund",
    "Mother fund",
    "Category",
    "Manager",
    "Committed",
    "Called",
    "Reserved",
    "Deployed",
    "Idle",
    "Deployment rate",
    "Expected (pace)",
    "Gap to pace",
    "Months since last investment",
    "Fees on idle capital",
    "DPI",
    "RVPI",
    "TVPI",
    "IRR",
    "Unreconciled cash",
    "Licence",
]
ROLLUP_COLUMNS = [
    "",
    "Committed",
    "Deployed",
    "Reserved",
    "Idle",
    "Deployment rate",
    "Gap to pace",
    "TVPI",
    "Unexplained",
]


def flag_rules():
    raw = settings.FUND_FLAG_RULES
    return FlagRules(
        behind_pace_margin=Decimal(raw["behind_pace_margin"]),
        months_without_investment=int(raw["months_without_investment"]),
        tvpi_loss_threshold=Decimal(raw["tvpi_loss_threshold"]),
        reconciliation_tolerance=Decimal(raw["reconciliation_tolerance"]),
    )


def _scopes():
    return ["all"] + [
        f"fund:{pk}" for pk in Fund.objects.filter(parent__isnull=True).values_list("pk", flat=True)
    ]


def _audience():
    return User.objects.filter(is_active=True, memberships__role=Role.OFFICIAL).distinct()


def _sub_funds(scope):
    funds = (
        Fund.objects.filter(parent__isnull=False)
        .select_related("parent", "manager")
        .order_by("parent_id", "name")
    )
    if scope.startswith("fund:"):
        funds = funds.filter(parent_id=int(scope.split(":", 1)[1]))
    return list(funds)


def _quarter_sums(funds, as_of):
    """Rows of (fund, quarter) sums of the ledger up to ``as_of``, with each quarter's last investment and last NAV
    day (funds.ledger keeps them): the quarters that have ended by ``as_of``, and the days of the one it falls in."""
    start, end = quarter_bounds(as_of)
    rows = list(
        LedgerQuarter.objects.filter(
            fund__in=funds, quarter__lte=as_of if end == as_of else start - ONE_DAY
        ).values("fund_id", "quarter", *LEDGER_SUMS, "last_investment", "last_nav")
    )
    if end != as_of:
        rows.extend(quarter_totals(LedgerDay.objects.filter(fund__in=funds, date__range=(start, as_of))))
    return rows


def _investor_flows(funds, as_of):
    """{fund id: (ordinal days, amounts)}: the investors' net flow of each day (distributions − calls) up to
    ``as_of``, from the packed arrays funds.ledger keeps per fund."""
    flows = {}
    for row in InvestorFlows.objects.filter(fund__in=funds):
        days, amounts = unpack(row)
        until = days <= as_of.toordinal()
        flows[row.fund_id] = (days[until], amounts[until])
    return flows


def _summaries(funds, as_of, quarters):
    """{fund id: LedgerSummary} at ``as_of`` from its quarters' sums (see _quarter_sums), the NAV of its last NAV day
    and its investors' flows: two more queries."""
    totals = {}
    for row in quarters:
        total = totals.setdefault(
            row["fund_id"], {**dict.fromkeys(LEDGER_SUMS, ZERO), "last_investment": None, "last_nav": None}
        )
        for name in LEDGER_SUMS:
            total[name] += row[name]
        for name in ("last_investment", "last_nav"):  # the latest day of any quarter
            if row[name] and (total[name] is None or row[name] > total[name]):
                total[name] = row[name]
    navs, latest = (
        {},
        [
            Q(fund_id=fund_id, date=total["last_nav"])
            for fund_id, total in totals.items()
            if total["last_nav"]
        ],
    )
    if latest:
        navs = {
            fund_id: (nav, cash)
            for fund_id, nav, cash in LedgerDay.objects.filter(reduce(operator.or_, latest)).values_list(
                "fund_id", "nav", "cash"
            )
        }
    investor, no_flows = _investor_flows(funds, as_of), dated_arrays([])
    summaries = {}
    for fund_id, total in totals.items():
        nav, cash = navs.get(fund_id, (None, None))
        days, amounts = investor.get(fund_id, no_flows)
        summaries[fund_id] = LedgerSummary(
            called=total["called"],
            reserved=total["reserved"],
            deployed=total["deployed"],
            fees=total["fees"],
            distributions=total["distributions"],
            nav=nav,
            reported_cash=cash,
            last_investment=total["last_investment"],
            investor_days=days,
            investor_amounts=amounts,
        )
    return summaries


def metrics_of(funds, as_of, quarters=None):
    """The Metrics of each fund at ``as_of``, in a constant number of queries and one vectorised IRR (``quarters``:
    _quarter_sums of the same funds and date, when the caller has them)."""
    summaries = _summaries(funds, as_of, _quarter_sums(funds, as_of) if quarters is None else quarters)
    ledgers = [summaries.get(fund.pk, LedgerSummary()) for fund in funds]
    irrs = xirr_many([investor_flows_at(ledger, as_of) for ledger in ledgers])
    return [
        metrics_from_summary(_terms(fund), ledger, as_of, irr)
        for fund, ledger, irr in zip(funds, ledgers, irrs, strict=True)
    ]


def _terms(fund):
    return FundTerms(fund.size, fund.investment_period_start, fund.investment_period_end, fund.licence_state)


def _delta(now, before):
    change = Decimal(now) - Decimal(before) + Decimal(0)  # + 0 turns -0 into 0
    return f"{change:+,.0f}"


def _s(value, places=0):
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.4f}"
    return f"{Decimal(value):.{places}f}" if places else f"{Decimal(value).quantize(Decimal('1'))}"


def sub_fund_rows(funds, as_of, currency, rate_on=None, quarters=None):
    """Per sub-fund metrics converted to ``currency`` at the rate of ``rate_on`` (default ``as_of``), flags, rates used
    (``quarters``: see metrics_of)."""
    rules, rows, flags, rates = flag_rules(), [], [], {}
    for fund, metrics in zip(funds, metrics_of(funds, as_of, quarters), strict=True):
        rate_row = rate_for(fund.currency, currency, rate_on or as_of)
        if rate_row is not None:
            rates[fund.currency] = describe(rate_row)
        factor = rate_row.rate if rate_row is not None else Decimal(1)
        money = {
            k: (None if getattr(metrics, k) is None else getattr(metrics, k) * factor)
            for k in [
                "committed",
                "called",
                "reserved",
                "deployed",
                "fees",
                "distributions",
                "nav",
                "idle",
                "expected_deployment",
                "pace_gap",
                "fees_on_idle",
                "unreconciled",
            ]
        }
        row = {
            "fund": fund,
            **money,
            "deployment_rate": metrics.deployment_rate,
            "dpi": metrics.dpi,
            "rvpi": metrics.rvpi,
            "tvpi": metrics.tvpi,
            "irr": metrics.irr,
            "months_since_last_investment": metrics.months_since_last_investment,
        }
        rows.append(row)
        for code, severity, message in fund_flags(_terms(fund), metrics, rules, as_of):
            flags.append({"subject": fund.name, "code": code, "severity": severity, "message": message})
    return rows, flags, list(rates.values())


def _rollup_table(key, title, rows, group):
    groups = defaultdict(list)
    for row in rows:
        groups[group(row["fund"])].append(row)
    table_rows = []
    for name, members in sorted(groups.items()):
        total = roll_up(members)
        table_rows.append(
            [
                name,
                _s(total["committed"]),
                _s(total["deployed"]),
                _s(total["reserved"]),
                _s(total["idle"]),
                _s(total["deployment_rate"], 4),
                _s(total["pace_gap"]),
                _s(total["tvpi"], 4),
                _s(total["reconciliation"]),
            ]
        )
    return {"key": key, "title": title, "columns": ROLLUP_COLUMNS, "rows": table_rows}


def _pace_series(funds, period_end, currency, quarters):
    """Deployed against the straight-line pace at each quarter end up to the period end (for the chart).

    The deployments per fund and quarter (``quarters``: _quarter_sums), accumulated here; converted at the period
    end's rate.
    """
    if not funds:
        return [], [], []
    factor = {
        f.pk: (rate.rate if (rate := rate_for(f.currency, currency, period_end)) else Decimal(1))
        for f in funds
    }
    per_quarter = defaultdict(Decimal)
    for row in quarters:
        per_quarter[quarter_bounds(row["quarter"])[1]] += row["deployed"] * factor[row["fund_id"]]
    labels, deployed, expected, running = [], [], [], Decimal(0)
    day = quarter_bounds(min(f.investment_period_start for f in funds))[1]
    while day <= period_end:
        running += per_quarter.get(day, Decimal(0))
        due = sum(
            (
                f.size * factor[f.pk] * elapsed_share(f.investment_period_start, f.investment_period_end, day)
                for f in funds
            ),
            Decimal(0),
        )
        labels.append(day.isoformat())
        deployed.append(_s(running))
        expected.append(_s(due))
        day = quarter_bounds(date.fromordinal(day.toordinal() + 1))[1]
    return labels, deployed, expected


def _exclusions(funds, period_end):
    counts = defaultdict(int)
    for reasons in Deal.objects.filter(
        fund__in=funds, eligible=False, considered_on__lte=period_end
    ).values_list("exclusion_reasons", flat=True):
        for reason in reasons:
            counts[reason["rule"]] += 1
    return sorted(counts.items(), key=lambda item: -item[1])


@register(KIND, scopes=_scopes, audience=_audience)
def build(scope, period_start, period_end):
    currency = settings.REPORTING_CURRENCY
    funds = _sub_funds(scope)
    quarters = _quarter_sums(funds, period_end)
    rows, flags, rates = sub_fund_rows(funds, period_end, currency, quarters=quarters)
    total = roll_up(rows) if rows else None
    mother = Fund.objects.get(pk=int(scope.split(":")[1])) if scope.startswith("fund:") else None
    title = f"Fund utilisation — {mother.name if mother else 'all funds'} — {period_end}"
    vc_share = Decimal(settings.VC_UNDEPLOYED_SHARE)
    headline = []
    if total:
        undeployed_share = (1 - total["deployment_rate"]) if total["deployment_rate"] is not None else None
        headline = [
            {"label": f"Committed ({currency})", "value": f"{total['committed']:,.0f}"},
            {"label": "Deployed", "value": f"{total['deployed']:,.0f} ({total['deployment_rate']:.1%})"},
            {"label": "Reserved (approved, not yet paid)", "value": f"{total['reserved']:,.0f}"},
            {"label": "Idle", "value": f"{total['idle']:,.0f}"},
            {"label": "Not explained by the lines above", "value": f"{total['reconciliation']:,.0f}"},
            {
                "label": "Undeployed share vs ordinary VC",
                "value": f"{undeployed_share:.1%} against about {vc_share:.0%}"
                if undeployed_share is not None
                else "—",
            },
        ]
    previous = (
        Report.objects.filter(kind=KIND, scope=scope, period_end__lt=period_end)
        .order_by("-period_end")
        .first()
    )
    if previous and total and previous.data.get("totals"):
        before = previous.data["totals"]
        headline.append(
            {
                "label": f"Change since {previous.period_end}",
                "value": f"deployed {_delta(total['deployed'], before['deployed'])}, "
                f"reserved {_delta(total['reserved'], before['reserved'])}, "
                f"idle {_delta(total['idle'], before['idle'])}",
            }
        )
    sub_rows = [
        [
            r["fund"].name,
            r["fund"].parent.name,
            r["fund"].category,
            r["fund"].manager.name if r["fund"].manager else "",
            _s(r["committed"]),
            _s(r["called"]),
            _s(r["reserved"]),
            _s(r["deployed"]),
            _s(r["idle"]),
            _s(r["deployment_rate"], 4),
            _s(r["expected_deployment"]),
            _s(r["pace_gap"]),
            r["months_since_last_investment"],
            _s(r["fees_on_idle"]),
            _s(r["dpi"], 4),
            _s(r["rvpi"], 4),
            _s(r["tvpi"], 4),
            _s(r["irr"]),
            _s(r["unreconciled"]),
            r["fund"].licence_state,
        ]
        for r in rows
    ]
    exclusions = _exclusions(funds, period_end)
    labels, deployed, expected = _pace_series(funds, period_end, currency, quarters)
    by_category = defaultdict(list)
    for r in rows:
        by_category[r["fund"].category or "—"].append(r)
    categories = sorted(by_category)
    data = {
        "scope": scope,
        "currency": currency,
        "rates": rates,
        "headline": headline,
        "flags": flags,
        "totals": {
            k: _s(v, 4) if k in ("deployment_rate", "dpi", "rvpi", "tvpi") else _s(v)
            for k, v in (total or {}).items()
        },
        "tables": [
            {
                "key": "sub_funds",
                "title": f"Sub-funds ({currency})",
                "columns": SUB_FUND_COLUMNS,
                "rows": sub_rows,
            },
            _rollup_table("by_mother", "By mother fund", rows, lambda f: f.parent.name),
            _rollup_table("by_category", "By category", rows, lambda f: f.category or "—"),
            _rollup_table("by_manager", "By manager", rows, lambda f: f.manager.name if f.manager else "—"),
            {
                "key": "exclusions",
                "title": "Deals excluded, by rule",
                "columns": ["Rule", "Deals excluded"],
                "rows": [[rule, n] for rule, n in exclusions],
            },
        ],
        "charts": [
            {
                "type": "line",
                "title": f"Deployed against the straight-line pace ({currency})",
                "x": labels,
                "series": [
                    {"name": "Deployed", "values": deployed},
                    {"name": "Expected", "values": expected},
                ],
            },
            {
                "type": "hbar",
                "title": f"Idle capital by sub-fund ({currency})",
                "x": [r["fund"].name for r in rows],
                "series": [{"name": "Idle", "values": [_s(r["idle"]) for r in rows]}],
            },
            {
                "type": "bar",
                "title": f"Idle capital by category ({currency})",
                "x": categories,
                "series": [
                    {"name": "Idle", "values": [_s(roll_up(by_category[c])["idle"]) for c in categories]}
                ],
            },
            {
                "type": "bar",
                "title": "TVPI by category",
                "x": categories,
                "series": [
                    {"name": "TVPI", "values": [_s(roll_up(by_category[c])["tvpi"], 4) for c in categories]}
                ],
            },
            {
                "type": "hbar",
                "title": "Deals excluded, by rule",
                "x": [rule for rule, _n in exclusions],
                "series": [{"name": "Deals", "values": [n for _r, n in exclusions]}],
            },
        ],
        "notes": [
            "Idle = committed − deployed − reserved. Expected deployment assumes a straight line over the investment "
            "period. Unreconciled cash compares the ledger (called − deployed − fees) with the cash the manager reports.",
        ],
    }
    return title, data
