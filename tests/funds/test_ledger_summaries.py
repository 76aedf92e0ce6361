"""The ledger's summaries (LedgerDay, LedgerQuarter, InvestorFlows) kept entry by entry by funds.ledger are those a
rebuild from the entries gives: after random sequences of every kind of entry, corrections, reviews, on days
across quarters and years, in a currency with no minor unit (KRW) and one with pence (GBP); and after writers
recording entries to one fund at the same time (PostgreSQL)."""

import random
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count

from core.errors import DomainError
from funds import ledger, services
from funds.models import CashFlow, InvestorFlows, LedgerDay, LedgerQuarter
from tests.funds.factories import mother_fund, sub_fund_fields

KINDS = ["call", "call", "distribution", "distribution", "fee", "deploy", "reserve", "nav"]
FIRST_DAY = date(2022, 11, 20)  # the days drawn span four quarters and two year ends


def summaries():
    """Every summary row, by its natural key, without ids (a fund without investor flows: empty arrays)."""
    days = {
        (row.pop("fund_id"), row.pop("date")): row
        for row in LedgerDay.objects.values(*[f.attname for f in LedgerDay._meta.concrete_fields][1:])
    }
    quarters = {
        (row.pop("fund_id"), row.pop("quarter")): row
        for row in LedgerQuarter.objects.values(*[f.attname for f in LedgerQuarter._meta.concrete_fields][1:])
    }
    flows = {}
    for row in InvestorFlows.objects.all():
        got_days, amounts = ledger.unpack(row)
        if got_days.size:
            flows[row.fund_id] = (got_days.tolist(), amounts.tolist())
    return days, quarters, flows


def _funds():
    korean = services.sub_fund_create(
        parent=mother_fund("10000000000"), actor=None, **sub_fund_fields("1000000000", name="KRW sub")
    )
    british = services.sub_fund_create(
        parent=mother_fund("10000000", currency="GBP", name="GBP mother"),
        actor=None,
        **sub_fund_fields("1000000", name="GBP sub", currency="GBP"),
    )
    return korean, british


def _amount(rng, fund):
    if fund.currency == "KRW":
        return Decimal(rng.randrange(1, 5_000_000))
    return Decimal(rng.randrange(1, 500_000)) / 100  # pence


def _record(rng, fund, recorded):
    """One random entry of ``fund``: now and then a correction of an earlier one (the opposite amount, any day)."""
    day = FIRST_DAY + timedelta(days=rng.randrange(0, 420))
    corrected = {e.corrects_id for e in recorded}
    originals = [
        e
        for e in recorded
        if e.fund_id == fund.pk and e.corrects_id is None and e.amount > 0 and e.pk not in corrected
    ]
    if originals and rng.random() < 0.2:
        original = rng.choice(originals)
        kind, amount, corrects = original.kind, -original.amount, original
    else:
        kind, amount, corrects = rng.choice(KINDS), _amount(rng, fund), None
    cash = _amount(rng, fund) if kind == "nav" and rng.random() < 0.6 else None
    try:
        return services.cash_flow_record(
            fund=fund, actor=None, kind=kind, date=day, amount=amount, cash=cash, corrects=corrects
        )
    except DomainError:  # e.g. releasing more than is reserved: refused, and nothing written
        return None


def _review(rng, recorded):
    pending = [e for e in recorded if e.validation == "pending"]
    if pending:
        entry = rng.choice(pending)
        services.cash_flow_validate(entry=entry, actor=None, accept=rng.random() < 0.5)
        entry.refresh_from_db()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_kept_entry_by_entry_equal_a_rebuild_from_the_entries(seed):
    rng = random.Random(seed)
    funds, recorded = _funds(), []
    for _ in range(120):
        if rng.random() < 0.1:
            _review(rng, recorded)
        elif entry := _record(rng, rng.choice(funds), recorded):
            recorded.append(entry)
    # drawn: rejected entries, corrections, days with several entries
    assert CashFlow.objects.filter(validation="rejected").exists()
    assert CashFlow.objects.filter(corrects__isnull=False).exists()
    assert CashFlow.objects.values("fund", "date").annotate(n=Count("pk")).filter(n__gt=1).exists()
    kept = summaries()
    ledger.rebuild()
    rebuilt = summaries()
    assert kept == rebuilt
    days, quarters, flows = rebuilt
    assert len(days) > 80 and len(quarters) >= 8 and len(flows) == 2  # a non-trivial ledger


