"""The fund utilisation report: metrics and flags of every sub-fund at the period end, rolled up."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from core.money import round_money
from reporting.models import Report
from reporting.money import describe, rate_for
from reporting.periods import quarter_bounds
from reporting.registry import register

from .ledger import SUMS as LEDGER_SUMS
from .metrics import (
    FlagRules,
    FundTerms,
    LedgerSummary,
    dated_arrays,
    elapsed_share,
    fund_flags,
    gross_flows_at,
    investor_flows_at,
    metrics_from_summary,
    roll_up,
    xirr_many,
)
from .models import Deal, Fund
from .reconciliation import amount_text, reconciliation
from .selectors import (
    deployed_by_quarter,
    fee_flows,
    investor_flows,
    latest_navs,
    ledger_totals,
    report_sub_funds,
)

KIND = "fund_utilisation"
# (column code, format): formats tell the exports how to type a cell (money, ratio, percent, int, text)
SUB_FUND_COLUMNS = [
    ("col.sub_fund", "text"),
    ("col.mother_fund", "text"),
    ("col.category", "text"),
    ("col.manager", "text"),
    ("col.committed", "money"),
    ("col.called", "money"),
    ("col.reserved", "money"),
    ("col.deployed", "money"),
    ("col.idle", "money"),
    ("col.deployment_rate", "percent"),
    ("col.expected", "money"),
    ("col.pace_gap", "money"),
    ("col.months_since", "int"),
    ("col.fees_on_idle", "money"),
    ("col.dpi", "ratio"),
    ("col.rvpi", "ratio"),
    ("col.tvpi", "ratio"),
    ("col.irr", "percent"),
    ("col.unreconciled", "money"),
    ("col.licence", "text"),
    # ILPA-style: paid-in ratio = called ÷ committed, unfunded commitment = committed − called, fees paid to date
    ("col.paid_in_ratio", "percent"),
    ("col.unfunded", "money"),
    ("col.fees", "money"),
    # where the ledger records management fees: gross IRR (before them) and net IRR (after them)
    ("col.gross_irr", "percent"),
    ("col.net_irr", "percent"),
]
ROLLUP_COLUMNS = [
    ("col.group", "text"),
    ("col.committed", "money"),
    ("col.deployed", "money"),
    ("col.reserved", "money"),
    ("col.idle", "money"),
    ("col.deployment_rate", "percent"),
    ("col.pace_gap", "money"),
    ("col.tvpi", "ratio"),
]
MONEY_FIELDS = [
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
    "ledger_cash",
    "reported_cash",
    "unreconciled",
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


def _scope_choices(user):
    """All funds for a user who sees every fund (officials), and each mother fund the user may read."""
    from django.utils.translation import gettext as _

    from .selectors import fund_visible_to

    mothers = (
        fund_visible_to(user=user).filter(parent__isnull=True).order_by("name").values_list("pk", "name")
    )
    choices = [("all", _("All funds"))] if user.has_role(Role.OFFICIAL) else []
    return choices + [(f"fund:{pk}", name) for pk, name in mothers]


def _audience():
    return User.objects.filter(is_active=True, memberships__role=Role.OFFICIAL).distinct()


@dataclass(frozen=True)
class SubFund:
    """What the report reads of a sub-fund: its terms and names, one row of one query (no model instances)."""

    pk: int
    name: str
    parent_name: str
    manager_name: str | None
    category: str
    currency: str
    size: Decimal
    investment_period_start: date
    investment_period_end: date
    licence_state: str


@dataclass(frozen=True)
class MotherFund:
    """What the report reads of a mother fund (its declared size is reconciled through its sub-funds)."""

    pk: int
    name: str
    currency: str
    size: Decimal
    declared_size: Decimal | None


def _funds(scope):
    """(sub-funds by mother and name, mother funds by name) of a report scope: one query."""
    funds = Fund.objects.all()
    if scope.startswith("fund:"):
        mother = int(scope.split(":", 1)[1])
        funds = funds.filter(Q(parent_id=mother) | Q(pk=mother, parent__isnull=True))
    sub_funds, mothers = [], []
    for pk, parent_id, declared_size, *row in funds.order_by("parent_id", "name").values_list(
        "pk",
        "parent_id",
        "declared_size",
        "name",
        "parent__name",
        "manager__name",
        "category",
        "currency",
        "size",
        "investment_period_start",
        "investment_period_end",
        "licence_state",
    ):
        if parent_id is None:
            name, _parent, _manager, _category, currency, size, *_rest = row
            mothers.append(MotherFund(pk, name, currency, size, declared_size))
        else:
            sub_funds.append(SubFund(pk, *row))
    return sub_funds, mothers


def ledger_summaries(funds, as_of):
    """{fund id: LedgerSummary} at ``as_of`` of the sub-funds ``funds`` (a queryset, read as a subquery): their
    ledger sums and last days, the NAV and cash of the last NAV day, the investors' flows and the fees paid, in five
    queries whatever the number of funds (four when ``as_of`` ends a quarter)."""
    totals = ledger_totals(funds, as_of)
    navs = latest_navs({fund_id: total["last_nav"] for fund_id, total in totals.items()})
    investor, fees = investor_flows(funds, as_of), fee_flows(funds, as_of)
    none = dated_arrays([])
    summaries = {}
    for fund_id, total in totals.items():
        nav, cash = navs.get(fund_id, (None, None))
        (days, amounts), (fee_days, fee_amounts) = investor.get(fund_id, none), fees.get(fund_id, none)
        summaries[fund_id] = LedgerSummary(
            **{name: total[name] for name in LEDGER_SUMS},
            nav=nav,
            reported_cash=cash,
            last_investment=total["last_investment"],
            investor_days=days,
            investor_amounts=amounts,
            fee_days=fee_days,
            fee_amounts=fee_amounts,
        )
    return summaries


def metrics_of(funds, as_of, summaries=None):
    """The Metrics of each fund at ``as_of``, in a constant number of queries and one vectorised IRR (``summaries``:
    ledger_summaries of the same funds and date, when the caller has them). The gross IRR is solved only for the
    funds whose ledger records fees (elsewhere it is not shown)."""
    if summaries is None:
        summaries = ledger_summaries(Fund.objects.filter(pk__in=[fund.pk for fund in funds]), as_of)
    ledgers = [summaries.get(fund.pk, LedgerSummary()) for fund in funds]
    no_flows = dated_arrays([])
    irrs = xirr_many(
        [investor_flows_at(ledger, as_of) for ledger in ledgers]
        + [gross_flows_at(ledger, as_of) if ledger.fees_known else no_flows for ledger in ledgers]
    )
    return [
        metrics_from_summary(_terms(fund), ledger, as_of, irr, gross)
        for fund, ledger, irr, gross in zip(
            funds, ledgers, irrs[: len(ledgers)], irrs[len(ledgers) :], strict=True
        )
    ]


def _terms(fund):
    return FundTerms(fund.size, fund.investment_period_start, fund.investment_period_end, fund.licence_state)


def table(key, title, columns, rows):
    """A snapshot table: codes for the title and the columns (reporting.labels), each column's format."""
    return {
        "key": key,
        "title": title,
        "columns": [code for code, _fmt in columns],
        "formats": [fmt for _code, fmt in columns],
        "rows": rows,
    }


