"""Charts as SVG made on the server (pygal): the same marks in the page and in the PDF.

The site's Content-Security-Policy (``style-src 'self'``, ``script-src 'self'``) blocks what pygal puts inside each
SVG: a ``<style>`` element, a ``<script>`` with its configuration and a ``style="opacity: 0"`` attribute. A browser
then paints every shape with SVG's defaults (black fill): a black rectangle. So the page gets the SVG without them
and its look from ``static/css/charts.css``, which is pygal's own stylesheet for ``STYLE`` with each chart's
``#chart-<uuid>`` selector replaced by the class every pygal chart carries (``.pygal-chart``); ``chart_stylesheet``
makes it and a test keeps the file equal to it. The PDF (WeasyPrint, no CSP) keeps pygal's embedded style.
"""

import re
from decimal import Decimal

import pygal
from django.utils.translation import get_language
from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997"),
    font_family="Noto Sans CJK KR, DejaVu Sans, sans-serif",
    title_font_size=16,
    label_font_size=11,
    legend_font_size=11,
)
KINDS = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line, "stacked": pygal.StackedBar}
STYLESHEET_SERIES = (
    12  # series colours the static stylesheet carries (pygal repeats the palette, lighter, beyond 6)
)
_EMBEDDED = re.compile(r"<style[^>]*>.*?</style>|<script[^>]*>.*?</script>|<script[^>]*/>", re.S)
_CHART_ID = re.compile(r"#chart-[0-9a-f-]{36}")
_UNITS = ((Decimal("1e12"), " T"), (Decimal("1e9"), " bn"), (Decimal("1e6"), " M"), (Decimal("1e3"), " k"))
# Korean counts large numbers in 만 (10^4) steps: 조 = 10^12, 억 = 10^8, 만 = 10^4 (written without a space)
_UNITS_KO = ((Decimal("1e12"), "조"), (Decimal("1e8"), "억"), (Decimal("1e4"), "만"))


def compact_number(value):
    """An axis label in units a reader reads at a glance, in the active language: 3.1 T, 250 bn, 1.5 M, 12 k, 0.84
    (never 3e+12); in Korean 3.1조, 2,500억, 150만."""
    if value is None:
        return ""
    number = Decimal(str(value))
    units = _UNITS_KO if (get_language() or "").startswith("ko") else _UNITS
    for size, unit in units:
        if abs(number) >= size:
            scaled = number / size
            text = f"{scaled:,.1f}" if abs(scaled) < 100 else f"{scaled:,.0f}"
            return f"{text.removesuffix('.0')}{unit}"
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _chart(spec):
    chart = KINDS[spec.get("type", "bar")](
        style=STYLE,
        width=720,
        height=360,
        explicit_size=False,
        disable_xml_declaration=True,
        show_legend=len(spec["series"]) > 1,
        x_label_rotation=30 if len(spec.get("x", [])) > 6 else 0,
        js=[],
        print_values=False,
        truncate_label=28,
        legend_at_bottom=True,
        value_formatter=compact_number,
    )
    chart.title = spec.get("title", "")
    chart.x_labels = spec.get("x", [])
    for series in spec["series"]:
        chart.add(series["name"], [None if v is None else float(v) for v in series["values"]])
    return chart


def render_chart(spec, *, embedded_style=False):
    """``spec``: {"title", "type", "x": [labels], "series": [{"name", "values"}]} -> SVG text.

    For a web page (the default) the SVG carries no style element, script or style attribute (see the module
    docstring); ``embedded_style`` keeps pygal's own, for the PDF."""
    svg = _chart(spec).render(is_unicode=True)
    if embedded_style:
        return svg
    return _EMBEDDED.sub("", svg).replace('style="opacity: 0"', 'opacity="0"')


def chart_stylesheet():
    """The CSS of every chart on a page: pygal's stylesheet for STYLE, scoped to ``.pygal-chart``."""
    spec = {
        "type": "line",
        "x": ["a"],
        "series": [{"name": str(n), "values": [n]} for n in range(STYLESHEET_SERIES)],
    }
    css = re.search(r"<style[^>]*>(.*?)</style>", _chart(spec).render(is_unicode=True), re.S).group(1)
    css = _CHART_ID.sub(".pygal-chart", css).replace("&gt;", ">")
    return "/* Made by reporting.charts.chart_stylesheet(); do not edit by hand. */\n" + css.strip() + "\n"
