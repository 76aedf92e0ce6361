"""The portfolio view for officials and agency staff, rendered and exported by the reporting machinery."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from applications.models import LOW_CREDIT_GRADES
from core.web import role_required
from facilities.models import LIVE
from facilities.selectors import PORTFOLIO_READERS, facility_visible_to
from programs.models import ProgramKind
from recoveries.models import Claim, Disposal
from reporting import exports
from reporting.snapshots import Snapshot
from valuations.models import OrderStatus, ValuationReport

from .facts import DISPOSAL_CLOSED

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=2)


def _ratio(a, b):
    return None if not b else f"{Decimal(a) / Decimal(b):.4f}"


def _leverage(facilities):
    """Σ outstanding principal × coverage of live guaranteed facilities, converted, ÷ AGENCY_GUARANTEE_FUND."""
    from django.conf import settings

    from reporting.money import rate_for

    fund = settings.AGENCY_GUARANTEE_FUND
    if not fund:
        return "not measured: set AGENCY_GUARANTEE_FUND"
    outstanding = _live_outstanding()
    total, today = ZERO, timezone.localdate()
    for row in (
        facilities.filter(status__in=LIVE, kind=ProgramKind.IP_GUARANTEED_LOAN)
        .values("currency", "coverage_ratio")
        .annotate(outstanding=outstanding)
    ):
        rate = rate_for(row["currency"], settings.REPORTING_CURRENCY, today)
        total += row["outstanding"] * row["coverage_ratio"] * (rate.rate if rate else 1)
    return f"{total / Decimal(fund):.2f} ({total:,.0f} {settings.REPORTING_CURRENCY} guaranteed)"


def _live_outstanding():
    return ExpressionWrapper(
        Coalesce(Sum("installments__principal"), ZERO) - Coalesce(Sum("installments__paid_principal"), ZERO),
        output_field=MONEY,
    )


def _outstanding_table(facilities):
    by_program = (
        facilities.filter(status__in=LIVE)
        .values("application__program__code", "currency")
        .annotate(n=Count("pk", distinct=True), outstanding=_live_outstanding())
        .order_by("application__program__code")
    )
    return {
        "key": "outstanding",
        "title": "Outstanding by program and currency",
        "columns": ["Program", "Currency", "Facilities", "Outstanding principal"],
        "rows": [
            [r["application__program__code"], r["currency"], r["n"], f"{r['outstanding']:.0f}"]
            for r in by_program
        ],
    }


def _totals(disbursed):
    return disbursed.aggregate(
        n=Count("pk"),
        defaulted=Count("pk", filter=Q(defaulted_on__isnull=False)),
        guaranteed_defaulted=Count(
            "pk", filter=Q(defaulted_on__isnull=False, kind=ProgramKind.IP_GUARANTEED_LOAN)
        ),
        ead=Coalesce(Sum("exposure_at_default"), ZERO, output_field=MONEY),
        low_credit=Count("pk", filter=Q(application__company__credit_grade__in=LOW_CREDIT_GRADES)),
    )


def _recoveries(facilities):
    """Claims (count, paid) and closed disposals (recovered, their exposure, days from default to close)."""
    claims = Claim.objects.filter(facility__in=facilities).aggregate(
        n=Count("pk"), paid=Coalesce(Sum("amount_paid"), ZERO, output_field=MONEY)
    )
    closed = Disposal.objects.filter(facility__in=facilities, status=DISPOSAL_CLOSED)
    recovered = closed.aggregate(
        # what the agency and the bank recovered, not the gross proceeds: costs and a surplus owed to the
        # borrower are not recoveries (a rate above 100 % would be)
        proceeds=Coalesce(Sum(F("agency_share") + F("bank_share")), ZERO, output_field=MONEY),
        ead=Coalesce(Sum("facility__exposure_at_default"), ZERO, output_field=MONEY),
    )
    durations = [
        (closed_on - defaulted_on).days
        for closed_on, defaulted_on in closed.values_list("closed_on", "facility__defaulted_on")
        if closed_on and defaulted_on
    ]
    return claims, recovered, durations


def _by_grade(disbursed):
    grade = Subquery(
        ValuationReport.objects.filter(
            order__application=OuterRef("application"), order__status=OrderStatus.ACCEPTED_BY_AGENCY
        )
        .order_by("-submitted_at")
        .values("technology_grade")[:1]
    )
    by_grade = defaultdict(lambda: [0, 0])
    for graded, defaulted_on in disbursed.annotate(grade=grade).values_list("grade", "defaulted_on"):
        by_grade[graded or "not graded"][0] += 1
        by_grade[graded or "not graded"][1] += defaulted_on is not None
    return {
        "key": "by_grade",
        "title": "Default rate by valuation grade",
        "columns": ["Grade", "Facilities", "Defaulted", "Rate"],
        "formats": ["", "", "", "percent"],
        "rows": [[g, n, d, _ratio(d, n)] for g, (n, d) in sorted(by_grade.items())],
    }


def _headline(totals, claims, recovered, durations, leverage):
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
        {
            "label": "Average days from default to disposal",
            "value": round(sum(durations) / len(durations)) if durations else "—",
        },
        {
            "label": "Share of borrowers with low credit grades",
            "value": _ratio(totals["low_credit"], totals["n"]) or "—",
        },
        {
            "label": "Guarantee leverage (guarantees outstanding ÷ the agency's guarantee fund)",
            "value": leverage,
        },
    ]


def _delinquency(facilities):
    buckets = list(
        facilities.filter(status__in=LIVE)
        .values_list("dpd_bucket")
        .annotate(n=Count("pk"))
        .order_by("dpd_bucket")
    )
    table = {"key": "delinquency", "title": "Delinquency by bucket", "columns": ["Bucket", "Facilities"]}
    chart = {
        "type": "bar",
        "title": "Facilities by days-past-due bucket",
        "x": [bucket for bucket, _n in buckets],
        "series": [{"name": "Facilities", "values": [n for _bucket, n in buckets]}],
    }
    return {**table, "rows": [list(row) for row in buckets]}, chart


def portfolio_data(facilities):
    """The portfolio's figures (report data: headline, tables, charts) of the ``facilities`` the reader may see."""
    disbursed = facilities.exclude(disbursed_on__isnull=True)
    claims, recovered, durations = _recoveries(facilities)
    delinquency, chart = _delinquency(facilities)
    return {
        "headline": _headline(_totals(disbursed), claims, recovered, durations, _leverage(facilities)),
        "flags": [],
        "tables": [_outstanding_table(facilities), delinquency, _by_grade(disbursed)],
        "charts": [chart],
        "notes": ["Amounts are in each program's own currency; cross-currency totals are not added up here."],
    }


def _snapshot(request):
    return Snapshot("Portfolio of facilities", portfolio_data(facility_visible_to(user=request.user)))


@role_required(*PORTFOLIO_READERS)
def portfolio(request):
    report = _snapshot(request)
    return render(
        request, "dashboards/portfolio.html", {"report": report, "charts": exports.chart_svgs(report)}
    )


@role_required(*PORTFOLIO_READERS)
def portfolio_export(request, fmt):
    return exports.download_response(_snapshot(request), fmt, f"portfolio-{timezone.localdate()}")