class Amounts:
    """Text of the figures of one report: amounts rounded once, to the reporting currency's minor unit."""

    def __init__(self, currency):
        self.currency = currency

    def money(self, value):
        return None if value is None else amount_text(value, self.currency)

    @staticmethod
    def ratio(value):
        if value is None:
            return None
        return f"{value:.4f}" if isinstance(value, float) else str(Decimal(value).quantize(Decimal("0.0001")))


class Rates:
    """The rate of each currency into ``to`` on ``on`` (reporting.money.rate_for), read once per currency."""

    def __init__(self, to, on):
        self.to, self.on, self.rows = to, on, {}

    def row(self, currency):
        if currency not in self.rows:
            self.rows[currency] = rate_for(currency, self.to, self.on)
        return self.rows[currency]

    def factor(self, currency):
        row = self.row(currency)
        return row.rate if row is not None else Decimal(1)


def sub_fund_rows(funds, as_of, currency, rate_on=None, summaries=None, rates=None):
    """Per sub-fund metrics converted to ``currency`` at full precision at the rate of ``rate_on`` (default
    ``as_of``), its flags (codes, the fund's own currency named) and the rates used (``summaries``: see metrics_of;
    ``rates``: a Rates into ``currency`` on that day, when the caller has one)."""
    rules, rows, flags, used = flag_rules(), [], [], {}
    rates = rates or Rates(currency, rate_on or as_of)
    for fund, metrics in zip(funds, metrics_of(funds, as_of, summaries), strict=True):
        rate_row = rates.row(fund.currency)
        if rate_row is not None:
            used[fund.currency] = describe(rate_row)
        factor = rates.factor(fund.currency)
        money = {
            k: (None if getattr(metrics, k) is None else getattr(metrics, k) * factor) for k in MONEY_FIELDS
        }
        row = {
            "fund": fund,
            "metrics": metrics,
            "factor": factor,
            **money,
            "deployment_rate": metrics.deployment_rate,
            "dpi": metrics.dpi,
            "rvpi": metrics.rvpi,
            "tvpi": metrics.tvpi,
            "irr": metrics.irr,
            "months_since_last_investment": metrics.months_since_last_investment,
        }
        rows.append(row)
        for code, severity, params in fund_flags(_terms(fund), metrics, rules, as_of):
            flags.append(
                {
                    "subject": fund.name,
                    "fund": fund.pk,
                    "code": f"flag.{code}",
                    "severity": severity,
                    "params": {**params, "currency": fund.currency},
                }
            )
    return rows, flags, list(used.values())


