"""Fund metrics as pure functions of a fund's terms and ledger. No database here.

Definitions (the report's footnotes repeat them):
- idle = committed − deployed − reserved;
- deployment rate = deployed ÷ committed;
- expected deployment = committed × elapsed share of the investment period (straight line), gap = deployed − expected;
- fees on idle capital = management fees paid × idle ÷ committed;
- DPI = distributions ÷ called, RVPI = latest NAV ÷ called, TVPI = DPI + RVPI;
- IRR = XIRR of the investors' flows: calls out, distributions in, the latest NAV in at the report date;
- unreconciled = the ledger's cash position
  (called − deployed − fees) against the cash the manager reports with the NAV; the difference is shown, never hidden.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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


def xirr(dated_flows, *, low=-0.9999, high=10.0, tolerance=1e-9):
    """Annual rate r with Σ cf ÷ (1 + r)^(days/365) = 0, by bisection; None without a sign change."""
    flows = [(d, float(a)) for d, a in dated_flows if a]
    if not flows or all(a >= 0 for _, a in flows) or all(a <= 0 for _, a in flows):
        return None
    start = min(d for d, _ in flows)

    def npv(rate):
        return sum(a / (1 + rate) ** ((d - start).days / 365.0) for d, a in flows)

    f_low, f_high = npv(low), npv(high)
    if f_low * f_high > 0:
        return None
    for _ in range(300):
        mid = (low + high) / 2
        f_mid = npv(mid)
        if abs(f_mid) < tolerance or (high - low) < 1e-12:
            return mid
        if f_low * f_mid < 0:
            high, f_high = mid, f_mid
        else:
            low, f_low = mid, f_mid
    return (low + high) / 2


def fund_metrics(terms, flows, as_of):
    """Every figure of one fund at ``as_of`` (flows after it are ignored)."""
    flows = sorted((f for f in flows if f.date <= as_of), key=lambda f: f.date)
    committed = Decimal(terms.committed)
    called, reserved, deployed = _sum(flows, "call"), _sum(flows, "reserve"), _sum(flows, "deploy")
    fees, distributions = _sum(flows, "fee"), _sum(flows, "distribution")
    navs = [f for f in flows if f.kind == "nav"]
    nav = navs[-1].amount if navs else None
    reported_cash = navs[-1].cash if navs else None
    idle = committed - deployed - reserved
    expected = (committed * elapsed_share(terms.investment_period_start, terms.investment_period_end, as_of)).quantize(
        Decimal("1"))
    investments = [f.date for f in flows if f.kind == "deploy" and f.amount > 0]
    dpi, rvpi = _ratio(distributions, called), _ratio(nav, called) if nav is not None else None
    investor_flows = [(f.date, -f.amount) for f in flows if f.kind == "call"]
    investor_flows += [(f.date, f.amount) for f in flows if f.kind == "distribution"]
    if nav is not None:
        investor_flows.append((as_of, nav))
    ledger_cash = called - deployed - fees
    return Metrics(
        committed=committed, called=called, reserved=reserved, deployed=deployed, fees=fees,
        distributions=distributions, nav=nav, idle=idle, deployment_rate=_ratio(deployed, committed),
        expected_deployment=expected, pace_gap=deployed - expected,
        months_since_last_investment=months_between(investments[-1], as_of) if investments else None,
        fees_on_idle=(fees * idle / committed).quantize(Decimal("1")) if committed else ZERO,
        dpi=dpi, rvpi=rvpi, tvpi=(dpi or ZERO) + (rvpi or ZERO) if called else None,
        irr=xirr(investor_flows), ledger_cash=ledger_cash, reported_cash=reported_cash,
        unreconciled=None if reported_cash is None else ledger_cash - reported_cash,
    )


@dataclass(frozen=True)
class FlagRules:
    behind_pace_margin: Decimal = Decimal("0.15")  # deployed below expected by more than 15% of committed
    months_without_investment: int = 6
    tvpi_loss_threshold: Decimal = Decimal("0.84")
    reconciliation_tolerance: Decimal = Decimal("1")


def fund_flags(terms, metrics, rules, as_of):
    """(code, severity, message) for every condition an official should look at."""
    flags = []
    if metrics.committed and -metrics.pace_gap > rules.behind_pace_margin * metrics.committed \
            and as_of <= terms.investment_period_end:
        flags.append(("behind_pace", "high", f"deployed {metrics.deployed:,.0f} against {metrics.expected_deployment:,.0f} "
                                             f"expected on a straight line ({metrics.pace_gap:,.0f})"))
    if terms.licence_state == "active" and as_of <= terms.investment_period_end and (
            metrics.months_since_last_investment is None
            or metrics.months_since_last_investment >= rules.months_without_investment):
        since = "ever" if metrics.months_since_last_investment is None else f"{metrics.months_since_last_investment} months"
        flags.append(("no_investment", "medium", f"no investment for {since}"))
    if terms.licence_state != "active":
        flags.append(("licence_" + terms.licence_state, "high", f"licence {terms.licence_state}"))
    if metrics.tvpi is not None and metrics.tvpi < rules.tvpi_loss_threshold:
        flags.append(("loss", "high", f"TVPI {metrics.tvpi} below {rules.tvpi_loss_threshold}"))
    if metrics.unreconciled is not None and abs(metrics.unreconciled) > rules.reconciliation_tolerance:
        flags.append(("unreconciled", "high", f"{metrics.unreconciled:,.0f} of cash not explained by the ledger"))
    return flags


def roll_up(rows):
    """Sum the additive figures of several funds (already in one currency) and recompute the ratios."""
    keys = ["committed", "called", "reserved", "deployed", "fees", "distributions", "idle", "expected_deployment",
            "fees_on_idle"]
    total = {k: sum((Decimal(r[k]) for r in rows), ZERO) for k in keys}
    total["nav"] = sum((Decimal(r["nav"]) for r in rows if r["nav"] is not None), ZERO)
    total["deployment_rate"] = _ratio(total["deployed"], total["committed"])
    total["pace_gap"] = total["deployed"] - total["expected_deployment"]
    total["dpi"] = _ratio(total["distributions"], total["called"])
    total["rvpi"] = _ratio(total["nav"], total["called"])
    total["tvpi"] = None if total["dpi"] is None else total["dpi"] + (total["rvpi"] or ZERO)
    total["reconciliation"] = total["committed"] - total["deployed"] - total["reserved"] - total["idle"]
    return total
