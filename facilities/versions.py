"""Schedule versions: the first schedule of a facility, and its rebuild from the outstanding balance when a later
tranche is drawn or a restructuring is confirmed. The schedule being replaced stays readable as an earlier version.

A rebuild keeps every instalment due on or before its day as it is (arrears stay due), and every instalment a
payment has reached; the rest is replaced by a new segment computed on what is left to repay (plus a new tranche),
on the monthly grid of the last kept instalment. Each segment keeps its terms, so the interest subsidy (the interest
at the base rate minus at the borrower's rate) is recomputed exactly: the part of the replaced segment that was kept,
plus the new segment.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import Conflict

from .models import Installment, ScheduleVersion
from .schedules import schedule


def _row(installment) -> dict:
    return {
        "number": installment.number,
        "due_date": installment.due_date.isoformat(),
        "principal": str(installment.principal),
        "interest": str(installment.interest),
        "paid_principal": str(installment.paid_principal),
        "paid_interest": str(installment.paid_interest),
    }


def segment_subsidy(segment: dict, currency: str, *, upto: int | None = None) -> Decimal:
    """The subsidy of a segment's rows (all, or those numbered up to ``upto``): base-rate interest minus interest."""
    kwargs = {
        "kind": segment["kind"],
        "principal": Decimal(segment["balance"]),
        "months": segment["months"],
        "start": date.fromisoformat(segment["start"]),
        "currency": currency,
        "grace_months": segment["grace_months"],
    }
    base = schedule(annual_rate=Decimal(segment["base_rate"]), **kwargs)
    paid = schedule(annual_rate=Decimal(segment["rate"]), **kwargs)
    offset = segment["first_number"] - 1
    return sum(
        (
            b.interest - p.interest
            for b, p in zip(base, paid, strict=True)
            if upto is None or offset + b.number <= upto
        ),
        Decimal(0),
    )


def _segment(facility, *, first_number, start, balance, months, grace_months, rate, subsidy_before) -> dict:
    return {
        "first_number": first_number,
        "start": start.isoformat(),
        "balance": str(balance),
        "months": months,
        "grace_months": grace_months,
        "rate": str(rate),
        "base_rate": str(facility.base_rate),
        "kind": facility.schedule_type,
        "subsidy_before": str(subsidy_before),
    }


def _save_version(facility, *, reason, on, segment, actor) -> ScheduleVersion:
    subsidy = Decimal(segment["subsidy_before"]) + segment_subsidy(segment, facility.currency)
    last = facility.schedule_versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ScheduleVersion.objects.create(
        facility=facility,
        number=last + 1,
        reason=reason,
        effective_on=on,
        segment=segment,
        rows=[_row(i) for i in facility.installments.order_by("number")],
        interest_subsidy=subsidy,
        created_by=actor,
    )


def _write_rows(facility, segment, first_number):
    rows = schedule(
        kind=facility.schedule_type,
        principal=Decimal(segment["balance"]),
        annual_rate=Decimal(segment["rate"]),
        months=segment["months"],
        start=date.fromisoformat(segment["start"]),
        currency=facility.currency,
        grace_months=segment["grace_months"],
    )
    Installment.objects.bulk_create(
        Installment(
            facility=facility,
            number=first_number - 1 + r.number,
            due_date=r.due_date,
            principal=r.principal,
            interest=r.interest,
        )
        for r in rows
    )


def schedule_first(*, facility, amount: Decimal, on: date, actor) -> ScheduleVersion:
    """The first schedule: ``amount`` over the facility's term from ``on``, as version 1."""
    segment = _segment(
        facility,
        first_number=1,
        start=on,
        balance=amount,
        months=facility.term_months,
        grace_months=0,
        rate=facility.subsidised_rate,
        subsidy_before=0,
    )
    _write_rows(facility, segment, 1)
    return _save_version(
        facility, reason=ScheduleVersion.Reason.DISBURSEMENT, on=on, segment=segment, actor=actor
    )


def _current_segment(facility, actor) -> dict:
    """The last version's segment; a facility disbursed before versions existed gets its version 1 now."""
    version = facility.schedule_versions.order_by("-number").first()
    if version is not None:
        return version.segment
    segment = _segment(
        facility,
        first_number=1,
        start=facility.disbursed_on,
        balance=facility.principal,
        months=facility.term_months,
        grace_months=0,
        rate=facility.subsidised_rate,
        subsidy_before=0,
    )
    _save_version(
        facility,
        reason=ScheduleVersion.Reason.DISBURSEMENT,
        on=facility.disbursed_on,
        segment=segment,
        actor=actor,
    )
    return segment


def _split(installments, on):
    """(kept, replaced, principal released from kept rows): kept is the prefix of rows due by ``on`` or reached by
    a payment; a kept row due later (paid ahead) is cut to what was paid, its unpaid principal goes to the balance."""
    reached = [
        n for n, i in enumerate(installments) if i.due_date <= on or i.paid_principal or i.paid_interest
    ]
    cut = reached[-1] + 1 if reached else 0
    kept, released = installments[:cut], Decimal(0)
    for installment in kept:
        if installment.due_date > on:
            released += installment.principal - installment.paid_principal
            installment.principal, installment.interest = (
                installment.paid_principal,
                installment.paid_interest,
            )
            installment.save(update_fields=["principal", "interest"])
    return kept, installments[cut:], released


def schedule_rebuild(
    *,
    facility,
    on: date,
    add_principal: Decimal,
    extension_months: int,
    grace_months: int,
    rate,
    reason,
    actor,
) -> ScheduleVersion:
    """Replace the instalments not yet due (see the module) by a new segment; ``facility`` is locked by the caller.
    Sets the facility's term, rate and interest subsidy (saved by the caller); returns the new version."""
    previous = _current_segment(facility, actor)
    installments = list(facility.installments.select_for_update().order_by("number"))
    kept, replaced, released = _split(installments, on)
    balance = released + add_principal + sum((i.principal - i.paid_principal for i in replaced), Decimal(0))
    months = len(replaced) + extension_months
    if months < 1 or balance <= 0:
        raise Conflict(
            _("No instalment is left to reschedule: the facility is past its maturity."), code="past_maturity"
        )
    if grace_months >= months:
        raise Conflict(
            _("The grace period must be shorter than the %(n)s months left.") % {"n": months},
            code="grace_too_long",
        )
    subsidy_before = Decimal(previous["subsidy_before"]) + segment_subsidy(
        previous, facility.currency, upto=len(kept)
    )
    segment = _segment(
        facility,
        first_number=len(kept) + 1,
        start=kept[-1].due_date if kept else facility.disbursed_on,
        balance=balance,
        months=months,
        grace_months=grace_months,
        rate=rate,
        subsidy_before=subsidy_before,
    )
    Installment.objects.filter(pk__in=[i.pk for i in replaced]).delete()
    _write_rows(facility, segment, len(kept) + 1)
    version = _save_version(facility, reason=reason, on=on, segment=segment, actor=actor)
    facility.term_months, facility.subsidised_rate = len(kept) + months, Decimal(rate)
    facility.interest_subsidy = version.interest_subsidy
    return version
