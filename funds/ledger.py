"""The ledger's summaries, kept in step with the append-only cash-flow ledger: per fund and day (LedgerDay), per
fund and quarter (LedgerQuarter) and the investors' dated flows per fund (InvestorFlows). Fund reports and pages
read these, never the entries.

Every write to the ledger (an entry recorded, an entry accepted or rejected) recomputes the day it touches from the
entries themselves, then that day's quarter from its days and the day's place in the fund's investor flows, inside
its transaction and under a lock on the fund, so that two entries of the same fund recorded at once cannot each miss
the other. ``rebuild``
recomputes everything (the migration that introduced the tables, the benchmark's generated data, a repair after a
manual change of entries).
"""

from collections import defaultdict
from datetime import date

import numpy as np
from django.apps import apps as installed_apps
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncQuarter

from reporting.periods import quarter_bounds

SUMS = {
    "called": "call",
    "reserved": "reserve",
    "deployed": "deploy",
    "fees": "fee",
    "distributions": "distribution",
}


def _models(apps):
    return {
        name: apps.get_model("funds", name)
        for name in ("Fund", "CashFlow", "LedgerDay", "LedgerQuarter", "InvestorFlows")
    }


def _day_totals(entries):
    """The LedgerDay figures of each (fund, day) of ``entries``, in one grouped query (rejected entries left out)."""
    aggregates = {field: Sum("amount", filter=Q(kind=kind), default=0) for field, kind in SUMS.items()}
    rows = (
        entries.exclude(validation="rejected")
        .values("fund_id", "date")
        .annotate(
            **aggregates,
            nav=Sum("amount", filter=Q(kind="nav")),
            cash=Sum("cash", filter=Q(kind="nav")),
            invested=Count("pk", filter=Q(kind="deploy", amount__gt=0)),
        )
        .order_by("fund_id", "date")
    )
    for row in rows:
        row["invested"] = row["invested"] > 0
        yield row


def quarter_totals(days):
    """The LedgerQuarter figures of each (fund, quarter) of the LedgerDay rows ``days``, in one grouped query."""
    return (
        days.annotate(quarter=TruncQuarter("date"))
        .values("fund_id", "quarter")
        .annotate(
            **{field: Sum(field) for field in SUMS},
            last_investment=Max("date", filter=Q(invested=True)),
            last_nav=Max("date", filter=Q(nav__isnull=False)),
        )
        .order_by("fund_id", "quarter")
    )


def pack(days, amounts):
    """The InvestorFlows columns of ordinal days and float amounts."""
    return {
        "days": np.asarray(days, dtype=np.int64).tobytes(),
        "amounts": np.asarray(amounts, dtype=np.float64).tobytes(),
    }


def unpack(flows):
    """(days, amounts) arrays of an InvestorFlows row (see funds.metrics.dated_arrays)."""
    return np.frombuffer(bytes(flows.days), dtype=np.int64), np.frombuffer(
        bytes(flows.amounts), dtype=np.float64
    )


def _investor_rows(days):
    """(fund id, ordinal day, net flow) of the LedgerDay rows ``days`` with an investor flow, by fund and day."""
    for fund_id, day, called, distributions in (
        days.exclude(called=0, distributions=0)
        .order_by("fund_id", "date")
        .values_list("fund_id", "date", "called", "distributions")
    ):
        yield fund_id, day.toordinal(), _net(called, distributions)


def _net(called, distributions):
    """The investors' flow of a day: distributions in, calls out."""
    return float(distributions - called)


def refresh(fund_id, day, apps=installed_apps):
    """Recompute the fund's summaries that the entries of ``day`` feed: the day, its quarter and the day's investor
    flow in the fund's sorted arrays. Call inside the writing transaction."""
    m = _models(apps)
    list(
        m["Fund"].objects.select_for_update().filter(pk=fund_id).values_list("pk")
    )  # one writer per fund at a time
    day = day if isinstance(day, date) else date.fromisoformat(str(day))
    totals = next(_day_totals(m["CashFlow"].objects.filter(fund_id=fund_id, date=day)), None)
    if totals is None:
        m["LedgerDay"].objects.filter(fund_id=fund_id, date=day).delete()
    else:
        del totals["fund_id"], totals["date"]
        m["LedgerDay"].objects.update_or_create(fund_id=fund_id, date=day, defaults=totals)
    start, end = quarter_bounds(day)
    quarter = next(
        iter(quarter_totals(m["LedgerDay"].objects.filter(fund_id=fund_id, date__range=(start, end)))), None
    )
    if quarter is None:
        m["LedgerQuarter"].objects.filter(fund_id=fund_id, quarter=start).delete()
    else:
        del quarter["fund_id"], quarter["quarter"]
        m["LedgerQuarter"].objects.update_or_create(fund_id=fund_id, quarter=start, defaults=quarter)
    net = _net(totals["called"], totals["distributions"]) if totals else 0.0
    flows, _created = m["InvestorFlows"].objects.get_or_create(fund_id=fund_id)
    days, amounts = (np.array(a) for a in unpack(flows))  # writable copies, sorted by day
    ordinal = day.toordinal()
    at = int(np.searchsorted(days, ordinal))
    present = at < days.size and days[at] == ordinal
    if present and net:
        amounts[at] = net
    elif present:
        days, amounts = np.delete(days, at), np.delete(amounts, at)
    elif net:
        days, amounts = np.insert(days, at, ordinal), np.insert(amounts, at, net)
    m["InvestorFlows"].objects.filter(pk=flows.pk).update(**pack(days, amounts))


def rebuild(fund_ids=None, batch=5000, apps=installed_apps):
    """Recompute every summary (of ``fund_ids``, or of all funds) from the entries. ``apps``: the model registry (a
    migration passes its historical one)."""
    m = _models(apps)
    scoped = {
        name: (model.objects.filter(fund_id__in=fund_ids) if fund_ids is not None else model.objects.all())
        for name, model in m.items()
        if name != "Fund"
    }
    for name in ("LedgerDay", "LedgerQuarter", "InvestorFlows"):
        scoped[name].delete()
    rows = []
    for totals in _day_totals(scoped["CashFlow"]):
        rows.append(m["LedgerDay"](**totals))
        if len(rows) >= batch:
            m["LedgerDay"].objects.bulk_create(rows)
            rows = []
    m["LedgerDay"].objects.bulk_create(rows)
    days = scoped["LedgerDay"]  # (a queryset: read again, now with the new rows)
    m["LedgerQuarter"].objects.bulk_create(
        [m["LedgerQuarter"](**row) for row in quarter_totals(days)], batch_size=batch
    )
    flows = defaultdict(lambda: ([], []))
    for fund_id, day, amount in _investor_rows(days):
        flows[fund_id][0].append(day)
        flows[fund_id][1].append(amount)
    fund_pks = scoped["CashFlow"].order_by("fund_id").values_list("fund_id", flat=True).distinct()
    m["InvestorFlows"].objects.bulk_create(
        [m["InvestorFlows"](fund_id=fund_id, **pack(*flows[fund_id])) for fund_id in fund_pks],
        batch_size=batch,
    )
