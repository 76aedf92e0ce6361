"""The ledger's summaries, kept in step with the append-only cash-flow ledger: per fund and day (LedgerDay), per
fund and quarter (LedgerQuarter) and the investors' dated flows per fund (InvestorFlows). Fund reports and pages
read these, never the entries.

A new entry adds its amount to its day and its quarter (``add``: one upsert each, the sums added in SQL, exact
decimals) and, for a call or a distribution, sets its day's net flow in the fund's sorted arrays, inside the
entry's transaction and under the lock on the fund its caller holds, so that two entries of the same fund
recorded at once cannot each miss the other. An entry rejected on review leaves the sums: ``refresh``
recomputes the day it touches from the entries themselves, then that day's quarter from its days and the day's
place in the investor flows. ``rebuild`` recomputes everything (the migration that introduced the tables, the
benchmark's generated data, a repair after a manual change of entries); the tests hold ``add`` and ``refresh``
to what it gives.
"""

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
# runs the three as one (``_together``).
_ADD_SUMS = ", ".join(f"{name} = s.{name} + excluded.{name}" for name in SUMS)
_ADD_NULLABLE = "{0} = CASE WHEN excluded.{0} IS NULL THEN s.{0} ELSE COALESCE(s.{0}, 0) + excluded.{0} END"
_LATEST = (
    "{0} = CASE WHEN excluded.{0} IS NOT NULL AND (s.{0} IS NULL OR excluded.{0} > s.{0}) "
    "THEN excluded.{0} ELSE s.{0} END"
)
_DAY_UPSERT = (
    "INSERT INTO {table} AS s (fund_id, date, called, reserved, deployed, fees, distributions, nav, cash, invested) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (fund_id, date) DO UPDATE SET "
    f"{_ADD_SUMS}, {_ADD_NULLABLE.format('nav')}, {_ADD_NULLABLE.format('cash')}, "
    "invested = s.invested OR excluded.invested RETURNING called, distributions"
)
_QUARTER_UPSERT = (
    "INSERT INTO {table} AS s (fund_id, quarter, called, reserved, deployed, fees, distributions, last_investment, "
    "last_nav) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (fund_id, quarter) DO UPDATE SET "
    f"{_ADD_SUMS}, {_LATEST.format('last_investment')}, {_LATEST.format('last_nav')}"
)
_FLOWS_UPSERT = (
    "INSERT INTO {table} (fund_id, days, amounts) VALUES (%s, %s, %s) "
    "ON CONFLICT (fund_id) DO UPDATE SET days = excluded.days, amounts = excluded.amounts"
)
_FLOWS = "(SELECT days FROM {0} WHERE fund_id = %s), (SELECT amounts FROM {0} WHERE fund_id = %s)"
FLOW_KINDS = ("call", "distribution")
CENT = Decimal("0.01")


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def lock(fund_id):
    """Lock the fund's row for a write to its ledger: one writer of a fund's ledger at a time (and no licence change
    meanwhile). Anything the write reads must be read by a later statement: a statement that waited for the lock
    still sees the tables as they were when it started."""
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_table(_models(installed_apps)['Fund'])} WHERE id = %s{for_update}", [fund_id]
        )


def _decimal(value):
    """A sum read back from the database: exact on PostgreSQL; SQLite keeps its numbers as floats."""
    return value if isinstance(value, Decimal) else Decimal(repr(value)).quantize(CENT)


def _entry_insert(entry):
    """The INSERT of a new CashFlow, as the ORM would write it, returning its id."""
    fields = [f for f in entry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {_table(entry)} ({columns}) VALUES ({placeholders}) RETURNING id", values


def _summary_upserts(entry):
    """The upserts that add ``entry`` to its day (returning the day's calls and distributions) and its quarter."""
    m = _models(installed_apps)
    amount, cash = (
        entry._meta.get_field(name).to_python(getattr(entry, name)) for name in ("amount", "cash")
    )
    sums = [amount if kind == entry.kind else Decimal(0) for kind in SUMS.values()]
    nav, invested = entry.kind == "nav", entry.kind == "deploy" and amount > 0
    day, quarter = (
        connection.ops.adapt_datefield_value(d) for d in (entry.date, quarter_bounds(entry.date)[0])
    )
    navs = [amount, cash] if nav else [None, None]
    return [
        (_DAY_UPSERT.format(table=_table(m["LedgerDay"])), [entry.fund_id, day, *sums, *navs, invested]),
        (
            _QUARTER_UPSERT.format(table=_table(m["LedgerQuarter"])),
            [entry.fund_id, quarter, *sums, day if invested else None, day if nav else None],
        ),
    ]


def _run(cursor, statements, fund_id, flows):
    """Run the entry's INSERT and its two upserts: (the entry's id, its day's calls and distributions, with
    ``flows`` the fund's investor flows as they were, days and amounts or None). One statement on PostgreSQL (a
    data-modifying WITH: its parts see the tables as they were before it, and none reads what another writes)."""
    (entry, entry_params), (day, day_params), (quarter, quarter_params) = statements
    read = _FLOWS.format(_table(_models(installed_apps)["InvestorFlows"])) if flows else "NULL, NULL"
    read_params = [fund_id, fund_id] if flows else []
    if connection.vendor == "postgresql":
        sql = f"WITH e AS ({entry}), d AS ({day}), q AS ({quarter}) SELECT e.id, d.called, d.distributions, {read} "
        cursor.execute(sql + "FROM e, d", [*entry_params, *day_params, *quarter_params, *read_params])
        return cursor.fetchone()
    cursor.execute(f"SELECT {read}", read_params)
    days, amounts = cursor.fetchone()
    cursor.execute(entry, entry_params)
    (entry_id,) = cursor.fetchone()
    cursor.execute(day, day_params)
    called, distributions = cursor.fetchone()
    cursor.execute(quarter, quarter_params)
    return entry_id, called, distributions, days, amounts


def append(entry):
    """Insert ``entry`` (a new CashFlow, not saved) and add it to the summaries: its day, its quarter and, for a
    call or a distribution, its day's net flow in the fund's investor flows. Call after ``lock``, in the
    transaction that records the entry. Two statements at most on PostgreSQL."""
    flows = entry.kind in FLOW_KINDS
    statements = [_entry_insert(entry), *_summary_upserts(entry)]
    with connection.cursor() as cursor:
        entry.pk, called, distributions, days, amounts = _run(cursor, statements, entry.fund_id, flows)
        entry._state.adding, entry._state.db = False, connection.alias
        if flows:
            model = _models(installed_apps)["InvestorFlows"]
            net = _flow_of(_decimal(called), _decimal(distributions))
            placed = _placed(
                model(days=days, amounts=amounts) if days is not None else None, entry.date.toordinal(), net
            )
            cursor.execute(_FLOWS_UPSERT.format(table=_table(model)), [entry.fund_id, *placed.values()])
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
