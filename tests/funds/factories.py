from datetime import date
from decimal import Decimal

from accounts.roles import OrganizationKind
from funds.models import Fund
from tests.factories import OrganizationFactory


def mother_fund(size="1000", **kwargs):
    return Fund.objects.create(
        name=kwargs.pop("name", "Mother"),
        currency=kwargs.pop("currency", "KRW"),
        size=Decimal(size),
        vintage=2022,
        investment_period_start=date(2022, 1, 1),
        investment_period_end=date(2026, 1, 1),
        **kwargs,
    )


def sub_fund_fields(size="100", manager=None, **kwargs):
    size = Decimal(size)
    return {
        "name": kwargs.pop("name", "Sub"),
        "size": size,
        "public_commitment": size / 2,
        "private_commitment": size / 2,
        "vintage": 2022,
        "investment_period_start": date(2022, 1, 1),
        "investment_period_end": date(2026, 1, 1),
        "manager": manager or OrganizationFactory(kind=OrganizationKind.FUND_MANAGER),
        "category": "drama",
        **kwargs,
    }


REPORT_QUARTER = (date(2025, 4, 1), date(2025, 6, 30))


def fund_with_ledger():
    """A mother fund and one sub-fund with a call, a deployment, a reservation and a NAV, recorded by the services."""
    from funds import services

    mother = mother_fund("1000", name="K-Content")
    fund = services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields("400", name="Global Content")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="call", date=date(2023, 1, 1), amount=Decimal("150")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 1, 2), amount=Decimal("120")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="reserve", date=date(2024, 1, 2), amount=Decimal("40")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="nav", date=date(2024, 12, 31), amount=Decimal("100"), cash=Decimal("30")
    )
    return mother, fund


def request_fund_report(scope="all"):
    """A fund utilisation report run for REPORT_QUARTER."""
    from reporting import services

    return services.report_request(
        kind="fund_utilisation", scope=scope, period_start=REPORT_QUARTER[0], period_end=REPORT_QUARTER[1]
    )
