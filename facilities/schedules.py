"""Repayment schedules as pure functions: monthly installments, amounts in the currency's minor unit.

Rounding: each installment's interest and principal are rounded half-up; the last installment takes whatever
principal is left, so the principal parts always sum to the loan exactly.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from core.money import minor_unit


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self):
        return self.principal + self.interest


def unit(currency):
    return minor_unit(currency)


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return date(year, month, min(day.day, last[month - 1]))


def schedule(*, kind, principal, annual_rate, months, start, currency, grace_months=0):
    """``kind``: annuity (equal payments), equal_principal, or bullet (interest monthly, principal at the end).

    ``grace_months``: the first months pay interest only; the principal is then repaid over the months left."""
    if not 0 <= grace_months < months:
        raise ValueError("the grace period must be shorter than the term")
    q = unit(currency)
    principal, rate = Decimal(principal), Decimal(annual_rate) / 12
    lines = [
        Installment(n, add_months(start, n), Decimal(0) * q, (principal * rate).quantize(q, ROUND_HALF_UP))
        for n in range(1, grace_months + 1)
    ]
    amortising = _amortise(kind, principal, rate, months - grace_months, q)
    for n, (part, interest) in enumerate(amortising, start=grace_months + 1):
        lines.append(Installment(n, add_months(start, n), part, interest))
    return lines


def _amortise(kind, principal, rate, months, q):
    """[(principal part, interest)] of ``months`` instalments repaying ``principal`` at the monthly ``rate``."""
    balance, parts = principal, []
    if kind == "annuity":
        payment = principal / months if rate == 0 else principal * rate / (1 - (1 + rate) ** -months)
        payment = payment.quantize(q, rounding=ROUND_HALF_UP)
    for n in range(1, months + 1):
        interest = (balance * rate).quantize(q, rounding=ROUND_HALF_UP)
        if n == months:
            part = balance
        elif kind == "annuity":
            part = payment - interest
        elif kind == "equal_principal":
            part = (principal / months).quantize(q, rounding=ROUND_HALF_UP)
        elif kind == "bullet":
            part = Decimal(0)
        else:
            raise ValueError(f"unknown schedule {kind!r}")
        parts.append((part, interest))
        balance -= part
    return parts


def allocate(proceeds, weights, currency):
    """Split ``proceeds`` in proportion to ``weights`` (e.g. each party's loss) in minor units; the parts always
    sum to the whole. Largest remainder first; ties go to the earlier party (deterministic)."""
    q = unit(currency)
    total_units = int((Decimal(proceeds) / q).to_integral_value(rounding=ROUND_HALF_UP))
    weights = [Decimal(w) for w in weights]
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError("weights must be positive")
    exact = [Decimal(total_units) * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]
    left = total_units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(units) * q for units in floors]


@dataclass(frozen=True)
class Allocation:
    """Where the proceeds of a disposal go; the four parts sum to the proceeds exactly."""

    costs: Decimal
    agency: Decimal
    bank: Decimal
    borrower: Decimal

    @property
    def total(self):
        return self.costs + self.agency + self.bank + self.borrower


def allocate_proceeds(*, proceeds, costs, agency_loss, bank_loss, currency):
    """The disposal's costs first; then the agency and the bank pro rata to their losses, each capped at its loss;
    whatever is left is the borrower's surplus. Amounts in the currency's minor unit (``proceeds`` must be)."""
    q = unit(currency)
    proceeds = Decimal(proceeds)
    costs_paid = min(Decimal(costs).quantize(q, rounding=ROUND_HALF_UP), proceeds)
    rest = proceeds - costs_paid
    agency_loss = Decimal(agency_loss).quantize(q, rounding=ROUND_HALF_UP)
    bank_loss = Decimal(bank_loss).quantize(q, rounding=ROUND_HALF_UP)
    if rest >= agency_loss + bank_loss:
        return Allocation(costs_paid, agency_loss, bank_loss, rest - agency_loss - bank_loss)
    # rest < the losses: each share rest × loss / losses is below its loss, and the largest-remainder rounding
    # adds at most one minor unit to a share whose exact value is not whole, so no share passes its loss
    agency, bank = allocate(rest, [agency_loss, bank_loss], currency)
    return Allocation(costs_paid, agency, bank, Decimal(0) * q)


def dpd_bucket(days_past_due):
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"
