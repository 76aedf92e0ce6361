"""Valuation calculators: pure functions on Decimals, every intermediate line returned so an officer can follow it."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from programs.models import TECHNOLOGY_GRADES


def _money(value):
    return Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


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


def relief_from_royalty(
    *, revenues, royalty_rate, tax_rate, discount_rate, valuation_date: date, expiry_date: date
):
    """PV of the royalties saved: Σ revenue_t × royalty × (1 − tax) ÷ (1 + discount)^t over the remaining life.

    ``revenues``: projected revenue for year 1, 2, ... (only as many years as the legal life allows are used).
    """
    royalty_rate, tax_rate, discount_rate = Decimal(royalty_rate), Decimal(tax_rate), Decimal(discount_rate)
    years = remaining_years(valuation_date, expiry_date, horizon=len(revenues))
    lines = []
    for t in range(1, years + 1):
        revenue = Decimal(revenues[t - 1])
        royalty = revenue * royalty_rate
        after_tax = royalty * (1 - tax_rate)
        factor = (1 / (1 + discount_rate) ** t).quantize(Decimal("0.000001"))
        lines.append(
            RoyaltyLine(t, revenue, _money(royalty), _money(after_tax), factor, _money(after_tax * factor))
        )
    return sum((line.present_value for line in lines), Decimal(0)), lines


def cost_approach(*, reproduction_cost, physical=0, functional=0, economic=0):
    """Reproduction cost less obsolescence (each a share of what is left after the previous one)."""
    value = Decimal(reproduction_cost)
    steps = [("reproduction cost", value)]
    for name, share in (
        ("physical obsolescence", physical),
        ("functional obsolescence", functional),
        ("economic obsolescence", economic),
    ):
        deduction = value * Decimal(share)
        value -= deduction
        steps.append((name, -_money(deduction)))
    return _money(value), steps


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
