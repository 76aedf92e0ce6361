"""The program dashboard and the portfolio keep codes, never English sentences: every word a reader sees is a code
of ``reporting.labels`` (with its parameters), put into words in the language of the page, PDF or spreadsheet."""

import random
import re
from datetime import date

import pytest
from django.utils import translation

from dashboards.portfolio import portfolio_data
from dashboards.program import build_dashboard
from facilities.models import Facility
from reporting import labels
from reporting.charts import compact_number
from tests.dashboards.test_facts import _generated
from tests.dashboards.test_program import _case, _seed_market, two_programs  # noqa: F401, F811 (a fixture)

pytestmark = pytest.mark.django_db
START, END = date(2026, 1, 1), date(2026, 6, 30)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _is_code(item):
    if isinstance(item, dict):
        return item.get("code") in labels.LABELS
    return item in labels.LABELS


def _word_items(data):
    """Every item of a report's data that a reader reads as words (not figures, not data)."""
    items = [data["title"]] if "title" in data else []
    for table in data["tables"]:
        items += [table["title"], *table["columns"]]
    for item in data["headline"]:
        items.append(item["label"])
        if isinstance(item["value"], dict) or (
            isinstance(item["value"], str) and re.search(r"[A-Za-z]{2}", item["value"])
        ):
            items.append(item["value"])
    items += data["notes"]
    items += [{"code": flag["code"]} for flag in data["flags"]]
    for chart in data["charts"]:
        items += [chart["title"], *(series["name"] for series in chart["series"])]
    return items


def _first_column(data, key):
    return [row[0] for row in next(t for t in data["tables"] if t["key"] == key)["rows"]]


def test_every_word_of_the_program_dashboard_is_a_code_read_in_the_readers_language(two_programs, settings):  # noqa: F811
    settings.REPORTING_CURRENCY = "KRW"
    krw, _gbp = two_programs
    stages = ["start_screening", "start_credit_review", "recommend", "approve"]
    _case(krw, submitted=date(2026, 2, 1), decided=date(2026, 2, 11), status="approved", stages=stages)
    _seed_market()
    _title, data = build_dashboard("country:KR", START, END)
    assert [item for item in _word_items(data) if not _is_code(item)] == []
    # the codes of the rows: funnel and stage codes, reach and quality groups, the market table's notes
    for key in ("funnel", "stages", "reach", "quality"):
        assert all(_is_code(cell) for cell in _first_column(data, key)), key
    market = next(t for t in data["tables"] if t["key"].startswith("market_"))
    assert all(_is_code(row[2]) for row in market["rows"][-2:])
    assert all(_is_code(x) for x in data["charts"][0]["x"])  # the funnel chart's stages
    with translation.override("ko"):  # words the catalogue already has: read in Korean, not as codes
        stages_ko = [labels.text(cell) for cell in _first_column(data, "stages")]
        funnel_ko = [labels.text(cell) for cell in _first_column(data, "funnel")[1:2]]
    assert stages_ko and all(HANGUL.search(words) for words in stages_ko + funnel_ko), stages_ko
    with translation.override("en"):
        assert labels.text(data["title"]) == "Program dashboard — country:KR — 2026-01-01 to 2026-06-30"
        assert labels.rendered_table(market)["rows"][-1][1][0] == "20,000,000,000,000"


def test_every_word_of_the_portfolio_is_a_code_and_amounts_keep_their_minor_unit(settings):
    settings.REPORTING_CURRENCY = "KRW"
    settings.AGENCY_GUARANTEE_FUND = 1000
    _generated(random.Random(7))
    data = portfolio_data(Facility.objects.all())
    assert [item for item in _word_items(data) if not _is_code(item)] == []
    assert all(_is_code(x) or re.fullmatch(r"[\d+\-]+", x) for x in data["charts"][0]["x"])
    outstanding = next(t for t in data["tables"] if t["key"] == "outstanding")
    for _program, currency, _n, amount in outstanding["rows"]:
        places = 0 if currency in ("KRW", "JPY") else 2
        assert len(amount.partition(".")[2]) == places, (currency, amount)


def test_chart_axes_read_in_korean_units_in_korean_and_in_thousands_in_english():
    with translation.override("ko"):
        assert [compact_number(v) for v in (1.2e12, 2.5e11, 1e9, 1_500_000, 12)] == [
            "1.2조",
            "2,500억",
            "10억",
            "150만",
            "12",
        ]
    with translation.override("en"):
        assert [compact_number(v) for v in (1.2e12, 2.5e11, 1e9)] == ["1.2 T", "250 bn", "1 bn"]
