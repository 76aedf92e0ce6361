"""The portfolio view for officials and agency staff, rendered and exported by the reporting machinery."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.web import role_required
from facilities.selectors import PORTFOLIO_READERS, facility_visible_to
from programs.models import Program
from reporting import exports
from reporting.money import rate_for
from reporting.snapshots import Snapshot

from . import portfolio_facts
from .facts import latest_refresh

ZERO = Decimal(0)


def _ratio(a, b):
    return None if not b else f"{Decimal(a) / Decimal(b):.4f}"


def _leverage(facts):
    """Σ outstanding principal × coverage of live guaranteed facilities, converted, ÷ AGENCY_GUARANTEE_FUND."""
    fund = settings.AGENCY_GUARANTEE_FUND
    if not fund:
        return "not measured: set AGENCY_GUARANTEE_FUND"
    total, today = ZERO, timezone.localdate()
    for (currency, coverage), _n, outstanding, _b in facts.rows("leverage"):
        rate = rate_for(currency, settings.REPORTING_CURRENCY, today)
        total += (outstanding or ZERO) * Decimal(coverage) * (rate.rate if rate else 1)
    return f"{total / Decimal(fund):.2f} ({total:,.0f} {settings.REPORTING_CURRENCY} guaranteed)"


def _outstanding_table(facts, programs):
    rows = sorted(
        (programs[program], currency, n, a) for (program, currency), n, a, _b in facts.rows("outstanding")
    )
    return {
        "key": "outstanding",
        "title": "Outstanding by program and currency",
        "columns": ["Program", "Currency", "Facilities", "Outstanding principal"],
        "rows": [
            [code, currency, n, f"{outstanding or ZERO:.0f}"] for code, currency, n, outstanding in rows
        ],
    }


def _totals(facts):
    totals = dict.fromkeys(("n", "defaulted", "guaranteed_defaulted", "low_credit"), 0)
    for (defaulted, guaranteed, low), n, _a, _b in facts.rows("disbursed"):
        totals["n"] += n
        totals["defaulted"] += n if defaulted else 0
        totals["guaranteed_defaulted"] += n if defaulted and guaranteed else 0
        totals["low_credit"] += n if low else 0
    return totals


def _recoveries(facts):
    """Claims (count, paid), closed disposals (recovered, their exposure) and days from default to close."""
    claims = {"n": sum(n for _k, n, _a, _b in facts.rows("claims"))}
    claims["paid"] = sum((a or ZERO for _k, _n, a, _b in facts.rows("claims")), ZERO)
    recovered = {
        "proceeds": sum((a or ZERO for _k, _n, a, _b in facts.rows("closed")), ZERO),
        "ead": sum((b or ZERO for _k, _n, _a, b in facts.rows("closed")), ZERO),
    }
    durations = [(days, n) for (days,), n, _a, _b in facts.rows("durations")]
    return claims, recovered, durations


def _by_grade(facts):
    by_grade = defaultdict(lambda: [0, 0])
    for (graded, defaulted), n, _a, _b in facts.rows("grade"):
        by_grade[graded or "not graded"][0] += n
        by_grade[graded or "not graded"][1] += n if defaulted else 0
    return {
        "key": "by_grade",
        "title": "Default rate by valuation grade",
        "columns": ["Grade", "Facilities", "Defaulted", "Rate"],
        "formats": ["", "", "", "percent"],
        "rows": [[g, n, d, _ratio(d, n)] for g, (n, d) in sorted(by_grade.items())],
    }


def _headline(totals, claims, recovered, durations, leverage):
    cases = sum(n for _days, n in durations)
    average = round(sum(days * n for days, n in durations) / cases) if cases else "—"
    return [
        {"label": "Facilities disbursed", "value": totals["n"]},
        {"label": "Default rate", "value": _ratio(totals["defaulted"], totals["n"]) or "—"},
        {
            "label": "Claim rate (claims ÷ defaulted guaranteed)",
            "value": _ratio(claims["n"], totals["guaranteed_defaulted"]) or "—",
        },
        {"label": "Claims paid", "value": f"{claims['paid']:,.0f}"},
        {"label": "Recovered from disposals", "value": f"{recovered['proceeds']:,.0f}"},
        {
            "label": "Recovery rate (closed disposals)",
            "value": _ratio(recovered["proceeds"], recovered["ead"]) or "—",
        },
        {"label": "Average days from default to disposal", "value": average},
        {
            "label": "Share of borrowers with low credit grades",
            "value": _ratio(totals["low_credit"], totals["n"]) or "—",
        },
        {
            "label": "Guarantee leverage (guarantees outstanding ÷ the agency's guarantee fund)",
            "value": leverage,
        },
    ]


def _delinquency(facts):
    buckets = sorted((bucket, n) for (bucket,), n, _a, _b in facts.rows("bucket"))
    table = {"key": "delinquency", "title": "Delinquency by bucket", "columns": ["Bucket", "Facilities"]}
    chart = {
        "type": "bar",
        "title": "Facilities by days-past-due bucket",
        "x": [bucket for bucket, _n in buckets],
        "series": [{"name": "Facilities", "values": [n for _bucket, n in buckets]}],
    }
    return {**table, "rows": [list(row) for row in buckets]}, chart


def _facts(facilities, source):
    refresh = latest_refresh() if source != "live" else None
    return (
        portfolio_facts.live(facilities)
        if refresh is None
        else portfolio_facts.stored(facilities, refresh.finished_at)
    )


def portfolio_data(facilities, *, source="live"):
    """The portfolio's figures (report data: headline, tables, charts) of the ``facilities`` the reader may see:
    computed from them (``source="live"``), or from the store when it has been refreshed ("auto")."""
    facts = _facts(facilities, source)
    programs = dict(Program.objects.values_list("pk", "code"))
    claims, recovered, durations = _recoveries(facts)
    delinquency, chart = _delinquency(facts)
    return {
        "as_of": facts.as_of.isoformat() if facts.as_of else None,
        "headline": _headline(_totals(facts), claims, recovered, durations, _leverage(facts)),
        "flags": [],
        "tables": [_outstanding_table(facts, programs), delinquency, _by_grade(facts)],
        "charts": [chart],
        "notes": ["Amounts are in each program's own currency; cross-currency totals are not added up here."],
    }


def _snapshot(request):
    facilities = facility_visible_to(user=request.user)
    return Snapshot("Portfolio of facilities", portfolio_data(facilities, source="auto"))


@role_required(*PORTFOLIO_READERS)
def portfolio(request):
    report = _snapshot(request)
    as_of = parse_datetime(report.data["as_of"]) if report.data["as_of"] else None
    context = {"report": report, "charts": exports.chart_svgs(report), "as_of": as_of}
    return render(request, "dashboards/portfolio.html", context)


@role_required(*PORTFOLIO_READERS)
def portfolio_export(request, fmt):
    return exports.download_response(_snapshot(request), fmt, f"portfolio-{timezone.localdate()}")