@pytest.mark.django_db
def test_the_day_sums_nav_cash_and_investor_flow_of_entries_on_one_day():
    """Hand-computed: two NAV entries on one day (one without cash), a call and a distribution that cancel to a
    zero net flow (the day stays in the arrays, as a rebuild keeps it), a deployment then its correction."""
    fund, _british = _funds()
    day = date(2023, 3, 31)
    record = dict(fund=fund, actor=None, date=day)
    services.cash_flow_record(kind="nav", amount=Decimal("500"), cash=Decimal("40"), **record)
    services.cash_flow_record(kind="nav", amount=Decimal("20"), **record)
    services.cash_flow_record(kind="call", amount=Decimal("300"), **record)
    services.cash_flow_record(kind="distribution", amount=Decimal("300"), **record)
    paid = services.cash_flow_record(kind="deploy", amount=Decimal("70"), **record)
    services.cash_flow_record(kind="deploy", amount=Decimal("-70"), corrects=paid, **record)
    row = LedgerDay.objects.get(fund=fund, date=day)
    assert (row.nav, row.cash, row.called, row.distributions, row.deployed, row.invested) == (
        Decimal("520"),
        Decimal("40"),
        Decimal("300"),
        Decimal("300"),
        Decimal("0"),
        True,
    )
    quarter = LedgerQuarter.objects.get(fund=fund)
    assert (quarter.quarter, quarter.last_nav, quarter.last_investment) == (date(2023, 1, 1), day, day)
    assert ledger.unpack(InvestorFlows.objects.get(fund=fund))[1].tolist() == [0.0]
    kept = summaries()
    ledger.rebuild()
    assert summaries() == kept


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_writers_to_one_fund_leave_the_summaries_a_rebuild_gives():
    """8 threads record calls, distributions, fees and NAVs to one fund at once, many on the same days: the lock on
    the fund makes them queue, none misses another's sums or another's day in the investor flows."""
    fund, _british = _funds()
    barrier, failures = threading.Barrier(8), []

    def write(seed):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(12):
                services.cash_flow_record(
                    fund=fund,
                    actor=None,
                    kind=rng.choice(["call", "distribution", "fee", "nav"]),
                    date=date(2023, 6, 28) + timedelta(days=rng.randrange(0, 6)),  # across a quarter's end
                    amount=_amount(rng, fund),
                )
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(8)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert failures == []
    assert CashFlow.objects.filter(fund=fund).count() == 96
    kept = summaries()
    ledger.rebuild()
    assert summaries() == kept
    assert sum(row["called"] for row in kept[1].values()) == sum(
        e.amount for e in CashFlow.objects.filter(fund=fund, kind="call")
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_way_of_setting_a_day_in_the_investor_flows_gives_what_a_rebuild_gives():
    """PostgreSQL sets a day's flow in place (its amount overwritten, or the day appended after the last) and reads
    and rewrites the arrays otherwise (a fund's first flow, a new day before the last, a day that goes)."""
    from django.test.utils import CaptureQueriesContext

    fund, _british = _funds()

    ways = {
        'UPDATE "funds_investorflows" SET amounts = overlay': "set",
        'UPDATE "funds_investorflows" SET days = days ||': "append",
        'SELECT days, amounts FROM "funds_investorflows"': "read",
        'INSERT INTO "funds_investorflows"': "write",
    }

    def record(kind, day, amount, corrects=None):
        """The entry, and what was done to the arrays."""
        with CaptureQueriesContext(connection) as queries:
            entry = services.cash_flow_record(
                fund=fund, actor=None, kind=kind, date=day, amount=Decimal(amount), corrects=corrects
            )
        return entry, [way for q in queries for start, way in ways.items() if q["sql"].startswith(start)]

    early, how = record("call", date(2023, 5, 1), "100")
    assert how == ["read", "write"]  # no arrays yet
    assert record("call", date(2023, 9, 1), "50")[1] == ["append"]
    assert record("distribution", date(2023, 5, 1), "30")[1] == ["set"]
    early, how = record("call", date(2023, 2, 1), "7")
    assert how == ["read", "write"]  # a new day before the last
    assert record("call", date(2023, 2, 1), "-7", corrects=early)[1] == ["read", "write"]  # the day goes
    assert record("distribution", date(2023, 9, 1), "50")[1] == ["set"]  # its net flow is 0: it stays
    kept = summaries()
    assert kept[2][fund.pk] == (
        [date(2023, 5, 1).toordinal(), date(2023, 9, 1).toordinal()],
        [-70.0, 0.0],
    )
    ledger.rebuild()
    assert summaries() == kept
