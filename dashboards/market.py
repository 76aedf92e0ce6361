"""The national targets on the whole market's volume (published statistics), drawn on the program dashboard."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from core.templatetags.ipfin_format import number
from programs.models import MarketTarget, MarketVolume


def _s(value):
    return None if value is None else f"{Decimal(value):.0f}"


def market_projection(volumes, target, due, as_of):
    """The market's cumulative volume by ``as_of`` and where the recent pace takes it by ``due``.

    ``volumes`` are (period start, period end, amount) in one currency; only periods ended by ``as_of`` count. The pace
    is the volume per day of the whole periods that ended within a year of the latest statistic (a year's figure is
    never split), extended on a straight line from that statistic to ``due``. None without statistics.
    """
    known = sorted((v for v in volumes if v[1] <= as_of), key=lambda v: v[1])
    if not known:
        return None
    last = known[-1][1]
    recent = [(start, end, amount) for start, end, amount in known if end > last - timedelta(days=365)]
    per_day = Decimal(sum(a for _s, _e, a in recent)) / sum(
        (end - start).days + 1 for start, end, _a in recent
    )
    points, running = [], Decimal(0)
    for _start, end, amount in known:
        running += Decimal(amount)
        points.append((end, running))
    projected = (running + per_day * max((due - last).days, 0)).quantize(Decimal("1"))
    return {
        "cumulative": running,
        "as_of": last,
        "pace_per_year": (per_day * 365).quantize(Decimal("1")),
        "projected": projected,
        "target": Decimal(target),
        "due": due,
        "meets_target": projected >= target,
        "share_of_target": (projected / Decimal(target)).quantize(Decimal("0.0001")),
        "points": points,
    }


def _table(target, result, currency):
    pace = {"code": "market.pace", "params": {"pace": number(result["pace_per_year"])}}
    return {
        "key": f"market_{target.pk}",
        "title": {"code": "dash.market_table", "params": {"market": target.name, "currency": currency}},
        "columns": ["Up to", "Cumulative volume", "Note"],
        "formats": ["text", "money", "text"],
        "rows": [[str(end), _s(total), ""] for end, total in result["points"]]
        + [
            [str(target.due), _s(result["projected"]), pace],
            [str(target.due), _s(result["target"]), "market.target"],
        ],
    }


def _chart(target, result, currency):
    ends = [str(end) for end, _total in result["points"]]
    return {
        "type": "line",
        "title": {"code": "dash.market_chart", "params": {"market": target.name, "currency": currency}},
        "x": ends + [str(target.due)],
        "series": [
            {"name": "Cumulative", "values": [_s(t) for _e, t in result["points"]] + [None]},
            {
                "name": "Projection",
                "values": [None] * (len(ends) - 1) + [_s(result["cumulative"]), _s(result["projected"])],
            },
            {"name": "Target", "values": [_s(result["target"])] * (len(ends) + 1)},
        ],
    }


def _flag(target, result):
    return {
        "subject": target.name,
        "code": "flag.market_target",
        "severity": "high",
        "params": {
            "projected": number(result["projected"]),
            "due": str(target.due),
            "share": f"{result['share_of_target']:.0%}",
            "target": number(result["target"]),
        },
    }


def _countries(scope, programs):
    """The countries whose targets a scope shows: all its programs' or the one named; none for a program or agency."""
    kind, _, value = scope.partition(":")
    if kind == "country":
        return {value}
    return {p.country for p in programs} if kind == "all" else set()


def market(scope, programs, period_end, convert):
    """Tables, charts and flags of the national targets of the countries in ``scope``; ``convert(amount, currency)``
    gives an amount in the reporting currency (``currency``)."""
    tables, charts, flags = [], [], []
    countries = _countries(scope, programs)
    if not countries:
        return tables, charts, flags
    volumes = defaultdict(list)
    for row in MarketVolume.objects.filter(country__in=countries):
        volumes[row.country].append(row)
    for target in MarketTarget.objects.filter(country__in=countries):
        known = [
            (v.period_start, v.period_end, convert(v.amount, v.currency)) for v in volumes[target.country]
        ]
        result = market_projection(known, convert(target.amount, target.currency), target.due, period_end)
        if result is None:
            continue
        tables.append(_table(target, result, convert.currency))
        charts.append(_chart(target, result, convert.currency))
        if not result["meets_target"]:
            flags.append(_flag(target, result))
    return tables, charts, flags
