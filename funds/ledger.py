"""The ledger's summaries, kept in step with the append-only cash-flow ledger: per fund and day (LedgerDay), per
fund and quarter (LedgerQuarter) and the investors' dated flows per fund (InvestorFlows). Fund reports and pages
read these, never the entries.

A new entry is inserted and added to its day and its quarter (``append``: one upsert each, the sums added in SQL,
exact decimals; on PostgreSQL the three are one statement) and, for a call or a distribution, its day's net flow
is set in the fund's sorted arrays (in place when it can), inside the entry's transaction and after ``lock`` (the
fund's row), so that two entries of the same fund recorded at once cannot each miss the other. An entry rejected
on review leaves the sums: ``refresh`` recomputes the day it touches from the entries themselves, then that day's
quarter from its days and the day's place in the investor flows. ``rebuild`` recomputes everything (the migration
that introduced the tables, the benchmark's generated data, a repair after a manual change of entries); the tests
hold ``append`` and ``refresh`` to what it gives.
"""

import functools
from collections import defaultdict
from datetime import date
from decimal import Decimal

import numpy as np
from django.apps import apps as installed_apps
from django.db import connection
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


def _flow_of(called, distributions):
    """The day's place in the investor flows: its net flow, or None when the day has neither a call nor a
    distribution (the days ``rebuild`` keeps: see _investor_rows)."""
    return _net(called, distributions) if called or distributions else None


def _placed(flows, ordinal, net):
    """The (days, amounts) columns of ``flows`` (an InvestorFlows row, or None) with the day ``ordinal`` set to
    ``net``, or taken out when ``net`` is None; the days stay sorted."""
    days, amounts = (np.array(a) for a in unpack(flows)) if flows else (np.array([], np.int64), np.array([]))
    at = int(np.searchsorted(days, ordinal))
    present = at < days.size and days[at] == ordinal
    if present and net is not None:
        amounts[at] = net
    elif present:
        days, amounts = np.delete(days, at), np.delete(amounts, at)
    elif net is not None:
        days, amounts = np.insert(days, at, ordinal), np.insert(amounts, at, net)
    return pack(days, amounts)


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
    net = _flow_of(totals["called"], totals["distributions"]) if totals else None
    flows, _created = m["InvestorFlows"].objects.get_or_create(fund_id=fund_id)
    m["InvestorFlows"].objects.filter(pk=flows.pk).update(**_placed(flows, day.toordinal(), net))


# A new entry, inserted and added to its day's and its quarter's sums in SQL (exact decimals). A NAV (and its cash)
# is the sum of the day's NAV entries, null when there are none; a quarter's last investment and last NAV days are
# the latest of its days with a positive deployment, with a NAV. Each statement runs as it is on SQLite; PostgreSQL
# runs the three as one (``_run``).
_ADD_SUMS = ", ".join(f"{name} = s.{name} + excluded.{name}" for name in SUMS)
_ADD_NULLABLE = "{0} = CASE WHEN excluded.{0} IS NULL THEN s.{0} ELSE COALESCE(s.{0}, 0) + excluded.{0} END"
_LATEST = (
    "{0} = CASE WHEN excluded.{0} IS NOT NULL AND (s.{0} IS NULL OR excluded.{0} > s.{0}) "
    "THEN excluded.{0} ELSE s.{0} END"
)
_SQL = {
    "lock": "SELECT id FROM {Fund} WHERE id = %s{for_update}",
    "entry": "INSERT INTO {CashFlow} ({entry_columns}) VALUES ({entry_values}) RETURNING id",
    "day": "INSERT INTO {LedgerDay} AS s (fund_id, date, called, reserved, deployed, fees, distributions, nav, cash, "
    "invested) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (fund_id, date) DO UPDATE SET "
    f"{_ADD_SUMS}, {_ADD_NULLABLE.format('nav')}, {_ADD_NULLABLE.format('cash')}, "
    "invested = s.invested OR excluded.invested RETURNING called, distributions",
    "quarter": "INSERT INTO {LedgerQuarter} AS s (fund_id, quarter, called, reserved, deployed, fees, distributions, "
    "last_investment, last_nav) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (fund_id, quarter) DO UPDATE "
    f"SET {_ADD_SUMS}, {_LATEST.format('last_investment')}, {_LATEST.format('last_nav')}",
    "read_flows": "SELECT days, amounts FROM {InvestorFlows} WHERE fund_id = %s",
    # PostgreSQL: where the day is in the fund's days (1-based byte, 0: absent), their length and the last one
    "probe": "position(%s::bytea in f.days), length(f.days), substring(f.days from length(f.days) - 7)",
    "join": "LEFT JOIN {InvestorFlows} f ON f.fund_id = %s",
    "set_flow": "UPDATE {InvestorFlows} SET amounts = overlay(amounts placing %s from %s for 8) "
    "WHERE fund_id = %s AND substring(days from %s for 8) = %s",
    "append_flow": "UPDATE {InvestorFlows} SET days = days || %s, amounts = amounts || %s "
    "WHERE fund_id = %s AND length(days) = %s AND length(amounts) = %s",
    "write_flows": "INSERT INTO {InvestorFlows} (fund_id, days, amounts) VALUES (%s, %s, %s) "
    "ON CONFLICT (fund_id) DO UPDATE SET days = excluded.days, amounts = excluded.amounts",
}
FLOW_KINDS = ("call", "distribution")
CENT = Decimal("0.01")


def _entry_fields():
    return [f for f in _models(installed_apps)["CashFlow"]._meta.concrete_fields if not f.primary_key]


