from decimal import Decimal

from django.utils import translation

from core.templatetags.ipfin_format import cell, compact, headline, money, number, percent, with_formats
from core.templatetags.ipfin_forms import form_field


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


def test_numbers_get_thousands_separators_and_lose_a_zero_fraction():
    assert number(2640000000000) == "2,640,000,000,000"
    assert number("15860000000000") == "15,860,000,000,000"
    assert number("1234.50") == "1,234.5"
    assert number("0.8000") == "0.8"
    assert number("not a number") == "not a number"
    assert number(None) == "—"


def test_large_amounts_are_compact_in_the_readers_language():
    with translation.override("ko"):
        assert compact(15860000000000, "KRW") == "15.86조 KRW"
        assert compact(450000000000) == "4,500억"
        assert compact(5000) == "5,000"
    with translation.override("en"):
        assert compact(15860000000000, "KRW") == "KRW 15.86 tn"
        assert compact(450000000000) == "450 bn"
        assert compact(-3500000000, "KRW") == "KRW -3.5 bn"


def test_a_report_cell_is_a_percentage_when_its_column_says_so_and_grouped_otherwise():
    assert cell("0.6667", "percent") == "66.7%"
    assert cell(Decimal("400000000")) == "400,000,000"
    assert cell("2026-02") == "2026-02"
    assert cell("5–10–15") == "5–10–15"
    assert cell(None) == "—"
    assert with_formats(["a", 1, "0.5"], {"formats": ["", "", "percent"]}) == [
        ("a", ""),
        (1, ""),
        ("0.5", "percent"),
    ]
    assert with_formats(["a", 1], {"rows": []}) == [("a", ""), (1, "")]


def test_a_headline_number_is_compact_with_the_full_figure_and_a_sentence_stays_as_written():
    with translation.override("en"):
        assert headline("3,247,000,000,000") == "3.25 tn (3,247,000,000,000)"
        assert headline("57.0% against about 17%") == "57.0% against about 17%"
        assert headline(4) == "4"


def test_an_amount_field_shows_a_whole_krw_amount_without_a_zero_fraction_and_keeps_what_was_typed():
    from django import forms

    class AmountForm(forms.Form):
        amount = forms.DecimalField(max_digits=20, decimal_places=2)

    unbound = form_field(AmountForm(initial={"amount": Decimal("200000000.00")})["amount"])["widget"]
    assert 'value="200000000"' in unbound and 'id="id_amount"' in unbound
    typed = form_field(AmountForm(data={"amount": "1.50"})["amount"])["widget"]
    assert 'value="1.50"' in typed
