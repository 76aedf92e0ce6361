"""CSV, XLSX and PDF of a report, all from the same snapshot data (``tables``, ``flags``, ``charts``), in the
language active when they are rendered (reporting.labels).

Text that a spreadsheet would read as a formula (a cell starting with = + - @, a tab or a carriage return) is
prefixed with an apostrophe in the CSV and stored as text in the XLSX: a fund, company or bidder name is typed by
people outside the agency. Numbers are written as numbers, never as text, so they are not touched.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import labels
from .charts import render_chart

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMATS = {"money": "#,##0.##########", "percent": "0.00%", "ratio": "0.0000", "int": "0"}


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _preamble(report):
    """The lines every export starts with: title, period, the rates and their dates, the flags."""
    from django.utils.translation import gettext as _

    lines = [
        [labels.text(report.data.get("title") or report.title)],
        [
            _("Period"),
            str(report.period_start),
            str(report.period_end),
            _("generated (UTC)"),
            f"{report.generated_at:%Y-%m-%d %H:%M}",
        ],
    ]
    if report.data.get("currency"):
        lines.append([_("Reporting currency"), report.data["currency"]])
    for rate in report.data.get("rates", []):
        lines.append(
            [
                _("Exchange rate"),
                f"1 {rate['currency']} = {rate['rate']} {rate['to']}",
                _("as of"),
                rate["as_of"],
            ]
        )
    for flag in report.data.get("flags", []):
        lines.append([_("FLAG"), labels.text(flag["subject"]), labels.text(flag)])
    for note in report.data.get("notes", []):
        lines.append([labels.text(note)])
    return lines


def to_csv(report):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _preamble(report):
        writer.writerow([neutralise(v) for v in line])
    writer.writerow([])
    for table in report.data.get("tables", []):
        formats = table.get("formats") or ["text"] * len(table["columns"])
        writer.writerow([neutralise(labels.text(table["title"]))])
        writer.writerow([neutralise(labels.text(c)) for c in table["columns"]])
        for row in table["rows"]:
            writer.writerow(
                [
                    v if f in XLSX_FORMATS and v is not None else neutralise(labels.text(v))
                    for v, f in zip(row, formats, strict=False)
                ]
            )
        writer.writerow([])
    return "\ufeff" + buffer.getvalue()  # BOM so spreadsheet programs read Korean text as UTF-8


def _number(value):
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _xlsx_cell(sheet, row, column, value, fmt):
    number = _number(value) if fmt in XLSX_FORMATS and value not in (None, "") else None
    cell = sheet.cell(row=row, column=column)
    if number is not None:
        cell.value = number
        cell.number_format = XLSX_FORMATS[fmt]
    else:
        cell.value = neutralise(labels.text(value)) if value is not None else None
    return cell


def _xlsx_table(workbook, table):
    sheet = workbook.create_sheet(table["key"][:31])
    formats = table.get("formats") or ["text"] * len(table["columns"])
    sheet.cell(row=1, column=1, value=neutralise(labels.text(table["title"]))).font = Font(bold=True, size=12)
    widths = []
    for column, code in enumerate(table["columns"], start=1):
        cell = sheet.cell(row=2, column=column, value=neutralise(labels.text(code)))
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        widths.append(min(max(len(str(cell.value)), 10), 28))
    for row_number, row in enumerate(table["rows"], start=3):
        for column, (value, fmt) in enumerate(zip(row, formats, strict=False), start=1):
            cell = _xlsx_cell(sheet, row_number, column, value, fmt)
            shown = len(f"{cell.value:,}") if isinstance(cell.value, Decimal) else len(str(cell.value or ""))
            widths[column - 1] = min(max(widths[column - 1], shown + 2), 60)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B3"  # the header rows and the first column stay in view


def to_xlsx(report):
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    for line in _preamble(report):
        summary.append([neutralise(v) for v in line])
    summary["A1"].font = Font(bold=True, size=14)
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 40
    summary.column_dimensions["C"].width = 60
    for table in report.data.get("tables", []):
        _xlsx_table(workbook, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CHARTS_SECONDS = 24 * 3600  # a stored report's charts and rendered body (it never changes)
BODY_VERSION = "5"  # part of the cached body's key: a release that changes how a report is drawn changes it


def chart_svgs(report, *, embedded_style=False):
    """The report's charts as SVG in the active language (for a page, styled by static/css/charts.css;
    ``embedded_style`` for the PDF, see reporting.charts). A stored report never changes, so its charts are drawn
    once per language and cached."""

    def draw():
        charts = []
        for spec in report.data.get("charts", []):
            spec = labels.rendered_chart(spec)
            charts.append({"title": spec["title"], "svg": render_chart(spec, embedded_style=embedded_style)})
        return charts

    if not getattr(report, "pk", None):  # a live dashboard or portfolio, built for this request
        return draw()
    style = "embedded" if embedded_style else "page"
    key = f"report-charts:{BODY_VERSION}:{report.pk}:{report.scope}:{report.period_end}:{style}:{get_language()}"
    charts = cache.get(key)
    if charts is None:
        charts = draw()
        cache.set(key, charts, CHARTS_SECONDS)
    return charts


def to_pdf(report):
    from weasyprint import HTML

    html = render_to_string(
        "reporting/report_pdf.html",
        {
            "report": report,
            "charts": chart_svgs(report, embedded_style=True),
            "LANGUAGE_CODE": get_language(),
        },
    )
    return HTML(string=html, base_url=None).write_pdf()


FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "pdf": ("application/pdf", to_pdf),
}


def download_response(report, fmt, filename):
    """The report as a download in ``fmt`` (csv, xlsx or pdf): the one place every report page exports from.

    A download always reads a file a worker rendered and stored; the web process never renders one. A stored report's
    files are rendered by the worker that made it (reporting.services.report_files_render); a live snapshot's
    (the program dashboard, the portfolio) by a worker on its first download (render_live_export). A file not yet
    there is queued and the answer (202) says it is being prepared; the page asks again a few seconds later."""
    from django.http import Http404

    if fmt not in FORMATS:
        raise Http404
    content = stored_content(report, fmt)
    if content is None:
        queue_rendering(report, fmt)
        content = stored_content(
            report, fmt
        )  # a worker that runs in-process (tests, CELERY_TASK_ALWAYS_EAGER)
    if content is None:
        return _pending_response(report, fmt)
    return _file_response(content, fmt, filename)


def download_name(report):
    from django.utils.text import slugify

    return slugify(f"{report.kind}-{report.scope}-{report.period_end}")


def stored_download(visible, pk, fmt):
    """A stored report's file, ``pk`` among the reports ``visible`` to the user: the file's row and the report's
    name in one query, without the report's snapshot (``data``: hundreds of kB at scale, which a download of a
    rendered file never reads). A report without the file yet goes the way of ``download_response`` (queued, 202);
    one not visible is a 404."""
    from django.http import Http404

    from .models import ReportFile

    if fmt not in FORMATS:
        raise Http404
    stored = (
        ReportFile.objects.filter(report__in=visible.filter(pk=pk), fmt=fmt, language=get_language())
        .select_related("report")
        .defer("report__data")
        .first()
    )
    if stored is not None:
        return _file_response(stored.read(), fmt, download_name(stored.report))
    report = visible.filter(pk=pk).first()
    if report is None:
        raise Http404
    return download_response(report, fmt, download_name(report))


def _file_response(content, fmt, filename):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _pending_response(report, fmt):
    from django.http import HttpResponse

    html = render_to_string(
        "reporting/export_pending.html",
        {
            "title": labels.text(report.data.get("title") or report.title),
            "fmt": fmt.upper(),
            "LANGUAGE_CODE": get_language(),
        },
    )
    response = HttpResponse(html, status=202)
    response["Retry-After"] = "5"
    return response


def stored_content(report, fmt):
    """The bytes of the report's file in ``fmt`` and the active language, or None while no worker has stored it."""
    from django.core.files.storage import default_storage

    if getattr(report, "pk", None):
        from .models import ReportFile

        stored = ReportFile.objects.filter(report_id=report.pk, fmt=fmt, language=get_language()).first()
        return stored.read() if stored else None
    name = live_file_name(live_digest(report, fmt, get_language()), fmt)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


