"""Charts as SVG made on the server (pygal): the same markup in the page and in the PDF."""

import pygal
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


def render_chart(spec):
    """``spec``: {"title", "type", "x": [labels], "series": [{"name", "values"}], "unit"} -> SVG text."""
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
    )
    chart.title = spec.get("title", "")
    chart.x_labels = spec.get("x", [])
    for series in spec["series"]:
        chart.add(series["name"], [None if v is None else float(v) for v in series["values"]])
    return chart.render(is_unicode=True)
