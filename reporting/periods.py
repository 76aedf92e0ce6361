from datetime import date, timedelta


def month_bounds(day):
    start = day.replace(day=1)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return start, next_month - timedelta(days=1)


def quarter_bounds(day):
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + 2
    return start, month_bounds(date(day.year, end_month, 1))[1]


def last_closed(frequency, today):
    """The last period (month or quarter) that ended before ``today``."""
    if frequency == "monthly":
        return month_bounds(today.replace(day=1) - timedelta(days=1))
    if frequency == "quarterly":
        start, _end = quarter_bounds(today)
        return quarter_bounds(start - timedelta(days=1))
    raise ValueError(frequency)


def quarters_back(today, count):
    """The ``count`` last closed quarters, oldest first."""
    periods, day = [], today
    for _ in range(count):
        start, end = last_closed("quarterly", day)
        periods.append((start, end))
        day = start
    return list(reversed(periods))
