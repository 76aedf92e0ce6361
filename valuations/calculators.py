"""Valuation calculators: pure functions on Decimals, every intermediate line returned so an officer can follow it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import round_money
from programs.models import TECHNOLOGY_GRADES


def _money(value, currency="KRW"):
    """``value`` in ``currency``'s minor unit (core.money): for the lines shown and, once, for the result."""
    return round_money(value, currency)


@dataclass(frozen=True)
class RoyaltyLine:
    year: int
    revenue: Decimal
    royalty: Decimal
    after_tax: Decimal
    discount_factor: Decimal
    present_value: Decimal


def remaining_years(valuation_date, expiry_date, *, horizon=None):
    """Whole years of legal life left (capped by ``horizon``): an expired asset has none."""
    if expiry_date is None or expiry_date <= valuation_date:
        return 0
    years = (expiry_date - valuation_date).days // 365
    return min(years, horizon) if horizon is not None else years


def life_left(valuation_date, expiry_date, *, horizon):
    """[(year, share of the year, end of the period in years)] of the legal life left, at most ``horizon`` years:
    whole years, then the part of the last one (six months left is one line of half a year)."""
    if expiry_date is None or expiry_date <= valuation_date:
        return []
    whole, rest = divmod((expiry_date - valuation_date).days, 365)
    periods = [(t, Decimal(1), Decimal(t)) for t in range(1, whole + 1)]
    if rest:
        share = Decimal(rest) / Decimal(365)
        periods.append((whole + 1, share, whole + share))
    return periods[:horizon]


def relief_from_royalty(
    *,
    revenues,
    royalty_rate,
    tax_rate,
    discount_rate,
    valuation_date: date,
    expiry_date: date,
    currency="KRW",
):
    """PV of the royalties saved: Σ revenue_t × share_t × royalty × (1 − tax) ÷ (1 + discount)^t over the remaining
    life, a partial last year prorated (``share_t``) and discounted to its end.

    ``revenues``: projected revenue for year 1, 2, ... (only as many years as the legal life allows are used). The
    lines show each amount in the currency's minor unit; the total is the exact sum, rounded once at the end."""
    royalty_rate, tax_rate, discount_rate = Decimal(royalty_rate), Decimal(tax_rate), Decimal(discount_rate)
    lines, exact = [], Decimal(0)
    for t, share, end in life_left(valuation_date, expiry_date, horizon=len(revenues)):
        revenue = Decimal(revenues[t - 1]) * share
        royalty = revenue * royalty_rate
        after_tax = royalty * (1 - tax_rate)
        factor = 1 / (1 + discount_rate) ** end
        exact += after_tax * factor
        lines.append(
            RoyaltyLine(
                t,
                _money(revenue, currency),
                _money(royalty, currency),
                _money(after_tax, currency),
                factor.quantize(Decimal("0.000001")),
                _money(after_tax * factor, currency),
            )
        )
    return _money(exact, currency), lines


def cost_approach(*, reproduction_cost, physical=0, functional=0, economic=0, currency="KRW"):
    """Reproduction cost less obsolescence (each a share of what is left after the previous one), in
    ``currency``'s minor unit: the steps shown rounded, the value exact until it is rounded once at the end."""
    value = Decimal(reproduction_cost)
    steps = [("reproduction cost", value)]
    for name, share in (
        ("physical obsolescence", physical),
        ("functional obsolescence", functional),
        ("economic obsolescence", economic),
    ):
        deduction = value * Decimal(share)
        value -= deduction
        steps.append((name, -_money(deduction, currency)))
    return _money(value, currency), steps


# A scorecard in the manner of EPO's IPscore: indicators rated 1–5 across five areas.
DEFAULT_INDICATORS = {
    "legal": [
        "validity",
        "scope of protection",
        "geographical coverage",
        "remaining life",
        "freedom to operate",
        "infringement detectability",
    ],
    "technology": [
        "technical maturity",
        "ease of design-around",
        "dependence on other IP",
        "alternative technologies",
        "technological progress",
        "breadth of use",
    ],
    "market": [
        "market size",
        "market growth",
        "competitive position",
        "customer need",
        "entry barriers",
        "licensing interest",
    ],
    "finance": [
        "revenue from the IP",
        "margin contribution",
        "cost to maintain",
        "cash-flow horizon",
        "financing need covered",
    ],
    "strategy": [
        "fit with the business plan",
        "management capability",
        "R&D pipeline",
        "partnerships",
        "exit or licensing options",
        "strategic importance",
    ],
}
DEFAULT_AREA_WEIGHTS = {
    "legal": Decimal("0.25"),
    "technology": Decimal("0.25"),
    "market": Decimal("0.2"),
    "finance": Decimal("0.15"),
    "strategy": Decimal("0.15"),
}
# Minimum score (1–5) for each grade, best first.
DEFAULT_CUTOFFS = [Decimal(x) for x in ("4.5", "4.2", "3.9", "3.5", "3.1", "2.7", "2.3", "1.9", "0")]


def grade_for(score, cutoffs=DEFAULT_CUTOFFS):
    for grade, minimum in zip(TECHNOLOGY_GRADES, cutoffs, strict=True):
        if Decimal(score) >= minimum:
            return grade
    return TECHNOLOGY_GRADES[-1]


def scorecard(
    ratings, *, indicators=DEFAULT_INDICATORS, area_weights=DEFAULT_AREA_WEIGHTS, cutoffs=DEFAULT_CUTOFFS
):
    """``ratings``: {indicator: 1..5}. Returns (score, grade, {area: mean}). Every indicator must be rated."""
    areas = {}
    for area, names in indicators.items():
        missing = [n for n in names if n not in ratings]
        if missing:
            raise ValueError(f"not rated: {', '.join(missing)}")
        values = [int(ratings[n]) for n in names]
        if any(v < 1 or v > 5 for v in values):
            raise ValueError("ratings are 1 to 5")
        areas[area] = Decimal(sum(values)) / len(values)
    total_weight = sum(area_weights.values())
    score = (sum(areas[a] * area_weights[a] for a in areas) / total_weight).quantize(Decimal("0.01"))
    return score, grade_for(score, cutoffs), {a: v.quantize(Decimal("0.01")) for a, v in areas.items()}
