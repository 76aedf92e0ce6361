from datetime import date
from decimal import Decimal

from accounts.roles import OrganizationKind
from funds.models import Fund
from tests.factories import OrganizationFactory


def mother_fund(size="1000", **kwargs):
    return Fund.objects.create(name=kwargs.pop("name", "Mother"), currency=kwargs.pop("currency", "KRW"),
                               size=Decimal(size), vintage=2022, investment_period_start=date(2022, 1, 1),
                               investment_period_end=date(2026, 1, 1), **kwargs)


def sub_fund_fields(size="100", manager=None, **kwargs):
    size = Decimal(size)
    return {"name": kwargs.pop("name", "Sub"), "size": size, "public_commitment": size / 2, "private_commitment": size / 2,
            "vintage": 2022, "investment_period_start": date(2022, 1, 1), "investment_period_end": date(2026, 1, 1),
            "manager": manager or OrganizationFactory(kind=OrganizationKind.FUND_MANAGER), "category": "drama", **kwargs}
