"""Fund metrics as pure functions of a fund's terms and ledger. No database here.

Definitions (the report's footnotes repeat them):
- idle = committed − deployed − reserved;
- deployment rate = deployed ÷ committed;
- expected deployment = committed × elapsed share of the investment period (straight line), gap = deployed − expected;
- fees on idle capital = management fees paid × idle ÷ committed;
- DPI = distributions ÷ called, RVPI = latest NAV ÷ called, TVPI = DPI + RVPI;
- IRR = XIRR of the investors' flows: calls out, distributions in, the latest NAV in at the report date;
- where the ledger records management fees: net IRR = that IRR (after fees), gross IRR = the XIRR of the same flows
  with each fee payment added back on its day (the return before management fees);
- unreconciled = the ledger's cash position
  (called − deployed − fees) against the cash the manager reports with the NAV; the difference is shown, never hidden.

Amounts are kept at full precision here (no rounding): the report converts them and rounds once, in its currency.
Flags are codes with their figures as parameters; the words are chosen when a page or an export is rendered, in the
reader's language (reporting.labels).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

ZERO = Decimal("0")


@dataclass(frozen=True)
class Flow:
    kind: str
    date: date
    amount: Decimal
    cash: Decimal | None = None


@dataclass(frozen=True)
class FundTerms:
    committed: Decimal
    investment_period_start: date
    investment_period_end: date
    licence_state: str = "active"


@dataclass
class Metrics:
    committed: Decimal
    called: Decimal
    reserved: Decimal
    deployed: Decimal
    fees: Decimal
    distributions: Decimal
    nav: Decimal | None
    idle: Decimal
    deployment_rate: Decimal | None
    expected_deployment: Decimal
    pace_gap: Decimal
    months_since_last_investment: int | None
    fees_on_idle: Decimal
    dpi: Decimal | None
    rvpi: Decimal | None
    tvpi: Decimal | None
    irr: float | None
    ledger_cash: Decimal
    reported_cash: Decimal | None
    unreconciled: Decimal | None
    flags: list = field(default_factory=list)
    gross_irr: float | None = None  # before management fees, where the ledger records them
    net_irr: float | None = None  # after them (the IRR), where the ledger records them


def _sum(flows, kind):
    return sum((f.amount for f in flows if f.kind == kind), ZERO)


def _ratio(numerator, denominator, places="0.0001"):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places))


def elapsed_share(start, end, as_of):
    if as_of <= start:
        return Decimal(0)
    if as_of >= end:
        return Decimal(1)
    return Decimal((as_of - start).days) / Decimal((end - start).days)


def months_between(earlier, later):
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def dated_arrays(dated_flows):
    """(days, amounts): a list of (date, amount) as arrays of ordinal days and of floats, the form xirr_many reads."""
    count = len(dated_flows)
    return (
        np.fromiter((d.toordinal() for d, _ in dated_flows), dtype=np.int64, count=count),
        np.fromiter((float(a) for _, a in dated_flows), dtype=np.float64, count=count),
    )


class _Flows:
    """The flows of every series to solve, concatenated: each flow's owner (its series' slot), its years since the
    series' first day and its amount."""

    def __init__(self, series):
        self.solved, owners, years, amounts = [], [], [], []
        for index, (days, amount) in enumerate(series):
            keep = amount != 0
            days, amount = days[keep], amount[keep]
            if not amount.size or (amount >= 0).all() or (amount <= 0).all():
                continue  # no sign change: no rate
            owners.append(np.full(amount.size, len(self.solved)))
            self.solved.append(index)
            years.append((days - days.min()) / 365.0)
            amounts.append(amount)
        self.n = len(self.solved)
        if self.n:
            self.owner, self.year, self.amount = (np.concatenate(a) for a in (owners, years, amounts))

    def npv(self, rates, slope=False):
        discounted = self.amount * np.exp(-self.year * np.log1p(rates)[self.owner])
        value = np.bincount(self.owner, weights=discounted, minlength=self.n)
        if not slope:
            return value
        return value, np.bincount(self.owner, weights=-self.year * discounted, minlength=self.n) / (1 + rates)

    def drop_solved(self, done):
        """Most flows belong to solved series: leave them out of the next evaluations."""
        live = ~done[self.owner]
        if live.sum() * 2 < live.size:
            self.owner, self.year, self.amount = self.owner[live], self.year[live], self.amount[live]