@functools.cache
def _sql():
    """The statements of ``lock`` and ``append`` with the tables' names, built once."""
    names = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in _models(installed_apps).items()
    }
    fields = _entry_fields()
    return {
        key: template.format(
            **names,
            for_update=" FOR UPDATE" if connection.features.has_select_for_update else "",
            entry_columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
            entry_values=", ".join(["%s"] * len(fields)),
        )
        for key, template in _SQL.items()
    }


def lock(fund_id):
    """Lock the fund's row for a write to its ledger: one writer of a fund's ledger at a time (and no licence change
    meanwhile). Anything the write reads must be read by a later statement: a statement that waited for the lock
    still sees the tables as they were when it started."""
    with connection.cursor() as cursor:
        cursor.execute(_sql()["lock"], [fund_id])


def _decimal(value):
    """A sum read back from the database: exact on PostgreSQL; SQLite keeps its numbers as floats."""
    return value if isinstance(value, Decimal) else Decimal(repr(value)).quantize(CENT)


def _parameters(entry):
    """The parameters of the entry's INSERT (its values as the ORM would write them) and of the upserts that add it
    to its day and its quarter."""
    inserted = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in _entry_fields()]
    amount, cash = (
        entry._meta.get_field(name).to_python(getattr(entry, name)) for name in ("amount", "cash")
    )
    sums = [amount if kind == entry.kind else Decimal(0) for kind in SUMS.values()]
    nav, invested = entry.kind == "nav", entry.kind == "deploy" and amount > 0
    day, quarter = (
        connection.ops.adapt_datefield_value(d) for d in (entry.date, quarter_bounds(entry.date)[0])
    )
    navs = [amount, cash] if nav else [None, None]
    quarter_sums = [entry.fund_id, quarter, *sums, day if invested else None, day if nav else None]
    return inserted, [entry.fund_id, day, *sums, *navs, invested], quarter_sums


def _run(cursor, entry, flows):
    """Insert ``entry`` and add it to its day and its quarter: (its id, its day's calls and distributions, and with
    ``flows`` on PostgreSQL where the day is in the fund's investor flows: see _set_in_place). One statement on
    PostgreSQL (a data-modifying WITH: its parts see the tables as they were before it, none reads what another
    writes)."""
    sql, (inserted, day, quarter) = _sql(), _parameters(entry)
    if connection.vendor == "postgresql":
        probe, join, probed = (
            ("NULL, NULL, NULL", "", []) if not flows else (sql["probe"], sql["join"], [entry.fund_id])
        )
        cursor.execute(
            f"WITH e AS ({sql['entry']}), d AS ({sql['day']}), q AS ({sql['quarter']}) "
            f"SELECT e.id, d.called, d.distributions, {probe} FROM e CROSS JOIN d {join}",
            [*inserted, *day, *quarter, *([_day_bytes(entry.date)] if flows else []), *probed],
        )
        entry_id, called, distributions, *found = cursor.fetchone()
        return entry_id, called, distributions, found
    results = []
    for statement, params in ((sql["entry"], inserted), (sql["day"], day)):
        cursor.execute(statement, params)
        results.extend(cursor.fetchone())
    cursor.execute(sql["quarter"], quarter)
    return *results, None


def _day_bytes(day):
    return np.array([day.toordinal()], dtype=np.int64).tobytes()


def _set_in_place(cursor, fund_id, day, net, was, found):
    """Set the day's net flow without reading the arrays, when it is a day already there (its amount overwritten)
    or a day after the last (appended); each UPDATE checks the arrays are as ``found`` saw them. False when the
    day is another case (a new day before the last, a day that goes) or the arrays are not as expected."""
    at, length, last = found
    if at is None or net is None:
        return False
    amount = np.array([net], dtype=np.float64).tobytes()
    if was and at and (at - 1) % 8 == 0:
        cursor.execute(_sql()["set_flow"], [amount, at, fund_id, at, _day_bytes(day)])
    elif not was and not at and (not length or np.frombuffer(bytes(last), np.int64)[0] < day.toordinal()):
        cursor.execute(_sql()["append_flow"], [_day_bytes(day), amount, fund_id, length, length])
    else:
        return False
    return cursor.rowcount == 1


def _set_flow(cursor, entry, called, distributions, found):
    """Set the entry's day in the fund's investor flows: in place when it can (PostgreSQL), else the arrays read,
    the day set (or taken out) and written."""
    called, distributions = _decimal(called), _decimal(distributions)
    net = _flow_of(called, distributions)
    added = Decimal(entry.amount)
    before = (called - added, distributions) if entry.kind == "call" else (called, distributions - added)
    was = _flow_of(*before)  # the day's flow before the entry: whether the arrays hold the day
    if found is not None and _set_in_place(cursor, entry.fund_id, entry.date, net, was is not None, found):
        return
    cursor.execute(_sql()["read_flows"], [entry.fund_id])
    row = cursor.fetchone()
    kept = _models(installed_apps)["InvestorFlows"](days=row[0], amounts=row[1]) if row else None
    placed = _placed(kept, entry.date.toordinal(), net)
    cursor.execute(_sql()["write_flows"], [entry.fund_id, placed["days"], placed["amounts"]])


def append(entry):
    """Insert ``entry`` (a new CashFlow, not saved) and add it to the summaries: its day, its quarter and, for a
    call or a distribution, its day's net flow in the fund's investor flows. Call after ``lock``, in the
    transaction that records the entry. Two statements on PostgreSQL, but for a call or distribution on a new day
    before the fund's last (four)."""
    flows = entry.kind in FLOW_KINDS
    with connection.cursor() as cursor:
        entry.pk, called, distributions, found = _run(cursor, entry, flows)
        entry._state.adding, entry._state.db = False, connection.alias
        if flows:
            _set_flow(cursor, entry, called, distributions, found)
    return entry


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
