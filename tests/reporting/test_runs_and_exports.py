"""Report runs (identity, scope, progress, failure) and what the exports carry."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from accounts.roles import Role
from funds import services as fund_services
from reporting import exports, services
from reporting.models import ExchangeRate, Report, ReportFile, ReportRun, RunStatus
from tests.factories import OrganizationFactory, make_user
from tests.funds.factories import REPORT_QUARTER, fund_with_ledger, mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db
Q_START, Q_END = REPORT_QUARTER


def _run(scope="all", start=Q_START, end=Q_END, actor=None):
    run = services.report_request(
        kind="fund_utilisation", scope=scope, period_start=start, period_end=end, actor=actor
    )
    services.report_generate(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_the_june_monthly_and_the_second_quarter_reports_both_exist():
    fund_with_ledger()
    quarterly = _run(start=date(2025, 4, 1))
    monthly = _run(start=date(2025, 6, 1))
    assert quarterly.report_id != monthly.report_id
    assert Report.objects.filter(period_end=Q_END).count() == 2
    assert (
        _run(start=date(2025, 6, 1)).report_id == monthly.report_id
    )  # the same period again: the same report


def test_a_typed_scope_is_refused_and_the_list_offers_only_what_the_user_may_read(client, agency):
    mine = mother_fund("1000", name="Ours", agency=agency)
    theirs = mother_fund("1000", name="Theirs", agency=OrganizationFactory(kind="agency"))
    officer = make_user(Role.CASE_OFFICER, agency)
    client.force_login(officer)
    page = client.get("/reporting/").content.decode()
    assert f'value="fund:{mine.pk}"' in page and f'value="fund:{theirs.pk}"' not in page
    assert 'value="all">' not in page.split('label="Fund utilisation"')[1].split("</optgroup>")[0]
    for scope in ("everything please", f"fund:{theirs.pk}", "all"):
        client.post(
            "/reporting/request/",
            {
                "kind": "fund_utilisation",
                "scope": scope,
                "period_start": "2025-04-01",
                "period_end": "2025-06-30",
            },
        )
    assert not ReportRun.objects.exists()
    response = client.post(
        "/reporting/request/",
        {
            "kind": "fund_utilisation",
            "scope": f"fund:{mine.pk}",
            "period_start": "2025-04-01",
            "period_end": "2025-06-30",
        },
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reporting/runs/{run.pk}/"


def test_the_api_refuses_a_scope_the_user_may_not_read(api_client, agency):
    theirs = mother_fund("1000", name="Theirs", agency=OrganizationFactory(kind="agency"))
    api_client.force_authenticate(make_user(Role.CASE_OFFICER, agency))
    response = api_client.post(
        "/api/v1/report-runs/",
        {
            "kind": "fund_utilisation",
            "scope": f"fund:{theirs.pk}",
            "period_start": "2025-04-01",
            "period_end": "2025-06-30",
        },
        format="json",
    )
    # another agency's fund is answered as a scope that does not exist (no leak); nothing is recorded
    assert response.status_code == 404 and not ReportRun.objects.exists()


def test_runs_on_another_agencys_fund_are_not_listed_nor_shown(client, agency, official):
    theirs = mother_fund("1000", name="Theirs", agency=OrganizationFactory(kind="agency"))
    hidden = services.report_request(
        kind="fund_utilisation",
        scope=f"fund:{theirs.pk}",
        period_start=Q_START,
        period_end=Q_END,
        actor=official,
    )
    client.force_login(make_user(Role.CASE_OFFICER, agency))
    assert f"/reporting/runs/{hidden.pk}/" not in client.get("/reporting/").content.decode()
    assert client.get(f"/reporting/runs/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/v1/report-runs/{hidden.pk}/").status_code in (403, 404)
    client.force_login(official)
    assert f"/reporting/runs/{hidden.pk}/" in client.get("/reporting/").content.decode()


def test_a_period_without_an_exchange_rate_fails_once_in_words_and_tells_the_requester(
    client, official, mailoutbox, django_capture_on_commit_callbacks
):
    mother = mother_fund("1000", name="Delaware", currency="USD")
    fund_services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("100", name="USD fund"))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(
            kind="fund_utilisation", scope="all", period_start=Q_START, period_end=Q_END, actor=official
        )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.attempts == 1
    assert run.error == "No exchange rate USD→KRW on or before 2025-06-30."
    assert services.report_runs_sweep() == 0  # a failed run is not picked up again
    assert any("USD→KRW" in m.subject and official.email in m.to for m in mailoutbox)
    client.force_login(official)
    page = client.get(f"/reporting/runs/{run.pk}/").content.decode()
    assert "No exchange rate USD→KRW" in page and "Traceback" not in page and "hx-trigger" not in page


def test_the_run_page_polls_while_the_run_is_queued_and_stops_when_it_is_done(client, official):
    fund_with_ledger()
    run = services.report_request(
        kind="fund_utilisation", scope="all", period_start=Q_START, period_end=Q_END
    )
    client.force_login(official)
    page = client.get(f"/reporting/runs/{run.pk}/").content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 2s"' in page
    services.report_generate(run_id=run.pk)
    fragment = client.get(f"/reporting/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<div") and 'data-status="done"' in fragment
    assert (
        "hx-trigger" not in fragment
        and f"/reporting/{ReportRun.objects.get(pk=run.pk).report_id}/" in fragment
    )


def test_a_usd_sub_funds_expected_deployment_is_converted_before_it_is_rounded():
    mother = mother_fund("100000", name="Delaware", currency="USD")
    fund = fund_services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields("1000.01", name="USD fund")
    )
    ExchangeRate.objects.create(currency="USD", quote_currency="KRW", rate=Decimal("1399.87"), as_of=Q_END)
    report = _run().report
    from funds.metrics import elapsed_share

    share = elapsed_share(fund.investment_period_start, fund.investment_period_end, Q_END)
    exact = (Decimal("1000.01") * share * Decimal("1399.87")).quantize(Decimal("1"))
    row = report.data["tables"][2]["rows"][0]
    assert Decimal(row[10]) == exact  # "Expected (pace)"
    pace = report.data["charts"][0]["series"][1]["values"][-1]
    assert Decimal(pace) == exact  # the chart and the table agree


def test_csv_names_the_rates_and_neutralises_formula_like_text():
    mother = mother_fund("1000", name='=HYPERLINK("http://x")')
    fund_services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields("100", name="+cmd|' /C calc'!A0")
    )
    fund_services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields("100", name="@SUM(1)", category="-2+3")
    )
    gbp = mother_fund("1000", name="UK", currency="GBP")
    fund_services.sub_fund_create(parent=gbp, actor=None, **sub_fund_fields("10", name="UK fund"))
    ExchangeRate.objects.create(currency="GBP", quote_currency="KRW", rate=Decimal("1750"), as_of=Q_END)
    report = _run().report
    text = exports.to_csv(report).lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "1 GBP = 1750.0000000000 KRW" in cells and "2025-06-30" in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert "'+cmd|' /C calc'!A0" in cells and "'-2+3" in cells
    assert "-" not in {c[:1] for c in cells if c and c[1:2].isalpha()}  # text starting with - is prefixed
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(report)))
    values = [
        c.value for sheet in workbook for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert not any(v.startswith(("=", "+", "@")) for v in values)
    assert any(c.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for c in row) is False


def test_the_facility_portfolio_export_neutralises_formula_like_text():
    from dashboards.portfolio import Snapshot

    snapshot = Snapshot(
        "Portfolio",
        {"tables": [{"key": "t", "title": "T", "columns": ["Lender"], "rows": [["=1+1"], ["-SUM(A1)"]]}]},
    )
    cells = [c for row in csv.reader(io.StringIO(exports.to_csv(snapshot).lstrip("\ufeff"))) for c in row]
    assert "'=1+1" in cells and "'-SUM(A1)" in cells
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(snapshot)))
    assert workbook["t"]["A3"].value == "'=1+1"


def test_the_xlsx_types_every_number_formats_it_freezes_the_header_and_sizes_the_columns():
    fund_with_ledger()
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(_run().report)))
    sheet = workbook["sub_funds"]
    assert sheet.freeze_panes == "B3"
    assert sheet["E2"].value == "Committed" and sheet["E3"].value == 400
    assert sheet["E3"].number_format == "#,##0.##########"
    assert sheet["J3"].number_format == "0.00%" and sheet["Q3"].number_format == "0.0000"
    assert sheet.column_dimensions["A"].width >= 10


def test_the_pdf_is_landscape_and_no_table_runs_off_the_page():
    from django.template.loader import render_to_string
    from weasyprint import HTML

    fund_with_ledger()
    report = _run().report
    html = render_to_string("reporting/report_pdf.html", {"report": report, "charts": []})
    document = HTML(string=html).render()
    page = document.pages[0]
    assert page.width > page.height  # landscape

    def boxes(box):
        yield box
        for child in getattr(box, "children", []):
            yield from boxes(child)

    right_edge = page.width - page._page_box.margin_right
    tables = [b for p in document.pages for b in boxes(p._page_box) if type(b).__name__ == "TableBox"]
    assert tables and all(t.position_x + t.width <= right_edge + 1 for t in tables)
    assert "IRR" in html and "Licence" in html and "TVPI" in html


def test_pdf_and_xlsx_are_rendered_once_by_the_worker_and_a_download_reads_the_file(
    client, official, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_FILES_RENDER = True
    fund_with_ledger()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(
            kind="fund_utilisation", scope="all", period_start=Q_START, period_end=Q_END
        )
    run.refresh_from_db()
    assert set(ReportFile.objects.values_list("fmt", "language")) == {
        (fmt, language) for fmt in ("pdf", "xlsx", "csv") for language in ("en", "ko")
    }
    stored = ReportFile.objects.get(fmt="pdf", language="en")
    client.force_login(official)
    from unittest import mock

    with mock.patch.object(exports, "to_pdf", side_effect=AssertionError("rendered in the web process")):
        response = client.get(f"/reporting/{run.report_id}/download.pdf")
    assert response.content == stored.read()


def test_the_report_reads_in_korean_on_the_page_and_in_the_spreadsheet_from_the_same_snapshot(
    client, official
):
    fund_with_ledger()
    report = _run().report
    assert report.data["tables"][2]["columns"][4] == "col.committed"  # a code in the snapshot, not a word
    client.force_login(official)
    english = client.get(f"/reporting/{report.pk}/").content.decode()
    assert '<th scope="col" class="num">Committed</th>' in english
    client.cookies["django_language"] = "ko"
    korean = client.get(f"/reporting/{report.pk}/").content.decode()
    assert '<th scope="col" class="num">약정</th>' in korean and ">미집행<" in korean
    with translation.override("ko"):
        workbook = load_workbook(io.BytesIO(exports.to_xlsx(report)))
    assert workbook["sub_funds"]["E2"].value == "약정" and workbook["sub_funds"]["T3"].value == "유효"


def test_the_sub_fund_table_carries_the_ilpa_style_paid_in_ratio_unfunded_commitment_and_fees():
    fund_with_ledger()
    table = _run().report.data["tables"][2]
    row = dict(zip(table["columns"], table["rows"][0], strict=True))
    assert (row["col.paid_in_ratio"], row["col.unfunded"], row["col.fees"]) == ("0.3750", "250", "0")
    assert "-0" not in [v for r in table["rows"] for v in r]


def _refuse_rendering():
    """Every renderer raises: a download that renders in the web process fails the test."""
    from contextlib import ExitStack
    from unittest import mock

    stack = ExitStack()
    for name in ("to_pdf", "to_xlsx", "to_csv"):
        stack.enter_context(
            mock.patch.object(exports, name, side_effect=AssertionError("rendered in the web"))
        )
    stack.enter_context(
        mock.patch.dict(
            exports.FORMATS,
            {fmt: (kind, getattr(exports, f"to_{fmt}")) for fmt, (kind, _r) in exports.FORMATS.items()},
        )
    )
    return stack


def test_a_download_of_a_report_not_yet_rendered_says_so_queues_it_and_then_reads_the_stored_file(
    client, official, monkeypatch
):
    from reporting import tasks

    fund_with_ledger()
    report = _run().report
    assert not ReportFile.objects.exists()  # REPORT_FILES_RENDER is off in tests: nothing rendered yet
    queued = []
    monkeypatch.setattr(tasks.render_report_files, "delay", lambda pk: queued.append(pk))
    client.force_login(official)
    with _refuse_rendering():
        pending = client.get(f"/reporting/{report.pk}/download.pdf")
        again = client.get(f"/reporting/{report.pk}/download.csv")
    assert pending.status_code == 202 and "being prepared" in pending.content.decode()
    assert again.status_code == 202 and queued == [report.pk]  # queued once, not once per click
    services.report_files_render(report=report)  # the worker
    with _refuse_rendering():
        pdf = client.get(f"/reporting/{report.pk}/download.pdf")
        csv = client.get(f"/reporting/{report.pk}/download.csv")
    assert pdf.status_code == 200 and pdf.content == ReportFile.objects.get(fmt="pdf", language="en").read()
    assert csv.content == ReportFile.objects.get(fmt="csv", language="en").read()
    assert "rec.unexplained" not in csv.content.decode("utf-8-sig") and "Unexplained" in csv.content.decode(
        "utf-8-sig"
    )


@pytest.mark.parametrize(
    "url",
    ["/dashboards/portfolio.xlsx", "/dashboards/programs.pdf?scope=all&start=2025-01-01&end=2025-06-30"],
)
def test_a_live_snapshot_download_is_rendered_by_a_worker_and_read_from_its_stored_file(
    client, official, monkeypatch, url, settings, tmp_path
):
    from reporting import tasks

    settings.MEDIA_ROOT = str(tmp_path)  # no file of an earlier run

    queued = []
    monkeypatch.setattr(tasks.render_live_export, "delay", lambda *args: queued.append(args))
    client.force_login(official)
    with _refuse_rendering():
        pending = client.get(url)
    assert pending.status_code == 202 and len(queued) == 1
    digest, fmt, language = queued[0]
    name = services.live_export_render(digest=digest, fmt=fmt, language=language)  # the worker
    with _refuse_rendering():
        response = client.get(url)
    from django.core.files.storage import default_storage

    assert response.status_code == 200 and response.content == default_storage.open(name, "rb").read()
    assert response.content.startswith(b"%PDF" if fmt == "pdf" else b"PK")


def test_the_korean_pdf_carries_every_column_of_every_table_in_korean():
    from django.template.loader import render_to_string
    from django.utils.html import escape

    from reporting import labels

    fund_with_ledger()
    report = _run().report
    with translation.override("ko"):
        html = render_to_string(
            "reporting/report_pdf.html", {"report": report, "charts": [], "LANGUAGE_CODE": "ko"}
        )
        for table in report.data["tables"]:
            missing = [c for c in table["columns"] if escape(labels.text(c)) not in html]
            assert missing == [], (table["key"], missing)
        assert escape(labels.text("col.committed")) == "약정" and "약정" in html
    sub_funds = next(t for t in report.data["tables"] if t["key"] == "sub_funds")
    assert {"col.dpi", "col.tvpi", "col.irr", "col.licence", "col.gross_irr", "col.net_irr"} <= set(
        sub_funds["columns"]
    )
