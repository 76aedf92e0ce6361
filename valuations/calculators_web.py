"""The calculators as the pages use them: the forms (pre-filled from an order), their results as plain data (what is
shown and what is attached to a report), and the labels of the calculators' named parts in the reader's language."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from .calculators import cost_approach, relief_from_royalty, scorecard
from .forms import CostForm, RoyaltyForm, ScorecardForm, royalty_initial_for


def plain(value):
    """JSON-able: Decimals and dates as text, tuples and dataclasses as lists and dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _royalty(form):
    data = form.cleaned_data
    total, lines = relief_from_royalty(
        revenues=data["revenues"],
        royalty_rate=data["royalty_rate"],
        tax_rate=data["tax_rate"],
        discount_rate=data["discount_rate"],
        valuation_date=timezone.localdate(),
        expiry_date=data["expiry_date"],
        currency=data["currency"],
    )
    return {"total": total, "lines": lines}


def _cost(form):
    value, steps = cost_approach(**form.cleaned_data)
    return {"value": value, "steps": steps}


def _scorecard(form):
    value, grade, areas = scorecard(form.ratings())
    return {
        "score": value,
        "grade": grade,
        "areas": areas,
    }


CALCULATORS = {
    "royalty": (RoyaltyForm, _royalty),
    "cost": (CostForm, _cost),
    "scorecard": (ScorecardForm, _scorecard),
}


def calculator_forms(*, data, which, order=None) -> dict:
    """The three forms; the one named ``which`` bound to ``data``; the royalty one pre-filled from the order."""
    forms = {}
    for kind, (form_class, _run) in CALCULATORS.items():
        initial = royalty_initial_for(order) if order is not None and kind == "royalty" else None
        forms[kind] = form_class(data if kind == which else None, initial=initial)
    return forms


def calculator_results(forms) -> dict:
    """{kind: result} of the bound, valid forms."""
    return {
        kind: CALCULATORS[kind][1](form) for kind, form in forms.items() if form.is_bound and form.is_valid()
    }


def calculator_inputs(form) -> dict:
    """What the valuer entered, as attached to the report."""
    return plain(form.cleaned_data)
