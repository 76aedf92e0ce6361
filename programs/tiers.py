"""The guarantee tier table of a program: which coverage and annual fee a facility takes.

Guarantee agencies publish their terms as a table by technology grade, the borrower's growth and the tenure;
the first row (by ``order``) that matches applies. Pure reads: the caller brings the grade and the revenues.
"""

from decimal import Decimal

from .models import GrowthGroup

HIGH_GROWTH = Decimal("0.2")


def growth_group_of(revenues):
    """``revenues``: [(year, revenue)] oldest first → the growth group from the last two consecutive years."""
    if len(revenues) < 2:
        return GrowthGroup.UNKNOWN
    (year0, revenue0), (year1, revenue1) = revenues[-2:]
    if year1 != year0 + 1 or revenue0 <= 0:
        return GrowthGroup.UNKNOWN
    growth = (Decimal(revenue1) - Decimal(revenue0)) / Decimal(revenue0)
    if growth >= HIGH_GROWTH:
        return GrowthGroup.HIGH
    return GrowthGroup.GROWING if growth >= 0 else GrowthGroup.DECLINING


def tier_matches(tier, *, grade, growth_group, term_months):
    return (
        (not tier.grades or grade in tier.grades)
        and (not tier.growth_group or tier.growth_group == growth_group)
        and tier.min_term_months <= term_months <= tier.max_term_months
    )


def guarantee_tier_for(*, program, grade, growth_group, term_months):
    """The first tier of the program's table that fits, or None."""
    for tier in program.guarantee_tiers.all():
        if tier_matches(tier, grade=grade, growth_group=growth_group, term_months=term_months):
            return tier
    return None
