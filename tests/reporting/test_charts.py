import re
from pathlib import Path

import pytest

from reporting.charts import chart_stylesheet, compact_number, render_chart

SPEC = {
    "title": "Idle",
    "type": "line",
    "x": ["2025-03-31", "2025-06-30"],
    "series": [{"name": "Deployed", "values": ["3000000000000", "250000000000"]}],
}


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "stacked"])
def test_a_chart_for_a_page_carries_nothing_the_content_security_policy_blocks(kind):
    svg = render_chart({**SPEC, "type": kind})
    assert "<style" not in svg and "<script" not in svg and "style=" not in svg
    assert 'class="pygal-chart"' in svg


def test_a_chart_for_the_pdf_keeps_pygals_embedded_style():
    assert "<style" in render_chart(SPEC, embedded_style=True)


def test_the_charts_stylesheet_served_to_pages_is_the_one_pygal_makes_for_our_style():
    served = (Path(__file__).parents[2] / "static" / "css" / "charts.css").read_text()
    assert served == chart_stylesheet()
    assert "#chart-" not in served and ".pygal-chart .color-0" in served


def test_chart_axes_read_in_units_never_in_exponents():
    svg = render_chart(SPEC)
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "3 T" in labels and not any("e+" in label for label in labels)
    assert [compact_number(v) for v in (3e12, 2.5e11, 1_500_000, 0.8412, 0.9, 12)] == [
        "3 T",
        "250 bn",
        "1.5 M",
        "0.84",
        "0.9",
        "12",
    ]
