"""CSV, XLSX and PDF of a report, all from the same snapshot data (``tables``, ``flags``, ``charts``)."""

import csv
import io
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from .charts import render_chart


def _rows(report):
    for table in report.data.get("tables", []):
        yield [table["title"]]
        yield table["columns"]
        yield from table["rows"]
        yield []


def to_csv(report):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([report.title])
    writer.writerow(
        [
            f"Period {report.period_start} – {report.period_end}",
            f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
        ]
    )
    for flag in report.data.get("flags", []):
        writer.writerow(["FLAG", flag["subject"], flag["message"]])
    writer.writerow([])
    for row in _rows(report):
        writer.writerow(row)
    return "\ufeff" + buffer.getvalue()  # BOM so spreadsheet programs read Korean text as UTF-8


def to_xlsx(report):
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    summary.append([report.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["Period", str(report.period_start), str(report.period_end)])
    summary.append(["Generated (UTC)", report.generated_at.strftime("%Y-%m-%d %H:%M")])
    for rate in report.data.get("rates", []):
        summary.append(
            ["Exchange rate", f"1 {rate['currency']} = {rate['rate']} {rate['to']}", rate["as_of"]]
        )
    summary.append([])
    summary.append(["Flags"])
    for flag in report.data.get("flags", []):
        summary.append([flag["subject"], flag["message"]])
    for table in report.data.get("tables", []):
        sheet = workbook.create_sheet(table["key"][:31])
        sheet.append([table["title"]])
        sheet.append(table["columns"])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([_number(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value):
    """Numbers stored as text in the snapshot become numeric cells."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


CHARTS_SECONDS = 24 * 3600  # a stored report's charts and rendered body (it never changes)
BODY_VERSION = "2"  # part of the cached body's key: a release that changes how a report is drawn changes it


def chart_svgs(report, *, embedded_style=False):
    """The report's charts as SVG (for a page, styled by static/css/charts.css; ``embedded_style`` for the PDF, see
    reporting.charts). A stored report never changes, so its charts are drawn once and cached."""

    def draw():
        return [
            {"title": spec.get("title", ""), "svg": render_chart(spec, embedded_style=embedded_style)}
            for spec in report.data.get("charts", [])
        ]

    if not getattr(report, "pk", None):  # a live dashboard or portfolio, built for this request
        return draw()
    style = "embedded" if embedded_style else "page"
    key = f"report-charts:{report.pk}:{report.kind}:{report.scope}:{report.period_end}:{style}"
    charts = cache.get(key)
    if charts is None:
        charts = draw()
        cache.set(key, charts, CHARTS_SECONDS)
    return charts


def to_pdf(report):
    from weasyprint import HTML

    html = render_to_string(
        "reporting/report_pdf.html", {"report": report, "charts": chart_svgs(report, embedded_style=True)}
    )
    return HTML(string=html, base_url=None).write_pdf()


FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "pdf": ("application/pdf", to_pdf),
}


def download_response(report, fmt, filename):
    """The report as a download in ``fmt`` (csv, xlsx or pdf): the one place every report page exports from."""
    from django.http import Http404, HttpResponse

    if fmt not in FORMATS:
        raise Http404
    content_type, render = FORMATS[fmt]
    response = HttpResponse(render(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
