"""Officials' program dashboard: is the public money reaching companies, and how fast?

Built as a report kind of the one reporting machinery: the same builder serves the live page, the downloads and
the monthly immutable snapshots. Every figure is computed from a constant number of queries.
"""

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from types import SimpleNamespace

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Cast

from accounts.models import User
from accounts.roles import Role
from applications.models import LOW_CREDIT_GRADES, Application
from audit.models import AuditEvent
from casework.models import Decision
from facilities.models import Facility, Installment
from facilities.services import interest_subsidy_cost
from recoveries.models import Claim, Disposal
from reporting.money import describe, rate_for
from reporting.registry import register
from valuations.models import OrderStatus, ValuationOrder, ValuationReport

from .models import Program, Stage

STAGES_WITH_SLA = frozenset(Stage.values)

KIND = "program_dashboard"
FUNNEL = [("drafts", None), ("submitted", "application.submit"), ("screened", "application.start_screening"),
          ("valued", "application.start_credit_review"), ("recommended", "application.recommend"),
          ("approved", "application.approve"), ("disbursed", None)]
SIZE_BUCKETS = [(10, "1–10"), (50, "11–50"), (300, "51–300"), (None, "300+")]


def percentile(values, share):
    """Nearest-rank percentile (0 < share <= 1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def programs_in(scope):
    programs = Program.objects.select_related("agency")
    kind, _, value = scope.partition(":")
    if kind == "program":
        return programs.filter(code=value)
    if kind == "agency":
        return programs.filter(agency__short_code=value)
    if kind == "country":
        return programs.filter(country=value)
    return programs


def projection(volume_to_date, start_of_year, as_of, target):
    """Straight-line projection of the year's volume at the current pace, and whether it meets the target."""
    elapsed = (as_of - start_of_year).days + 1
    days = (date(start_of_year.year, 12, 31) - start_of_year).days + 1
    projected = (Decimal(volume_to_date) * days / elapsed).quantize(Decimal("1")) if elapsed > 0 else Decimal(0)
    return {"projected": projected, "target": Decimal(target), "meets_target": projected >= Decimal(target),
            "share_of_target": None if not target else (projected / Decimal(target)).quantize(Decimal("0.0001"))}


def _interest_subsidies(ids, rate_of):
    """What the lower rates cost, converted. Equal-principal and bullet schedules have balances that do not depend on
    the rate, so their subsidy is the scheduled interest × (base − subsidised) ÷ subsidised, summed in the database;
    annuities (and zero subsidised rates) are recomputed from their schedules."""
    disbursed = Facility.objects.filter(application_id__in=ids, disbursed_on__isnull=False)
    linear = disbursed.exclude(schedule_type="annuity").exclude(subsidised_rate=0)
    share = ExpressionWrapper(F("interest") * (F("facility__base_rate") - F("facility__subsidised_rate"))
                              / F("facility__subsidised_rate"), output_field=DecimalField(max_digits=30, decimal_places=6))
    total = Decimal(0)
    for program_id, amount in (Installment.objects.filter(facility__in=linear)
                               .values_list("facility__application__program_id").annotate(s=Sum(share)).order_by()):
        total += (amount or 0) * rate_of[program_id]
    for facility in disbursed.exclude(pk__in=linear.values("pk")).select_related("application"):
        total += interest_subsidy_cost(facility) * rate_of[facility.application.program_id]
    return total.quantize(Decimal("1"))


def stage_durations(moves):
    """{stage: [days spent]} from each case's dated status moves (time in a stage = until the next move)."""
    days = defaultdict(list)
    for steps in moves.values():
        for (entered, stage), (left, _next) in zip(steps, steps[1:], strict=False):
            if stage in STAGES_WITH_SLA:
                days[stage].append((left - entered).days)
    return days


def loan_size_buckets(amounts):
    """Counts of loans by order of magnitude (in the reporting currency), smallest first."""
    counts = Counter()
    for amount in amounts:
        if amount <= 0:
            continue
        exponent = len(str(int(amount))) - 1
        counts[exponent] += 1
    return [(f"{10**e:,} – {10**(e + 1):,}", counts[e]) for e in sorted(counts)]


def _rates(programs, currency, on):
    rates, used = {}, []
    for program in programs:
        if program.currency not in rates:
            row = rate_for(program.currency, currency, on)
            rates[program.currency] = row.rate if row else Decimal(1)
            if row:
                used.append(describe(row))
    return rates, used


def _s(value):
    return None if value is None else f"{Decimal(value):.0f}"


