"""Budget moves of a program. Each is one conditional UPDATE, so two racing
requests can never take the same money twice; the CheckConstraint
``program_budget_within_envelope`` is the database's own backstop."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F

from core.errors import Conflict, InvalidInput
from core.money import round_money

from .models import Program


def program_budget_share(*, program: Program, amount: Decimal, coverage: Decimal | None = None) -> Decimal:
    """What a case draws on the program's budget: the whole principal for a loan, the guaranteed share for a
    guarantee (``coverage``; before the facility's tier is known, the program's highest coverage). Rounded once to
    the currency's minor unit, half up."""
    amount = Decimal(amount)
    if program.kind != "ip_guaranteed_loan":
        return amount
    return round_money(
        amount * Decimal(program.guarantee_coverage_max if coverage is None else coverage), program.currency
    )


def _positive(amount):
    amount = Decimal(amount)
    if amount <= 0:
        raise InvalidInput("The amount must be positive.", code="invalid_amount")
    return amount


def program_budget_commit(*, program: Program, amount: Decimal) -> None:
    """Reserve ``amount`` of the envelope for a submitted case. Raises Conflict(over_budget)."""
    amount = _positive(amount)
    updated = Program.objects.filter(
        pk=program.pk, budget_committed__lte=F("budget_envelope") - F("budget_used") - amount
    ).update(budget_committed=F("budget_committed") + amount)
    if not updated:
        raise Conflict(
            "The program's budget cannot cover this amount any more.",
            code="over_budget",
            details={"program": program.code, "amount": str(amount)},
        )


def program_budget_release(*, program: Program, amount: Decimal) -> None:
    """Give back a reservation (withdrawn or rejected case, or approved for less)."""
    amount = _positive(amount)
    updated = Program.objects.filter(pk=program.pk, budget_committed__gte=amount).update(
        budget_committed=F("budget_committed") - amount
    )
    if not updated:
        raise Conflict("More would be released than is committed.", code="budget_inconsistent")


def program_budget_use(*, program: Program, amount: Decimal) -> None:
    """Turn a reservation into money used (the loan is disbursed)."""
    amount = _positive(amount)
    updated = Program.objects.filter(pk=program.pk, budget_committed__gte=amount).update(
        budget_committed=F("budget_committed") - amount, budget_used=F("budget_used") + amount
    )
    if not updated:
        raise Conflict("The disbursement is larger than the amount committed for it.", code="over_budget")
