"""Market statistics as flows and stocks, each with its year-on-year growth computed (never typed)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from programs.market import with_flow_growth, with_stock_growth, year_before
from programs.models import MarketOutstanding, MarketVolume
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _china_stocks():
    MarketOutstanding.objects.create(
        country="CN", as_of=date(2023, 12, 31), amount=Decimal("318400000000"), currency="CNY"
    )
    return MarketOutstanding.objects.create(
        country="CN", as_of=date(2024, 12, 31), amount=Decimal("486900000000"), currency="CNY"
    )


def test_a_stock_grows_against_the_stock_a_year_earlier():
    latest = _china_stocks()
    [row] = with_stock_growth([latest])
    assert row.previous.as_of == date(2023, 12, 31)
    assert row.growth == Decimal("0.5292")  # CNY 486.9 bn against 318.4 bn: +52.9 %


def test_a_stock_without_one_a_year_earlier_or_in_another_currency_has_no_growth():
    MarketOutstanding.objects.create(
        country="CN", as_of=date(2023, 10, 31), amount=Decimal("1"), currency="CNY"
    )
    MarketOutstanding.objects.create(
        country="GB", as_of=date(2023, 12, 31), amount=Decimal("5"), currency="USD"
    )
    rows = with_stock_growth(
        [
            MarketOutstanding.objects.create(
                country="CN", as_of=date(2024, 12, 31), amount=Decimal("2"), currency="CNY"
            ),
            MarketOutstanding.objects.create(
                country="GB", as_of=date(2024, 12, 31), amount=Decimal("9"), currency="GBP"
            ),
        ]
    )
    assert [row.growth for row in rows] == [None, None]


def test_a_flow_grows_against_the_same_period_a_year_earlier():
    MarketVolume.objects.create(
        country="KR",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        amount=2000,
        currency="KRW",
    )
    half = MarketVolume.objects.create(
        country="KR", period_start=date(2025, 1, 1), period_end=date(2025, 6, 30), amount=1500, currency="KRW"
    )
    year = MarketVolume.objects.create(
        country="KR", period_start=date(2025, 7, 1), period_end=date(2025, 12, 31), amount=900, currency="KRW"
    )
    full = MarketVolume(
        country="KR",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        amount=2300,
        currency="KRW",
    )
    rows = with_flow_growth([half, year, full])
    assert [row.growth for row in rows] == [None, None, Decimal("0.1500")]


def test_the_29th_of_february_is_compared_with_the_28th():
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)


def test_the_admin_lists_show_the_growth(client):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    _china_stocks()
    page = client.get(reverse("admin:programs_marketoutstanding_changelist"))
    assert page.status_code == 200
    assert "+52.9 %" in page.content.decode()


def test_the_growth_column_reads_the_market_in_one_query_whatever_the_number_of_rows(client):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    url = reverse("admin:programs_marketoutstanding_changelist")
    _china_stocks()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in range(2000, 2020):
        MarketOutstanding.objects.create(
            country="CN", as_of=date(year, 12, 31), amount=Decimal(year), currency="CNY"
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