QUEUED_SECONDS = 60  # a file asked for again within a minute is not queued a second time


def queue_rendering(report, fmt):
    """Ask a worker for the file (once a minute at most): a stored report's files in every language, or one live
    snapshot's file in the active language (its figures handed over through the cache)."""
    from . import tasks

    if getattr(report, "pk", None):
        if cache.add(f"report-files-queued:{report.pk}", 1, QUEUED_SECONDS):
            tasks.render_report_files.delay(report.pk)
        return
    language = get_language()
    digest = live_digest(report, fmt, language)
    if cache.add(f"live-export-queued:{digest}", 1, QUEUED_SECONDS):
        cache.set(f"live-export:{digest}", LiveSnapshot.of(report), LIVE_SECONDS)
        tasks.render_live_export.delay(digest, fmt, language)


LIVE_SECONDS = 3600  # a live snapshot's figures wait this long in the cache for a worker


@dataclass
class LiveSnapshot:
    """What a worker needs of a live snapshot (a dashboard or the portfolio as one user sees it) to render it."""

    title: str
    data: dict
    period_start: object
    period_end: object
    generated_at: object
    kind: str = "live"
    scope: str = "all"

    @classmethod
    def of(cls, report):
        return cls(
            report.title,
            report.data,
            report.period_start,
            report.period_end,
            report.generated_at,
            getattr(report, "kind", "live"),
            getattr(report, "scope", "all"),
        )


def live_digest(report, fmt, language):
    """The name of a live snapshot's file: a digest of its figures, the format and the language. Only who was shown
    these figures can name it, so the file is theirs; the same figures asked again read the same file."""
    content = repr(
        (
            BODY_VERSION,
            report.title,
            report.data,
            str(report.period_start),
            str(report.period_end),
            fmt,
            language,
        )
    )
    return hashlib.sha256(content.encode()).hexdigest()


def live_file_name(digest, fmt):
    return f"exports/live/{digest}.{fmt}"


def render_bytes(report, fmt):
    content = FORMATS[fmt][1](report)
    return content.encode("utf-8") if isinstance(content, str) else content
