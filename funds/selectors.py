from __future__ import annotations

import operator
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING

import numpy as np
from django.db import connection
from django.db.models import Max, Q, Sum
from django.http import Http404

from accounts.roles import Role
from core.money import MONEY
from reporting.periods import quarter_bounds

from .ledger import SUMS
from .metrics import ZERO, dated_arrays
from .models import Fund, InvestorFlows, LedgerDay, LedgerQuarter

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

CENTS = Decimal(1).scaleb(-MONEY["decimal_places"])
READ_ALL = (Role.OFFICIAL, Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)


def fund_visible_to(*, user: User) -> QuerySet[Fund]:
    """Officials see every fund; agency staff the funds their agency anchors; managers the sub-funds they manage."""
    funds = Fund.objects.select_related("parent", "manager")
    if user.has_role(Role.OFFICIAL):
        return funds
    agencies = user.organizations_for(Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)
    managed = user.organizations_for(Role.FUND_MANAGER)
    return funds.filter(Q(agency__in=agencies) | Q(parent__agency__in=agencies) | Q(manager__in=managed))


def fund_get_for(*, user: User, pk: int) -> Fund:
    fund = fund_visible_to(user=user).filter(pk=pk).first()
    if fund is None:
        raise Http404
    return fund


def fund_writable_by(*, user: User, fund: Fund) -> bool:
    return fund.manager_id is not None and fund.manager in user.organizations_for(Role.FUND_MANAGER)


def follow_ups_visible_to(*, user):
    """The early-warning follow-ups of the funds the user may read (funds.early_warning)."""
    from .models import FollowUp

    return FollowUp.objects.select_related("fund__parent", "fund__manager").filter(
        fund__in=fund_visible_to(user=user).values("pk")
    )


