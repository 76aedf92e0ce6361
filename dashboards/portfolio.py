"""The portfolio view for officials and agency staff, rendered and exported by the reporting machinery."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from applications.models import LOW_CREDIT_GRADES
from core.web import role_required
from facilities.models import LIVE
from facilities.selectors import PORTFOLIO_READERS, facility_visible_to
from recoveries.models import Claim, Disposal
from reporting import exports
from valuations.models import OrderStatus, ValuationReport

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class Snapshot:
    """Quacks like a reporting.Report so the same template and exporters serve it."""

    title: str
    data: dict
    period_start: date = field(default_factory=lambda: date(2000, 1, 1))
    period_end: date = field(default_factory=timezone.localdate)
    generated_at: object = field(default_factory=timezone.now)
    kind: str = "portfolio"
    scope: str = "all"


def _ratio(a, b):
    return None if not b else f"{Decimal(a) / Decimal(b):.4f}"


def _leverage(facilities):
    """Σ outstanding principal × coverage of live guaranteed facilities, converted, ÷ AGENCY_GUARANTEE_FUND."""
    from django.conf import settings

    from reporting.money import rate_for

    fund = settings.AGENCY_GUARANTEE_FUND
    if not fund:
        return "not measured: set AGENCY_GUARANTEE_FUND"
    outstanding = ExpressionWrapper(
        Coalesce(Sum("installments__principal"), ZERO) - Coalesce(Sum("installments__paid_principal"), ZERO),
        output_field=MONEY,
    )
    total, today = ZERO, timezone.localdate()
    for row in (
        facilities.filter(status__in=LIVE, kind="ip_guaranteed_loan")
        .values("currency", "coverage_ratio")
        .annotate(outstanding=outstanding)
    ):
        rate = rate_for(row["currency"], settings.REPORTING_CURRENCY, today)
        total += row["outstanding"] * row["coverage_ratio"] * (rate.rate if rate else 1)
    return f"{total / Decimal(fund):.2f} ({total:,.0f} {settings.REPORTING_CURRENCY} guaranteed)"


def portfolio_data(facilities):
    outstanding = ExpressionWrapper(
        Coalesce(Sum("installments__principal"), ZERO) - Coalesce(Sum("installments__paid_principal"), ZERO),
        output_field=MONEY,
    )
    by_program = (
        facilities.filter(status__in=LIVE)
        .values("application__program__code", "currency")
        .annotate(n=Count("pk", distinct=True), outstanding=outstanding)
        .order_by("application__program__code")
    )
    buckets = (
        facilities.filter(status__in=LIVE).values("dpd_bucket").annotate(n=Count("pk")).order_by("dpd_bucket")
    )
    disbursed = facilities.exclude(disbursed_on__isnull=True)
    totals = disbursed.aggregate(
        n=Count("pk"),
        defaulted=Count("pk", filter=Q(defaulted_on__isnull=False)),
        guaranteed_defaulted=Count("pk", filter=Q(defaulted_on__isnull=False, kind="ip_guaranteed_loan")),
        ead=Coalesce(Sum("exposure_at_default"), ZERO, output_field=MONEY),
        low_credit=Count("pk", filter=Q(application__company__credit_grade__in=LOW_CREDIT_GRADES)),
    )
    claims = Claim.objects.filter(facility__in=facilities).aggregate(
        n=Count("pk"), paid=Coalesce(Sum("amount_paid"), ZERO, output_field=MONEY)
    )
    closed = Disposal.objects.filter(facility__in=facilities, status="closed")
    recovered = closed.aggregate(
        # what the agency and the bank recovered, not the gross proceeds: costs and a surplus owed to the
        # borrower are not recoveries (a rate above 100 % would be)
        proceeds=Coalesce(Sum(F("agency_share") + F("bank_share")), ZERO, output_field=MONEY),
        ead=Coalesce(Sum("facility__exposure_at_default"), ZERO, output_field=MONEY),
    )
    durations = [
        (d.closed_on - d.facility.defaulted_on).days
        for d in closed.select_related("facility")
        if d.closed_on and d.facility.defaulted_on
    ]
    grade = Subquery(
        ValuationReport.objects.filter(
            order__application=OuterRef("application"), order__status=OrderStatus.ACCEPTED_BY_AGENCY
        )
        .order_by("-submitted_at")
        .values("technology_grade")[:1]
    )
    by_grade = defaultdict(lambda: [0, 0])
    for row in disbursed.annotate(grade=grade).values("grade", "defaulted_on"):
        by_grade[row["grade"] or "not graded"][0] += 1
        by_grade[row["grade"] or "not graded"][1] += row["defaulted_on"] is not None
    headline = [
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
            "value": _leverage(facilities),
        },
    ]
    grades = sorted(by_grade)
    return {
        "headline": headline,
        "flags": [],
        "tables": [
            {
                "key": "outstanding",
                "title": "Outstanding by program and currency",
                "columns": ["Program", "Currency", "Facilities", "Outstanding principal"],
                "rows": [
                    [r["application__program__code"], r["currency"], r["n"], f"{r['outstanding']:.0f}"]
                    for r in by_program
                ],
            },
            {
                "key": "delinquency",
                "title": "Delinquency by bucket",
                "columns": ["Bucket", "Facilities"],
                "rows": [[r["dpd_bucket"], r["n"]] for r in buckets],
            },
            {
                "key": "by_grade",
                "title": "Default rate by valuation grade",
                "columns": ["Grade", "Facilities", "Defaulted", "Rate"],
                "formats": ["", "", "", "percent"],
                "rows": [
                    [g, by_grade[g][0], by_grade[g][1], _ratio(by_grade[g][1], by_grade[g][0])]
                    for g in grades
                ],
            },
        ],
        "charts": [
            {
                "type": "bar",
                "title": "Facilities by days-past-due bucket",
                "x": [r["dpd_bucket"] for r in buckets],
                "series": [{"name": "Facilities", "values": [r["n"] for r in buckets]}],
            },
        ],
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