class _Search:
    """Newton's method kept inside a bracket per series (a step that would leave it bisects instead): the root of
    bisection alone, in a handful of iterations instead of forty."""

    def __init__(self, flows, low, high, tolerance):
        n = flows.n
        self.flows, self.tolerance = flows, tolerance
        self.lo, self.hi = np.full(n, low), np.full(n, high)
        self.f_lo = flows.npv(self.lo)
        self.done = self.f_lo * flows.npv(self.hi) > 0  # no root in the bracket: stays None
        # start at 10 % (inside the bracket), where funds' rates lie, rather than mid-bracket: Newton's steps then
        # reach the root in a few iterations instead of first bisecting down from 500 %
        width = self.hi - self.lo
        self.rate, self.x = (
            np.full(n, np.nan),
            np.clip(np.full(n, 0.1), self.lo + width * 1e-6, self.hi - width * 1e-6),
        )

    def _settle(self, which, value):
        self.rate[which] = value[which]
        self.done |= which

    def step(self):
        """One iteration; True when every series is solved (or out of the bracket)."""
        f_x, slope = self.flows.npv(self.x, slope=True)
        self._settle(~self.done & ((np.abs(f_x) < self.tolerance) | ((self.hi - self.lo) < 1e-12)), self.x)
        if self.done.all():
            return True
        left = self.f_lo * f_x < 0  # the root lies between lo and x
        self.hi, self.lo = np.where(left, self.x, self.hi), np.where(left, self.lo, self.x)
        self.f_lo = np.where(left, self.f_lo, f_x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = self.x - f_x / slope
        inside = np.isfinite(newton) & (newton > self.lo) & (newton < self.hi)
        step = np.where(inside, newton, (self.lo + self.hi) / 2)
        self._settle(~self.done & (np.abs(step - self.x) < 1e-12 * np.maximum(1, np.abs(self.x))), step)
        self.x = step
        self.flows.drop_solved(self.done)
        return False


def xirr_many(series, *, low=-0.9999, high=10.0, tolerance=1e-9):
    """XIRR of each (days, amounts) pair of arrays (see dated_arrays): the annual rate r with
    Σ cf ÷ (1 + r)^(days/365) = 0 in [low, high].

    None for flows without a sign change (or without a root in [low, high]). All are solved together on arrays, so a
    report of hundreds of funds with thousands of dated flows each costs one vectorised search.
    """
    results, flows = [None] * len(series), _Flows(series)
    if not flows.n:
        return results
    search = _Search(flows, low, high, tolerance)
    for _ in range(300):
        if search.step():
            break
    else:
        search.rate[~search.done] = search.x[~search.done]
    for slot, index in enumerate(flows.solved):
        results[index] = None if np.isnan(search.rate[slot]) else float(search.rate[slot])
    return results


def xirr(dated_flows, **bracket):
    """XIRR of one list of (date, amount); see xirr_many."""
    return xirr_many([dated_arrays(dated_flows)], **bracket)[0]


@dataclass(frozen=True)
class LedgerSummary:
    """What the metrics read from a fund's ledger up to a date: sums per kind, the latest NAV (the entries of its
    day summed: a same-day correction adds to it), the last day with a positive deployment, and the investors' dated
    flows (calls out, distributions in) as arrays of ordinal days and amounts (see dated_arrays)."""

    called: Decimal = ZERO
    reserved: Decimal = ZERO
    deployed: Decimal = ZERO
    fees: Decimal = ZERO
    distributions: Decimal = ZERO
    nav: Decimal | None = None
    reported_cash: Decimal | None = None
    last_investment: date | None = None
    investor_days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    investor_amounts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fee_days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fee_amounts: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def fees_known(self):
        return bool(self.fee_days.size)


def ledger_summary(flows, as_of):
    """The LedgerSummary of a list of Flow entries (entries after ``as_of`` are ignored)."""
    flows = sorted((f for f in flows if f.date <= as_of), key=lambda f: f.date)
    navs = [f for f in flows if f.kind == "nav"]
    nav = cash = None
    if navs:
        latest = [f for f in navs if f.date == navs[-1].date]
        nav = sum((f.amount for f in latest), ZERO)
        cashes = [f.cash for f in latest if f.cash is not None]
        cash = sum(cashes, ZERO) if cashes else None
    investments = [f.date for f in flows if f.kind == "deploy" and f.amount > 0]
    investor_flows = [(f.date, -f.amount) for f in flows if f.kind == "call"]
    investor_flows += [(f.date, f.amount) for f in flows if f.kind == "distribution"]
    investor_days, investor_amounts = dated_arrays(investor_flows)
    fee_days, fee_amounts = dated_arrays([(f.date, f.amount) for f in flows if f.kind == "fee"])
    return LedgerSummary(
        called=_sum(flows, "call"),
        reserved=_sum(flows, "reserve"),
        deployed=_sum(flows, "deploy"),
        fees=_sum(flows, "fee"),
        distributions=_sum(flows, "distribution"),
        nav=nav,
        reported_cash=cash,
        last_investment=investments[-1] if investments else None,
        investor_days=investor_days,
        investor_amounts=investor_amounts,
        fee_days=fee_days,
        fee_amounts=fee_amounts,
    )


def investor_flows_at(summary, as_of):
    """The flows the IRR is computed on, as (days, amounts) arrays: the investors' flows and the latest NAV as if
    received at ``as_of``."""
    if summary.nav is None:
        return summary.investor_days, summary.investor_amounts
    return (
        np.append(summary.investor_days, as_of.toordinal()),
        np.append(summary.investor_amounts, float(summary.nav)),
    )


def gross_flows_at(summary, as_of):
    """The flows of the gross IRR: the investors' flows at ``as_of`` with each management fee added back on the day
    it was paid (the capital the fees took counts as never called)."""
    days, amounts = investor_flows_at(summary, as_of)
    return np.append(days, summary.fee_days), np.append(amounts, summary.fee_amounts)


def metrics_from_summary(terms, summary, as_of, irr, gross_irr=None):
    """Every figure of one fund at ``as_of`` from its ledger summary (``irr`` and ``gross_irr`` computed by the
    caller, see xirr_many and gross_flows_at)."""
    s, committed = summary, Decimal(terms.committed)
    idle = committed - s.deployed - s.reserved
    # full precision: the report converts to its currency and rounds once, to that currency's minor unit
    expected = committed * elapsed_share(terms.investment_period_start, terms.investment_period_end, as_of)
    dpi, rvpi = _ratio(s.distributions, s.called), _ratio(s.nav, s.called) if s.nav is not None else None
    ledger_cash = s.called - s.deployed - s.fees
    return Metrics(
        committed=committed,
        called=s.called,
        reserved=s.reserved,
        deployed=s.deployed,
        fees=s.fees,
        distributions=s.distributions,
        nav=s.nav,
        idle=idle,
        deployment_rate=_ratio(s.deployed, committed),
        expected_deployment=expected,
        pace_gap=s.deployed - expected,
        months_since_last_investment=months_between(s.last_investment, as_of) if s.last_investment else None,
        fees_on_idle=s.fees * idle / committed if committed else ZERO,
        dpi=dpi,
        rvpi=rvpi,
        tvpi=(dpi or ZERO) + (rvpi or ZERO) if s.called else None,
        irr=irr,
        ledger_cash=ledger_cash,
        reported_cash=s.reported_cash,
        unreconciled=None if s.reported_cash is None else ledger_cash - s.reported_cash,
        gross_irr=gross_irr if s.fees_known else None,
        net_irr=irr if s.fees_known else None,
    )


def fund_metrics(terms, flows, as_of):
    """Every figure of one fund at ``as_of`` from its ledger entries (flows after it are ignored)."""
    summary = ledger_summary(flows, as_of)
    irr, gross = xirr_many([investor_flows_at(summary, as_of), gross_flows_at(summary, as_of)])
    return metrics_from_summary(terms, summary, as_of, irr, gross)


@dataclass(frozen=True)
class FlagRules:
    behind_pace_margin: Decimal = Decimal("0.15")  # deployed below expected by more than 15% of committed
    months_without_investment: int = 6
    tvpi_loss_threshold: Decimal = Decimal("0.84")
    reconciliation_tolerance: Decimal = Decimal("1")


def fund_flags(terms, metrics, rules, as_of):
    """(code, severity, parameters) for every condition an official should look at (amounts as text, exact)."""
    flags = []
    if (
        metrics.committed
        and -metrics.pace_gap > rules.behind_pace_margin * metrics.committed
        and as_of <= terms.investment_period_end
    ):
        flags.append(
            (
                "behind_pace",
                "high",
                {
                    "deployed": str(metrics.deployed),
                    "expected": str(metrics.expected_deployment),
                    "gap": str(metrics.pace_gap),
                },
            )
        )
    if (
        terms.licence_state == "active"
        and as_of <= terms.investment_period_end
        and (
            metrics.months_since_last_investment is None
            or metrics.months_since_last_investment >= rules.months_without_investment
        )
    ):
        months = metrics.months_since_last_investment
        flags.append(
            ("no_investment" if months is not None else "never_invested", "medium", {"months": months})
        )
    if terms.licence_state != "active":
        flags.append(("licence_" + terms.licence_state, "high", {"state": terms.licence_state}))
    if metrics.tvpi is not None and metrics.tvpi < rules.tvpi_loss_threshold:
        flags.append(
            ("loss", "high", {"tvpi": str(metrics.tvpi), "threshold": str(rules.tvpi_loss_threshold)})
        )
    if metrics.unreconciled is not None and abs(metrics.unreconciled) > rules.reconciliation_tolerance:
        flags.append(("unreconciled", "high", {"amount": str(metrics.unreconciled)}))
    return flags


def roll_up(rows):
    """Sum the additive figures of several funds (already in one currency) and recompute the ratios."""
    keys = [
        "committed",
        "called",
        "reserved",
        "deployed",
        "fees",
        "distributions",
        "idle",
        "expected_deployment",
        "fees_on_idle",
    ]
    total = {k: sum((Decimal(r[k]) for r in rows), ZERO) for k in keys}
    total["nav"] = sum((Decimal(r["nav"]) for r in rows if r["nav"] is not None), ZERO)
    total["deployment_rate"] = _ratio(total["deployed"], total["committed"])
    total["pace_gap"] = total["deployed"] - total["expected_deployment"]
    total["dpi"] = _ratio(total["distributions"], total["called"])
    total["rvpi"] = _ratio(total["nav"], total["called"])
    total["tvpi"] = None if total["dpi"] is None else total["dpi"] + (total["rvpi"] or ZERO)
    return total
