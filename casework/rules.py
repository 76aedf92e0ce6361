"""Pure rules of the credit review (no database)."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext_lazy as _

RULE_LABELS = {
    "program_maximum": _("the program's maximum amount"),
    "advance_rate": _("the advance rate × the accepted valuation"),
    "exposure_headroom": _("the company's remaining exposure headroom"),
    "requested_amount": _("the amount requested"),
}
BOUND_LABELS = {
    "program_minimum": _("the program's minimum amount"),
    "maximum_term": _("the program's maximum term"),
}


@dataclass(frozen=True)
class ProposedAmount:
    amount: Decimal
    binding_rule: str
    candidates: dict  # rule -> amount (None when the rule does not apply yet)

    @property
    def binding_label(self):
        return RULE_LABELS[self.binding_rule]


def proposed_amount(
    *,
    requested,
    program_maximum,
    advance_rate,
    accepted_valuation,
    exposure_ceiling,
    exposure_elsewhere,
    currency_places=0,
):
    """The lowest of the limits wins; the rule that bound it is named.

    ``accepted_valuation`` None means no valuation yet: that rule does not bind.
    Amounts are rounded down to the currency's minor unit.
    """
    unit = Decimal(1).scaleb(-currency_places)
    candidates = {
        "program_maximum": Decimal(program_maximum),
        "advance_rate": None
        if accepted_valuation is None
        else Decimal(advance_rate) * Decimal(accepted_valuation),
        "exposure_headroom": max(Decimal(0), Decimal(exposure_ceiling) - Decimal(exposure_elsewhere)),
        "requested_amount": Decimal(requested),
    }
    candidates = {
        k: (None if v is None else v.quantize(unit, rounding=ROUND_FLOOR)) for k, v in candidates.items()
    }
    binding = min((k for k, v in candidates.items() if v is not None), key=lambda k: candidates[k])
    return ProposedAmount(candidates[binding], binding, candidates)


@dataclass(frozen=True)
class BoundBroken:
    rule: str
    limit: object
    value: object

    @property
    def label(self):
        return BOUND_LABELS[self.rule]


def proposal_bounds_broken(*, amount, term_months, program_minimum, max_term_months):
    """The program's bounds a proposal breaks (empty when it may be recommended): an amount below the program's
    minimum, a term above its maximum (None: the program sets none)."""
    broken = []
    if Decimal(amount) < Decimal(program_minimum):
        broken.append(BoundBroken("program_minimum", Decimal(program_minimum), Decimal(amount)))
    if max_term_months is not None and term_months is not None and term_months > max_term_months:
        broken.append(BoundBroken("maximum_term", max_term_months, term_months))
    return broken


def weighted_score(scores):
    """``scores``: [(weight, score 1–5)] -> weighted mean, or None with no weight."""
    total_weight = sum(Decimal(w) for w, _ in scores)
    if not total_weight:
        return None
    return (sum(Decimal(w) * s for w, s in scores) / total_weight).quantize(Decimal("0.01"))