def follow_up_get_for(*, user, pk):
    follow_up = follow_ups_visible_to(user=user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    return follow_up


# -- the ledger's summaries, as the fund reports read them (funds.ledger keeps them; funds.reports reads them) ----


def report_sub_funds(scope: str) -> QuerySet[Fund]:
    """The sub-funds of a report scope ("all", or "fund:<mother pk>"), unevaluated: the reads below use it as a
    subquery (a join in the database, never a list of ids as parameters)."""
    funds = Fund.objects.filter(parent__isnull=False)
    if scope.startswith("fund:"):
        funds = funds.filter(parent_id=int(scope.split(":", 1)[1]))
    return funds


def ledger_totals(funds: QuerySet[Fund], as_of: date) -> dict[int, dict]:
    """{fund id: the ledger's sums up to ``as_of`` (funds.ledger.SUMS), the last investment and last NAV days}, from
    the quarters ended by ``as_of`` and the days of the quarter it falls in, summed in the database: one or two
    grouped queries, a row per fund."""
    start, end = quarter_bounds(as_of)
    sums = {name: Sum(name) for name in SUMS}
    grouped = [
        LedgerQuarter.objects.filter(fund__in=funds.values("pk"), quarter__lte=_ended_by(as_of))
        .values("fund_id")
        .annotate(**sums, last_investment=Max("last_investment"), last_nav=Max("last_nav"))
        .order_by()
    ]
    if end != as_of:
        grouped.append(
            LedgerDay.objects.filter(fund__in=funds.values("pk"), date__range=(start, as_of))
            .values("fund_id")
            .annotate(
                **sums,
                last_investment=Max("date", filter=Q(invested=True)),
                last_nav=Max("date", filter=Q(nav__isnull=False)),
            )
            .order_by()
        )
    totals = {}
    for row in (row for rows in grouped for row in rows):
        _add_totals(totals.setdefault(row.pop("fund_id"), {}), row)
    return totals


def _ended_by(day: date) -> date:
    """The last quarter (its first day) that has ended by ``day``."""
    start, end = quarter_bounds(day)
    return start if end == day else quarter_bounds(start - timedelta(days=1))[0]


def _add_totals(total: dict, row: dict) -> None:
    """Add ``row``'s sums to ``total`` and keep the later of each day."""
    for name, value in row.items():
        if name in ("last_investment", "last_nav"):
            before = total.get(name)
            total[name] = value if before is None or (value is not None and value > before) else before
        else:
            total[name] = total.get(name, ZERO) + _cents(value)


def _cents(total: Decimal) -> Decimal:
    """A sum of money columns at the columns' two places: SQLite sums in floating point and returns 15 digits
    (19128.2200000000); PostgreSQL's exact sums are unchanged."""
    return total.quantize(CENTS)


def latest_navs(days: dict[int, date]) -> dict[int, tuple[Decimal, Decimal | None]]:
    """{fund id: (NAV, reported cash)} of the LedgerDay of each fund's day in ``days`` (its last NAV day): one query.
    PostgreSQL joins the pairs given as two array parameters; elsewhere one condition per fund."""
    pairs = {fund_id: day for fund_id, day in days.items() if day is not None}
    if not pairs:
        return {}
    return (_navs_joined if connection.vendor == "postgresql" else _navs_matched)(pairs)


def _navs_matched(pairs: dict[int, date]) -> dict[int, tuple[Decimal, Decimal | None]]:
    latest = reduce(operator.or_, (Q(fund_id=fund_id, date=day) for fund_id, day in pairs.items()))
    rows = LedgerDay.objects.filter(latest).values_list("fund_id", "nav", "cash")
    return {fund_id: (nav, cash) for fund_id, nav, cash in rows}


def _navs_joined(pairs: dict[int, date]) -> dict[int, tuple[Decimal, Decimal | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.fund_id, d.nav, d.cash FROM {LedgerDay._meta.db_table} d "  # noqa: S608 (no input)
            "JOIN unnest(%s::bigint[], %s::date[]) AS l(fund_id, day) ON d.fund_id = l.fund_id AND d.date = l.day",
            [list(pairs), list(pairs.values())],
        )
        return {fund_id: (nav, cash) for fund_id, nav, cash in cursor.fetchall()}


def investor_flows(funds: QuerySet[Fund], as_of: date) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{fund id: (ordinal days, amounts)}: the investors' net flow of each day (distributions − calls) up to ``as_of``,
    from the packed arrays funds.ledger keeps per fund (int64 days in order, float64 amounts)."""
    flows = {}
    rows = InvestorFlows.objects.filter(fund__in=funds.values("pk")).values_list("fund_id", "days", "amounts")
    for fund_id, packed_days, packed_amounts in rows:
        days = np.frombuffer(packed_days, dtype=np.int64)
        until = int(np.searchsorted(days, as_of.toordinal(), side="right"))
        flows[fund_id] = (days[:until], np.frombuffer(packed_amounts, dtype=np.float64)[:until])
    return flows


def fee_flows(funds: QuerySet[Fund], as_of: date) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{fund id: (ordinal days, amounts)} of the management fees paid up to ``as_of`` (the gross IRR adds them back),
    a day's fees summed, in order of day. PostgreSQL packs each fund's days and amounts in the database (a row per
    fund); elsewhere a row per day."""
    days = LedgerDay.objects.filter(fund__in=funds.values("pk"), date__lte=as_of).exclude(fees=0)
    return (_fees_packed if connection.vendor == "postgresql" else _fees_by_row)(days)


def _fees_by_row(days: QuerySet) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    paid = defaultdict(list)
    for fund_id, day, fees in days.order_by("fund_id", "date").values_list("fund_id", "date", "fees"):
        paid[fund_id].append((day, fees))
    return {fund_id: dated_arrays(flows) for fund_id, flows in paid.items()}


def _fees_packed(days: QuerySet) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    sql, params = days.values("fund_id", "date", "fees").query.sql_with_params()
    with connection.cursor() as cursor:
        # each day's ordinal (as date.toordinal) and fees as float8 (numeric → float8 rounds to nearest, as
        # float(Decimal) does), packed big-endian; not sorted in the database (a sort per fund there cost more than
        # the whole read): a fund has one row a day, sorted here
        cursor.execute(
            "SELECT f.fund_id, string_agg(int4send(f.date - DATE '0001-01-01' + 1), ''::bytea), "
            f"string_agg(float8send(f.fees::float8), ''::bytea) FROM ({sql}) f GROUP BY f.fund_id",
            params,
        )
        return {
            fund_id: _by_day(packed_days, packed_amounts) for fund_id, packed_days, packed_amounts in cursor
        }


def _by_day(packed_days: bytes, packed_amounts: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(days, amounts) of big-endian int4 days and float8 amounts, in order of day (each day once)."""
    days = np.frombuffer(packed_days, dtype=">i4").astype(np.int64)
    order = np.argsort(days, kind="stable")
    return days[order], np.frombuffer(packed_amounts, dtype=">f8").astype(np.float64)[order]


def deployed_by_quarter(funds: QuerySet[Fund], until: date) -> dict[tuple[date, str], Decimal]:
    """{(quarter's first day, currency): the sub-funds' deployments in that quarter} for the quarters ended by
    ``until``, summed in the database (the pace chart converts each currency at its rate)."""
    rows = (
        LedgerQuarter.objects.filter(fund__in=funds.values("pk"), quarter__lte=_ended_by(until))
        .values_list("quarter", "fund__currency")
        .annotate(deployed=Sum("deployed"))
        .order_by()
    )
    return {(quarter, currency): _cents(deployed) for quarter, currency, deployed in rows}
