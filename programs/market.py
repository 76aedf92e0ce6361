"""Year-on-year growth of the market statistics: a flow (MarketVolume) against the same period a year earlier, a
stock (MarketOutstanding) against the stock on the same day a year earlier (within a fortnight: statistics are
published at month ends that move). In the same currency only: a growth across a currency change would mostly be
the exchange rate."""

from datetime import date, timedelta
from decimal import Decimal

from .models import MarketOutstanding, MarketVolume

STOCK_TOLERANCE = timedelta(days=15)


def year_before(day):
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return date(day.year - 1, 2, 28)


def growth(amount, previous):
    """``amount`` / ``previous`` − 1 to four places; None without a positive previous figure."""
    if previous is None or previous.amount <= 0:
        return None
    return (Decimal(amount) / previous.amount - 1).quantize(Decimal("0.0001"))


def with_flow_growth(rows):
    """``rows`` (MarketVolume) each with ``previous`` (the same period a year earlier, or None) and ``growth``,
    in one query."""
    rows = list(rows)
    earlier = {
        (row.country, row.currency, row.period_start, row.period_end): row
        for row in MarketVolume.objects.filter(country__in={r.country for r in rows})
    }
    for row in rows:
        row.previous = earlier.get(
            (row.country, row.currency, year_before(row.period_start), year_before(row.period_end))
        )
        row.growth = growth(row.amount, row.previous)
    return rows


def with_stock_growth(rows):
    """``rows`` (MarketOutstanding) each with ``previous`` (the stock nearest the same day a year earlier, within
    STOCK_TOLERANCE, same currency, or None) and ``growth``, in one query."""
    rows = list(rows)
    stocks = {}
    for stock in MarketOutstanding.objects.filter(country__in={r.country for r in rows}):
        stocks.setdefault((stock.country, stock.currency), []).append(stock)
    for row in rows:
        target = year_before(row.as_of)
        candidates = [
            s for s in stocks.get((row.country, row.currency), []) if abs(s.as_of - target) <= STOCK_TOLERANCE
        ]
        row.previous = min(candidates, key=lambda s: abs(s.as_of - target), default=None)
        row.growth = growth(row.amount, row.previous)
    return rows