def _rollup_table(key, title, rows, group, fmt):
    groups = defaultdict(list)
    for row in rows:
        groups[group(row["fund"])].append(row)
    table_rows = []
    for name, members in sorted(groups.items()):
        total = roll_up(members)
        table_rows.append(
            [
                name,
                fmt.money(total["committed"]),
                fmt.money(total["deployed"]),
                fmt.money(total["reserved"]),
                fmt.money(total["idle"]),
                fmt.ratio(total["deployment_rate"]),
                fmt.money(total["pace_gap"]),
                fmt.ratio(total["tvpi"]),
            ]
        )
    return table(key, {"code": title, "params": {"currency": fmt.currency}}, ROLLUP_COLUMNS, table_rows)


def _pace_series(funds, period_end, fmt, deployed_in, rates):
    """Deployed against the straight-line pace at each quarter end up to the period end (for the chart).

    The deployments per quarter and currency (``deployed_in``: funds.selectors.deployed_by_quarter), accumulated
    here; converted at the period end's rate (``rates``) at full precision and rounded once, as the table's figures
    are.
    """
    if not funds:
        return [], [], []
    factor = {f.pk: rates.factor(f.currency) for f in funds}
    per_quarter = defaultdict(Decimal)
    for (quarter, currency), amount in deployed_in.items():
        per_quarter[quarter_bounds(quarter)[1]] += amount * rates.factor(currency)
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
        deployed.append(fmt.money(running))
        expected.append(fmt.money(due))
        day = quarter_bounds(date.fromordinal(day.toordinal() + 1))[1]
    return labels, deployed, expected


def _exclusions(funds, period_end):
    counts = defaultdict(int)
    for reasons in Deal.objects.filter(
        fund__in=funds.values("pk"), eligible=False, considered_on__lte=period_end
    ).values_list("exclusion_reasons", flat=True):
        for reason in reasons:
            counts[reason["rule"]] += 1
    return sorted(counts.items(), key=lambda item: -item[1])