def _r(value):
    return None if value is None else f"{Decimal(value):.4f}"


def build_dashboard(scope, period_start, period_end):
    currency = settings.REPORTING_CURRENCY
    programs = list(programs_in(scope))
    rates, used = _rates(programs, currency, period_end)
    rate_of = {p.pk: rates[p.currency] for p in programs}
    in_period = Q(submitted_at__date__gte=period_start, submitted_at__date__lte=period_end)
    case_qs = Application.objects.filter(program__in=programs).filter(
        in_period | Q(status="draft", created_at__date__gte=period_start, created_at__date__lte=period_end))
    cases = list(case_qs.values("pk", "program_id", "status", "submitted_at", "decided_at", "requested_amount",
                                "approved_amount", "company_id", "company__credit_grade", "company__sector",
                                "company__region", "company__employees"))
    ids = case_qs.values("pk")  # a subquery: the database joins, however many cases there are
    ids_text = case_qs.annotate(text_pk=Cast("pk", CharField())).values("text_pk")
    ct = ContentType.objects.get_for_model(Application)
    events, moves = defaultdict(dict), defaultdict(list)
    for case_id, action, at, new_state in (AuditEvent.objects.filter(case_type=ct, case_id__in=ids_text,
                                                                     target_type=ct)
                                           .values_list("case_id", "action", "occurred_at", "new_state")
                                           .order_by("occurred_at", "id")):
        events[int(case_id)].setdefault(action, at)
        if new_state:
            moves[int(case_id)].append((at, new_state))
    facilities = [SimpleNamespace(**row) for row in Facility.objects.filter(application_id__in=ids).values(
        "pk", "application_id", "disbursed_on", "principal", "defaulted_on", "exposure_at_default",
        program_id=F("application__program_id"), submitted_at=F("application__submitted_at"))]
    by_case_facility = {f.application_id: f for f in facilities}
    # Funnel
    reached = Counter()
    for c in cases:
        if c["status"] == "draft":
            reached["drafts"] += 1
            continue
        reached["drafts"] += 1
        for stage, action in FUNNEL[1:-1]:
            if action in events[c["pk"]]:
                reached[stage] += 1
        if by_case_facility.get(c["pk"]) and by_case_facility[c["pk"]].disbursed_on:
            reached["disbursed"] += 1
    funnel_rows, previous = [], None
    for stage, _action in FUNNEL:
        count = reached[stage]
        funnel_rows.append([stage, count, _r(Decimal(count) / previous) if previous else None])
        previous = count or None
    rejections = Decision.objects.filter(application_id__in=ids, outcome="rejected").values_list("reason_code", flat=True)
    # Speed
    to_decision = [(c["decided_at"] - c["submitted_at"]).days for c in cases if c["decided_at"] and c["submitted_at"]]
    to_disbursement = [(f.disbursed_on - f.submitted_at.date()).days for f in facilities
                       if f.disbursed_on and f.submitted_at]
    sla = {p.pk: sum((p.service_levels or {}).values()) for p in programs}
    within = [c for c in cases if c["decided_at"] and c["submitted_at"] and sla.get(c["program_id"])]
    within_share = (sum((c["decided_at"] - c["submitted_at"]).days <= sla[c["program_id"]] for c in within) / len(within)
                    if within else None)
    turnaround = []
    for order_created, report_at in ValuationReport.objects.filter(order__application_id__in=ids, version=1).values_list(
            "order__created_at", "submitted_at"):
        turnaround.append((report_at - order_created).days)
    stage_days = stage_durations(moves)
    sla_by_stage = {stage: sorted({p.service_level_days(stage) for p in programs} - {None}) for stage in stage_days}
    # Volume (converted)
    approved_by_month, disbursed_by_month = defaultdict(Decimal), defaultdict(Decimal)
    for c in cases:
        if c["status"] == "approved" and c["decided_at"]:
            approved_by_month[c["decided_at"].strftime("%Y-%m")] += (c["approved_amount"] or 0) * rate_of[c["program_id"]]
    for f in facilities:
        if f.disbursed_on:
            disbursed_by_month[f.disbursed_on.strftime("%Y-%m")] += f.principal * rate_of[f.program_id]
    months = sorted(set(approved_by_month) | set(disbursed_by_month))
    year_start = date(period_end.year, 1, 1)
    ytd = sum((f.principal * rate_of[f.program_id] for f in facilities
               if f.disbursed_on and year_start <= f.disbursed_on <= period_end), Decimal(0))
    target = sum((p.annual_volume_target * rate_of[p.pk] for p in programs), Decimal(0))
    proj = projection(ytd, year_start, period_end, target)
    # Reach
    financed = [c for c in cases if c["status"] == "approved"]
    companies = {c["company_id"] for c in financed}
    low = {c["company_id"] for c in financed if c["company__credit_grade"] in LOW_CREDIT_GRADES}
    sizes = Counter(next(label for limit, label in SIZE_BUCKETS if limit is None or (c["company__employees"] or 0) <= limit)
                    for c in financed)
    sectors = Counter(c["company__sector"] or "—" for c in financed)
    regions = Counter(c["company__region"] or "—" for c in financed)
    # Cost to the public
    valuation_subsidies = sum((o.subsidy * rate_of[o.application.program_id] for o in ValuationOrder.objects.filter(
        application_id__in=ids, budget_drawn=True).select_related("application")), Decimal(0))
    interest_subsidies = _interest_subsidies(ids, rate_of)
    claims_paid = sum((c.amount_paid * rate_of[c.facility.application.program_id] for c in Claim.objects.filter(
        facility__application__in=ids, status="paid").select_related("facility__application")), Decimal(0))
    recovered = sum(((d.agency_share or 0) * rate_of[d.facility.application.program_id] for d in Disposal.objects.filter(
        facility__application__in=ids, status="closed").select_related("facility__application")), Decimal(0))
    lending = sum((f.principal * rate_of[f.program_id] for f in facilities if f.disbursed_on), Decimal(0))
    public_money = valuation_subsidies + interest_subsidies + claims_paid - recovered
    # Quality
    grade_of = dict(ValuationReport.objects.filter(order__application_id__in=ids,
                                                   order__status=OrderStatus.ACCEPTED_BY_AGENCY)
                    .order_by("order__application_id", "-submitted_at").values_list("order__application_id",
                                                                                     "technology_grade"))
    quality = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    recoveries = {d.facility_id: d.proceeds or 0 for d in Disposal.objects.filter(facility__application__in=ids, status="closed")}
    for f in facilities:
        if not f.disbursed_on:
            continue
        for key in (f"grade {grade_of.get(f.application_id, 'not graded')}", f"vintage {f.disbursed_on.year}"):
            quality[key][0] += 1
            if f.defaulted_on:
                quality[key][1] += 1
                quality[key][2] += f.exposure_at_default or 0
                quality[key][3] += recoveries.get(f.pk, 0)
    title = f"Program dashboard — {scope} — {period_start} to {period_end}"
    headline = [
        {"label": "Applications submitted", "value": reached["submitted"]},
        {"label": "Approved", "value": reached["approved"]},
        {"label": "Median days to decision (90th percentile)",
         "value": f"{median(to_decision):.0f} ({percentile(to_decision, 0.9)})" if to_decision else "—"},
        {"label": "Decided within the service level", "value": f"{within_share:.0%}" if within_share is not None else "—"},
        {"label": f"Disbursed this year ({currency})", "value": f"{ytd:,.0f}"},
        {"label": "Projected for the year at this pace", "value": f"{proj['projected']:,.0f} against a target of "
                                                                  f"{proj['target']:,.0f}"
                                                                  f" — {'on track' if proj['meets_target'] else 'short'}"},
        {"label": "Companies financed (share with low credit grades)",
         "value": f"{len(companies)} ({len(low) / len(companies):.0%})" if companies else "0"},
        {"label": "Lending mobilised per unit of public money",
         "value": f"{lending / public_money:.1f}" if public_money > 0 else "—"},
    ]
    flags = [] if proj["meets_target"] or not target else [
        {"subject": "Annual target", "code": "target", "severity": "high",
         "message": f"at the current pace {proj['projected']:,.0f} of {proj['target']:,.0f} ({proj['share_of_target']:.0%})"}]
    cumulative, running = [], Decimal(0)
    for month in months:
        running += disbursed_by_month.get(month, Decimal(0))
        cumulative.append(_s(running))
    data = {
        "scope": scope, "currency": currency, "rates": used, "headline": headline, "flags": flags,
        "figures": {"funnel": {stage: reached[stage] for stage, _ in FUNNEL}, "ytd": _s(ytd),
                    "projection": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in proj.items()},
                    "median_days_to_decision": median(to_decision) if to_decision else None,
                    "p90_days_to_decision": percentile(to_decision, 0.9) if to_decision else None,
                    "lending": _s(lending), "public_money": _s(public_money)},
        "tables": [
            {"key": "funnel", "title": "Pipeline", "columns": ["Stage", "Cases", "Conversion from the stage before"],
             "rows": funnel_rows},
            {"key": "rejections", "title": "Rejections by reason code", "columns": ["Reason", "Cases"],
             "rows": [[code, n] for code, n in Counter(rejections).most_common()]},
            {"key": "speed", "title": "Speed (days)", "columns": ["Measure", "Median", "90th percentile", "Cases"],
             "rows": [["submission → decision", median(to_decision) if to_decision else None,
                       percentile(to_decision, 0.9) if to_decision else None, len(to_decision)],
                      ["submission → disbursement", median(to_disbursement) if to_disbursement else None,
                       percentile(to_disbursement, 0.9) if to_disbursement else None, len(to_disbursement)],
                      ["valuation order → report", median(turnaround) if turnaround else None,
                       percentile(turnaround, 0.9) if turnaround else None, len(turnaround)]]},
            {"key": "stages", "title": "Days per stage against the service level",
             "columns": ["Stage", "Median", "90th percentile", "Service level (days)", "Share within", "Cases"],
             "rows": [[stage, median(days), percentile(days, 0.9),
                       "–".join(str(d) for d in sla_by_stage[stage]) or None,
                       _r(Decimal(sum(d <= max(sla_by_stage[stage]) for d in days)) / len(days))
                       if sla_by_stage[stage] else None, len(days)]
                      for stage, days in sorted(stage_days.items())]},
            {"key": "loan_sizes", "title": f"Loan sizes approved ({currency})", "columns": ["Size", "Loans"],
             "rows": [[label, n] for label, n in loan_size_buckets(
                 [(c["approved_amount"] or 0) * rate_of[c["program_id"]] for c in financed])]},
            {"key": "volume", "title": f"Volume per month ({currency})", "columns": ["Month", "Approved", "Disbursed",
                                                                                  "Cumulative disbursed"],
             "rows": [[m, _s(approved_by_month.get(m, 0)), _s(disbursed_by_month.get(m, 0)), cumulative[i]]
                      for i, m in enumerate(months)]},
            {"key": "reach", "title": "Reach", "columns": ["Group", "Companies financed"],
             "rows": [[f"size {k}", v] for k, v in sorted(sizes.items())] + [[f"sector {k}", v] for k, v in
                                                                              sorted(sectors.items())]
                     + [[f"region {k}", v] for k, v in sorted(regions.items())]},
            {"key": "cost", "title": f"Cost to the public ({currency})", "columns": ["Item", "Amount"],
             "rows": [["valuation subsidies", _s(valuation_subsidies)], ["interest subsidies", _s(interest_subsidies)],
                      ["guarantee claims paid", _s(claims_paid)], ["recovered by the agency", _s(recovered)],
                      ["net public money", _s(public_money)], ["lending mobilised", _s(lending)]]},
            {"key": "quality", "title": "Default and recovery", "columns": ["Group", "Facilities", "Defaulted",
                                                                            "Default rate", "Recovery rate"],
             "rows": [[k, v[0], v[1], _r(Decimal(v[1]) / v[0]), _r(v[3] / v[2]) if v[2] else None]
                      for k, v in sorted(quality.items())]},
        ],
        "charts": [
            {"type": "bar", "title": "Pipeline", "x": [s for s, _ in FUNNEL],
             "series": [{"name": "Cases", "values": [reached[s] for s, _ in FUNNEL]}]},
            {"type": "line", "title": f"Cumulative disbursed against the annual target ({currency})",
             "x": months + ["year end"],
             "series": [{"name": "Disbursed", "values": cumulative + [None]},
                        {"name": "Projection", "values": [None] * len(months) + [_s(proj["projected"])]},
                        {"name": "Target", "values": [_s(target)] * (len(months) + 1)}]},
        ],
        "notes": ["Funnel stages count cases that reached the stage (from the audit log). Amounts converted at the "
                  "rates named below; the projection extends the year's disbursements to date on a straight line."],
    }
    return title, data


def _scopes():
    return ["all"] + [f"program:{code}" for code in Program.objects.values_list("code", flat=True)]


def _audience():
    return User.objects.filter(is_active=True, memberships__role=Role.OFFICIAL).distinct()


register(KIND, scopes=_scopes, audience=_audience)(lambda scope, start, end: build_dashboard(scope, start, end))


def default_period(today):
    return today - timedelta(days=365), today
