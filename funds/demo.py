"""The K-Content story (KRW 2.747 T declared, 1.03 T deployed, 1.44 T idle and 0.277 T the published figures leave
unexplained) and a patent fund that performs better; quarterly utilisation reports for the last quarters. Idempotent.

The 0.277 T: each K-Content manager called the capital of the investments its committee approved (0.277 T in all,
recorded as reserved) but reports no cash for it, and none of it was paid out. The report's reconciliation shows it as
UNEXPLAINED, fund by fund."""

from datetime import date
from decimal import Decimal as D

from django.utils import timezone

from accounts.demo import organization
from accounts.models import Organization
from accounts.roles import OrganizationKind
from reporting.models import Report
from reporting.periods import quarters_back
from reporting.services import report_generate, report_request

from . import services
from .models import Fund, LicenceState

B = D("1000000000")  # KRW 1 billion
K_CONTENT = [
    # name, category, manager code, committed, deployed, reserved, return, licence returned on
    ("Global Content Fund I", "global content", "KVIC", 500, 150, 40, D("-0.162"), None),
    ("Drama Partners Fund", "drama", "GPDRAMA", 450, 230, 60, D("-0.05"), None),
    ("Film Frontier Fund", "film", "GPFILM", 400, 170, 50, D("-0.08"), date(2023, 12, 1)),
    ("Stage & Performing Arts Fund", "performing arts", "GPSTAGE", 250, 120, 25, D("-0.009"), None),
    ("K-Games Growth Fund", "games", "KVIC", 380, 180, 42, D("-0.03"), None),
    ("Global Content Fund II", "global content", "GPGLOBAL", 367, 30, 0, D("-0.12"), date(2023, 11, 15)),
    ("Webtoon & Animation Fund", "animation", "GPTOON", 400, 150, 60, D("-0.04"), None),
]
PATENT = [
    ("Patent Value Fund I", "patents", "GPPATENT", 300, 215, 20, D("0.25"), None),
    ("University Tech Transfer Fund", "patents", "GPPATENT", 200, 150, 10, D("0.18"), None),
]
QUARTERS = [date(y, m, 28) for y in (2022, 2023, 2024, 2025) for m in (3, 6, 9, 12)][:14]  # to mid-2025


def _manager(code):
    if code == "KVIC":
        return organization("KVIC")
    org, _ = Organization.objects.get_or_create(
        short_code=code,
        defaults={
            "name": f"{code.removeprefix('GP').title()} Investment Partners (demo)",
            "kind": OrganizationKind.FUND_MANAGER,
        },
    )
    return org


def _record(fund, kind, day, amount, **extra):
    services.cash_flow_record(fund=fund, actor=None, kind=kind, date=day, amount=amount, **extra)


def _create_sub_fund(mother, spec, overseas_rule):
    name, category, manager, committed, *_rest = spec
    size = D(committed) * B
    return services.sub_fund_create(
        parent=mother,
        actor=None,
        name=name,
        category=category,
        manager=_manager(manager),
        size=size,
        public_commitment=size * D("0.4"),
        private_commitment=size * D("0.6"),
        vintage=2022,
        investment_period_start=date(2022, 1, 1),
        investment_period_end=date(2026, 12, 31),
        term_years=8,
        management_fee_rate=D("0.02"),
        min_overseas_revenue_share=D("0.2") if overseas_rule else None,
    )


def _quarterly_flows(fund, deployed):
    """A call, a deployment and the fee every quarter; returns (called, fee per quarter)."""
    per_quarter = D(deployed) * B / len(QUARTERS)
    fee = fund.size * D("0.02") / 4
    for day in QUARTERS:
        _record(fund, "call", day, per_quarter + fee)
        _record(fund, "deploy", day, per_quarter, description="Project investments")
        _record(fund, "fee", day, fee)
    return (per_quarter + fee) * len(QUARTERS), fee


def _approved_not_paid(fund, reserved, unreported_call):
    """The committee's approved investments: reserved, and (K-Content) their capital called but never reported."""
    if not reserved:
        return
    if unreported_call:
        _record(
            fund,
            "call",
            date(2025, 5, 15),
            D(reserved) * B,
            description="Capital called for the investments approved by the committee",
        )
    _record(
        fund,
        "reserve",
        date(2025, 5, 15),
        D(reserved) * B,
        description="Investments approved by the committee, not yet paid",
    )


def _valuation(fund, called, fee, deployed, ret):
    distributions = called * D("0.05")  # of the quarterly calls (not the call for the approved investments)
    _record(fund, "distribution", date(2025, 3, 31), distributions)
    nav = called * (1 + ret) - distributions
    # the cash called for approved deals not reported
    cash = called - D(deployed) * B - fee * len(QUARTERS)
    _record(fund, "nav", date(2025, 6, 30), nav.quantize(D("1")), cash=cash)


def _deals(fund, overseas_rule):
    for n in range(6 if overseas_rule else 0):
        services.deal_screen(
            fund=fund,
            actor=None,
            name=f"{fund.name}: project {n + 1}",
            considered_on=date(2023, 3 + n, 10),
            amount=5 * B,
            overseas_revenue_share=D("0.08") + D(n) / 100,
        )
    services.deal_screen(
        fund=fund,
        actor=None,
        name=f"{fund.name}: co-production",
        considered_on=date(2024, 5, 2),
        amount=8 * B,
        overseas_revenue_share=D("0.35"),
    )


def _sub_fund(mother, spec, overseas_rule, unreported_call=False):
    _name, _category, _manager_code, _committed, deployed, reserved, ret, returned_on = spec
    fund = _create_sub_fund(mother, spec, overseas_rule)
    called, fee = _quarterly_flows(fund, deployed)
    _approved_not_paid(fund, reserved, unreported_call)
    _valuation(fund, called, fee, deployed, ret)
    _deals(fund, overseas_rule)
    if returned_on:
        services.licence_change(fund=fund, actor=None, state=LicenceState.RETURNED, on=returned_on)


def _mother(name, size):
    mother = Fund.objects.filter(name=name, parent__isnull=True).first()
    if mother is None:
        mother = Fund.objects.create(
            name=name,
            agency=organization("KIPO"),
            currency="KRW",
            size=size,
            declared_size=size,
            vintage=2022,
            investment_period_start=date(2022, 1, 1),
            investment_period_end=date(2026, 12, 31),
        )
        return mother, True
    return mother, False


def seed(stdout):
    k_content, created = _mother("K-Content IP Fund of Funds (demo)", D(2747) * B)
    if created:
        for spec in K_CONTENT:
            _sub_fund(k_content, spec, overseas_rule=spec[1] == "global content", unreported_call=True)
    patent, created = _mother("Patent Investment Fund of Funds (demo)", D(500) * B)
    if created:
        for spec in PATENT:
            _sub_fund(patent, spec, overseas_rule=False)
    made = 0
    for start, end in quarters_back(timezone.localdate(), 4):
        for scope in ("all", f"fund:{k_content.pk}"):
            if not Report.objects.filter(kind="fund_utilisation", scope=scope, period_end=end).exists():
                run = report_request(kind="fund_utilisation", scope=scope, period_start=start, period_end=end)
                report_generate(run_id=run.pk)
                made += 1
    stdout.write(f"Funds: K-Content and patent funds; {made} utilisation reports generated.\n")