def _sub_fund_table(rows, fmt):
    return table(
        "sub_funds",
        {"code": "table.sub_funds", "params": {"currency": fmt.currency}},
        SUB_FUND_COLUMNS,
        [
            [
                r["fund"].name,
                r["fund"].parent_name,
                r["fund"].category,
                "" if r["fund"].manager_name is None else r["fund"].manager_name,
                fmt.money(r["committed"]),
                fmt.money(r["called"]),
                fmt.money(r["reserved"]),
                fmt.money(r["deployed"]),
                fmt.money(r["idle"]),
                fmt.ratio(r["deployment_rate"]),
                fmt.money(r["expected_deployment"]),
                fmt.money(r["pace_gap"]),
                r["months_since_last_investment"],
                fmt.money(r["fees_on_idle"]),
                fmt.ratio(r["dpi"]),
                fmt.ratio(r["rvpi"]),
                fmt.ratio(r["tvpi"]),
                fmt.ratio(r["irr"]),
                fmt.money(r["unreconciled"]),
                f"licence.{r['fund'].licence_state}",
                fmt.ratio(r["called"] / r["committed"]) if r["committed"] else None,
                fmt.money(r["committed"] - r["called"]),
                fmt.money(r["fees"]),
                fmt.ratio(r["metrics"].gross_irr),
                fmt.ratio(r["metrics"].net_irr),
            ]
            for r in rows
        ],
    )


def _headline(total, recon, previous, fmt):
    """The figures an official reads first, as codes and amounts (the words come at rendering)."""
    return (
        _headline_amounts(total, recon, fmt) + _vc_line(total) + _change_line(total, previous, fmt.currency)
    )


def _headline_amounts(total, recon, fmt):
    currency = fmt.currency
    lines = {line["code"]: line["amount"] for line in recon["lines"]}

    def line(label, amount, **extra):
        return {"label": label, "amount": amount, "currency": currency, **extra}

    return [
        line("head.declared_size", lines["rec.declared_size"]),
        line("head.committed", fmt.money(total["committed"])),
        line("head.deployed", fmt.money(total["deployed"]), share=fmt.ratio(total["deployment_rate"])),
        line("head.reserved", fmt.money(total["reserved"])),
        line("head.idle", fmt.money(total["idle"])),
        line("head.not_allocated", lines["rec.not_allocated"]),
        line("head.unexplained", lines["rec.unexplained"], alert=True),
    ]


def _vc_line(total):
    if total["deployment_rate"] is None:
        return []
    share = f"{1 - total['deployment_rate']:.1%}"
    vc = f"{Decimal(settings.VC_UNDEPLOYED_SHARE):.0%}"
    return [
        {
            "label": "head.vc_comparison",
            "value": {"code": "head.vc_comparison.value", "params": {"share": share, "vc": vc}},
        }
    ]


def _change_line(total, previous, currency):
    """The change since the previous report of the scope (``previous``: _previous)."""
    if not (previous and previous[1]):
        return []
    period_end, before = previous
    change = {name: _delta(total[name], before[name], currency) for name in ("deployed", "reserved", "idle")}
    return [
        {
            "label": {"code": "head.change", "params": {"date": period_end.isoformat()}},
            "value": {"code": "head.change.value", "params": change},
        }
    ]


def _delta(now, before, currency):
    change = round_money(Decimal(now) - Decimal(before), currency) + Decimal(0)  # + 0 turns -0 into 0
    return f"{change:+,}"


def _chart(kind, title, x, name, values):
    return {"type": kind, "title": title, "x": x, "series": [{"name": name, "values": values}]}


def _pace_chart(pace, in_currency):
    labels, deployed, expected = pace
    return {
        "type": "line",
        "title": {"code": "chart.pace", "params": in_currency},
        "x": labels,
        "series": [
            {"name": "series.deployed", "values": deployed},
            {"name": "series.expected", "values": expected},
        ],
    }


def _charts(rows, exclusions, pace, currency, fmt):
    by_category = defaultdict(list)
    for r in rows:
        by_category[r["fund"].category or "—"].append(r)
    categories = sorted(by_category)
    totals = {c: roll_up(by_category[c]) for c in categories}
    in_currency = {"currency": currency}
    return [
        _pace_chart(pace, in_currency),
        _chart(
            "hbar",
            {"code": "chart.idle_by_sub_fund", "params": in_currency},
            [r["fund"].name for r in rows],
            "series.idle",
            [fmt.money(r["idle"]) for r in rows],
        ),
        _chart(
            "bar",
            {"code": "chart.idle_by_category", "params": in_currency},
            categories,
            "series.idle",
            [fmt.money(totals[c]["idle"]) for c in categories],
        ),
        _chart(
            "bar",
            "chart.tvpi_by_category",
            categories,
            "series.tvpi",
            [fmt.ratio(totals[c]["tvpi"]) for c in categories],
        ),
        _chart(
            "hbar",
            "chart.exclusions",
            [rule for rule, _n in exclusions],
            "series.deals",
            [n for _r, n in exclusions],
        ),
    ]


