"""The per-day ledger summary (LedgerDay) kept in step with the cash-flow ledger.

Every write to the ledger (an entry recorded, an entry accepted or rejected) recomputes the rows of the days it
touches from the entries themselves, inside its transaction and under a lock on the fund, so that two entries of
the same fund and day, recorded at once, cannot each miss the other. ``rebuild`` recomputes everything (the migration
that introduced the table, the benchmark's generated data, a repair after a manual change of entries).
"""

from django.db.models import Count, Q, Sum

from .models import CashFlow, Fund, LedgerDay, Validation

SUMS = {"called": "call", "reserved": "reserve", "deployed": "deploy", "fees": "fee", "distributions": "distribution"}


def _day_totals(entries):
    """The LedgerDay figures of each (fund, day) of ``entries``, in one grouped query."""
    counted = entries.exclude(validation=Validation.REJECTED)
    aggregates = {field: Sum("amount", filter=Q(kind=kind), default=0) for field, kind in SUMS.items()}
    rows = counted.values("fund_id", "date").annotate(
        **aggregates, nav=Sum("amount", filter=Q(kind="nav")), cash=Sum("cash", filter=Q(kind="nav")),
        invested=Count("pk", filter=Q(kind="deploy", amount__gt=0))).order_by("fund_id", "date")
    for row in rows:
        row["invested"] = row["invested"] > 0
        yield row


def refresh(fund_id, day):
    """Recompute the fund's row of ``day`` (deleted when no entry counts). Call inside the writing transaction."""
    list(Fund.objects.select_for_update().filter(pk=fund_id).values_list("pk"))  # one writer per fund at a time
    totals = next(_day_totals(CashFlow.objects.filter(fund_id=fund_id, date=day)), None)
    if totals is None:
        LedgerDay.objects.filter(fund_id=fund_id, date=day).delete()
        return
    fund_id, day = totals.pop("fund_id"), totals.pop("date")
    LedgerDay.objects.update_or_create(fund_id=fund_id, date=day, defaults=totals)


def rebuild(fund_ids=None, batch=5000, *, cash_flows=CashFlow, ledger_days=LedgerDay):
    """Recompute every LedgerDay (of ``fund_ids``, or of all funds) from the entries. ``cash_flows``/``ledger_days``:
    the models to use (a migration passes its historical ones)."""
    entries, days = cash_flows.objects.all(), ledger_days.objects.all()
    if fund_ids is not None:
        entries, days = entries.filter(fund_id__in=fund_ids), days.filter(fund_id__in=fund_ids)
    days.delete()
    rows = []
    for totals in _day_totals(entries):
        rows.append(ledger_days(**totals))
        if len(rows) >= batch:
            ledger_days.objects.bulk_create(rows)
            rows = []
    ledger_days.objects.bulk_create(rows)
