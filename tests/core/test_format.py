from decimal import Decimal

from core.templatetags.ipfin_format import money, percent


def test_money_groups_thousands_and_keeps_the_currency_minor_unit():
    assert money(1234567, "KRW") == "1,234,567 KRW"
    assert money(Decimal("1234567.6"), "KRW") == "1,234,568 KRW"
    assert money("1234.5", "GBP") == "1,234.50 GBP"
    assert money(Decimal("-1234.5"), "USD") == "-1,234.50 USD"
    assert money(0, "") == "0.00"
    assert money(None, "KRW") == money("", "KRW") == money("not a number", "KRW") == "—"


def test_percent():
    assert percent(Decimal("0.035")) == "3.5%"
    assert percent("0.2", 0) == "20%"
    assert percent(None) == "—"
