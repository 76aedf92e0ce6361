"""The fund report's reconciliation: the declared size accounted for from independent figures, the gap shown."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest

from funds import services as fund_services
from funds.models import Fund
from reporting.models import ExchangeRate
from tests.funds.factories import REPORT_QUARTER, mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db
Q_START, Q_END = REPORT_QUARTER


def _build(scope):
    from funds.reports import build

    return build(scope, Q_START, Q_END)[1]


def _lines(data):
    return {row[0]: Decimal(row[1]) for row in data["reconciliation"]["rows"]}


def _ledger(fund, *, called, deployed, fees, reported_cash):
    record = fund_services.cash_flow_record
    record(fund=fund, actor=None, kind="call", date=date(2024, 1, 10), amount=Decimal(called))
    record(fund=fund, actor=None, kind="deploy", date=date(2024, 2, 1), amount=Decimal(deployed))
    record(fund=fund, actor=None, kind="fee", date=date(2024, 3, 31), amount=Decimal(fees))
    record(
        fund=fund,
        actor=None,
        kind="nav",
        date=date(2025, 3, 31),
        amount=Decimal(deployed),
        cash=Decimal(reported_cash),
    )


def test_a_mother_fund_declared_at_272_bn_whose_sub_funds_add_up_to_269_bn_shows_3_bn_not_allocated():
    mother = mother_fund("300000000000", name="Declared", declared_size=Decimal("272000000000"))
    for name, size in (("A", "150000000000"), ("B", "119000000000")):
        fund_services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields(size, name=name))
    lines = _lines(_build(f"fund:{mother.pk}"))
    assert lines["rec.declared_size"] == Decimal("272000000000")
    assert lines["rec.committed_to_sub_funds"] == Decimal("269000000000")
    assert lines["rec.not_allocated"] == Decimal("3000000000")
    assert lines["rec.unexplained"] == 0


def test_a_gap_planted_in_a_krw_and_a_usd_sub_fund_shows_as_unexplained_converted_at_the_named_rate_and_flagged():
    seoul = mother_fund("10000000", name="Seoul", declared_size=Decimal("10000000"))
    delaware = mother_fund("5000", name="Delaware", currency="USD", declared_size=Decimal("5000"))
    korean = fund_services.sub_fund_create(
        parent=seoul, actor=None, **sub_fund_fields("4000000", name="KRW fund")
    )
    american = fund_services.sub_fund_create(
        parent=delaware, actor=None, **sub_fund_fields("3000.50", name="USD fund")
    )
    # KRW: 1,000,000 called, 600,000 invested, 50,000 fees: the ledger implies 350,000 of cash; the manager reports
    # 300,000. USD: 1,000.25 called, 700 invested, 20 fees: 280.25 implied, 250.10 reported.
    _ledger(korean, called="1000000", deployed="600000", fees="50000", reported_cash="300000")
    _ledger(american, called="1000.25", deployed="700", fees="20", reported_cash="250.10")
    ExchangeRate.objects.create(
        currency="USD", quote_currency="KRW", rate=Decimal("1400.5"), as_of=date(2025, 6, 1)
    )
    data = _build("all")
    lines = _lines(data)
    usd_gap = Decimal("30.15") * Decimal("1400.5")  # 42,225.075 won
    assert lines["rec.declared_size"] == Decimal("10000000") + Decimal("5000") * Decimal("1400.5")
    assert lines["rec.committed_to_sub_funds"] == Decimal("4000000") + round(
        Decimal("3000.50") * Decimal("1400.5")
    )
    assert lines["rec.unexplained"] == round(Decimal("50000") + usd_gap)  # rounded once, at the end: 92,225
    assert lines["rec.not_allocated"] == Decimal("8800300")  # 17,002,500 - 8,202,200.25, rounded once
    explained = sum(
        lines[f"rec.{name}"] for name in ("uncalled", "deployed", "fees", "cash_reported", "cash_unreported")
    )
    assert (
        abs(lines["rec.committed_to_sub_funds"] - explained - lines["rec.unexplained"]) <= 5
    )  # rounding only
    assert {"currency": "USD", "to": "KRW", "rate": "1400.5000000000", "as_of": "2025-06-01"} in data["rates"]
    flags = {(f["subject"], f["code"]): f for f in data["flags"]}
    assert flags[("Delaware, Seoul", "flag.unexplained")]["params"]["amount"] == "92225"
    usd_flag = flags[("USD fund", "flag.unreconciled")]
    assert usd_flag["params"] == {"amount": "30.15", "currency": "USD"}
    by_fund = {row[0]: row for row in data["tables"][1]["rows"]}
    assert by_fund["USD fund"][1:3] == ["USD", "3000.50"]
    assert by_fund["USD fund"][-2:] == ["30.15", "42225"]


def test_the_report_page_documents_every_line_and_shows_the_unexplained_amount_with_its_currency(
    client, official
):
    mother = mother_fund("1000", name="Gap", declared_size=Decimal("1000"))
    fund = fund_services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("1000", name="Leaky"))
    _ledger(fund, called="500", deployed="300", fees="10", reported_cash="90")
    from reporting import services

    run = services.report_request(
        kind="fund_utilisation", scope=f"fund:{mother.pk}", period_start=Q_START, period_end=Q_END
    )
    report = services.report_generate(run_id=run.pk)
    client.force_login(official)
    body = client.get(f"/reporting/{report.pk}/").content.decode()
    assert "UNEXPLAINED" in body and "KRW 100" in body
    for definition in (
        "Declared size − committed to sub-funds.",
        "Σ (committed − capital called), from the ledger.",
    ):
        assert definition in body


def test_the_k_content_demo_shows_its_0_277_t_as_unexplained():
    from funds.demo import seed

    seed(StringIO())
    k_content = Fund.objects.get(name="K-Content IP Fund of Funds (demo)")
    lines = _lines(_build(f"fund:{k_content.pk}"))
    trillion = Decimal("1e12")
    assert lines["rec.declared_size"] == Decimal("2.747") * trillion
    assert lines["rec.not_allocated"] == 0
    assert lines["rec.deployed"].quantize(Decimal("1e6")) == Decimal("1.03") * trillion
    assert lines["rec.memo_idle"].quantize(Decimal("1e6")) == Decimal("1.44") * trillion
    assert lines["rec.unexplained"].quantize(Decimal("1e6")) == Decimal("0.277") * trillion