def _title(mothers, scope, period_end):
    """The title as a code (rendered in the reader's language) and in English for the Report row."""
    if scope.startswith("fund:"):
        item = {
            "code": "title.fund_utilisation.fund",
            "params": {"fund": mothers[0].name, "period_end": str(period_end)},
        }
        return item, f"Fund utilisation — {mothers[0].name} — {period_end}"
    item = {"code": "title.fund_utilisation.all", "params": {"period_end": str(period_end)}}
    return item, f"Fund utilisation — all funds — {period_end}"


def _follow_ups(report):
    from .early_warning import follow_ups_from_report

    follow_ups_from_report(report)


def _previous(scope, period_end):
    """(period end, totals) of the scope's latest report before ``period_end`` (its totals only, not the whole
    snapshot), or None."""
    return (
        Report.objects.filter(kind=KIND, scope=scope, period_end__lt=period_end)
        .order_by("-period_end")
        .values_list("period_end", "data__totals")
        .first()
    )


def _tables(recon, rows, exclusions, fmt):
    return [
        recon["table"],
        recon["by_sub_fund"],
        _sub_fund_table(rows, fmt),
        _rollup_table("by_mother", "table.by_mother", rows, lambda f: f.parent_name, fmt),
        _rollup_table("by_category", "table.by_category", rows, lambda f: f.category or "—", fmt),
        _rollup_table(
            "by_manager",
            "table.by_manager",
            rows,
            lambda f: "—" if f.manager_name is None else f.manager_name,
            fmt,
        ),
        table(
            "exclusions",
            "table.exclusions",
            [("col.rule", "text"), ("col.deals_excluded", "int")],
            [[rule, n] for rule, n in exclusions],
        ),
    ]


def _totals_text(total, fmt):
    ratios = ("deployment_rate", "dpi", "rvpi", "tvpi")
    return {k: fmt.ratio(v) if k in ratios else fmt.money(v) for k, v in total.items()}


@register(KIND, scopes=_scopes, audience=_audience, choices=_scope_choices, on_generated=_follow_ups)
def build(scope, period_start, period_end):
    currency = settings.REPORTING_CURRENCY
    fmt = Amounts(currency)
    (funds, mothers), in_scope = _funds(scope), report_sub_funds(scope)
    rates = Rates(currency, period_end)
    summaries = ledger_summaries(in_scope, period_end)
    rows, flags, used = sub_fund_rows(funds, period_end, currency, summaries=summaries, rates=rates)
    tolerance = flag_rules().reconciliation_tolerance
    recon = reconciliation(mothers=mothers, rows=rows, currency=currency, on=period_end, tolerance=tolerance)
    total = roll_up(rows)
    exclusions = _exclusions(in_scope, period_end)
    title_item, title = _title(mothers, scope, period_end)
    pace = _pace_series(funds, period_end, fmt, deployed_by_quarter(in_scope, period_end), rates)
    return title, {
        "scope": scope,
        "fund_ids": [fund.pk for fund in funds],
        "title": title_item,
        "currency": currency,
        "rates": list({r["currency"]: r for r in used + recon["rates"]}.values()),
        "headline": _headline(total, recon, _previous(scope, period_end), fmt) if rows or mothers else [],
        "flags": recon["flags"] + flags,
        "totals": _totals_text(total, fmt),
        "reconciliation": recon["table"],
        "tables": _tables(recon, rows, exclusions, fmt),
        "charts": _charts(rows, exclusions, pace, currency, fmt),
        "notes": ["note.definitions", "note.rounding"],
    }
