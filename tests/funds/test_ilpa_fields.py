"""ILPA-style fields of the utilisation report: paid-in ratio, unfunded commitment, management fees to date, fees
paid on idle capital, and the gross and net IRR where the ledger records fees (checked against an independent XIRR)."""

from datetime import date
from decimal import Decimal

import pytest

from funds import services
from funds.reports import SUB_FUND_COLUMNS, metrics_of
from tests.funds.factories import fund_with_ledger, mother_fund, request_fund_report, sub_fund_fields

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def independent_xirr(flows):
    """The annual rate r with Σ amount ÷ (1 + r)^(days ÷ 365) = 0, by plain bisection (no numpy, no Newton)."""
    first = min(day for day, _ in flows)

    def npv(rate):
        return sum(float(amount) / (1 + rate) ** ((day - first).days / 365) for day, amount in flows)

    low, high = -0.99, 10.0
    for _ in range(200):
        middle = (low + high) / 2
        if (npv(low) > 0) == (npv(middle) > 0):
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _fund_with_fees():
    mother = mother_fund("1000", name="Fees mother")
    fund = services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("400", name="Fees sub"))
    for kind, day, amount in [
        ("call", date(2022, 3, 1), "200"),
        ("fee", date(2022, 3, 31), "8"),
        ("deploy", date(2022, 4, 15), "150"),
        ("call", date(2023, 3, 1), "100"),
        ("fee", date(2023, 3, 31), "8"),
        ("deploy", date(2023, 5, 1), "90"),
        ("distribution", date(2024, 9, 30), "60"),
        ("fee", date(2024, 3, 31), "7"),
    ]:
        services.cash_flow_record(fund=fund, actor=None, kind=kind, date=day, amount=Decimal(amount))
    services.cash_flow_record(
        fund=fund, actor=None, kind="nav", date=date(2025, 3, 31), amount=Decimal("330"), cash=Decimal("37")
    )
    return fund


def test_gross_and_net_irr_match_an_independent_xirr_with_and_without_the_fees():
    fund = _fund_with_fees()
    [metrics] = metrics_of([fund], AS_OF)
    investors = [
        (date(2022, 3, 1), -200),
        (date(2023, 3, 1), -100),
        (date(2024, 9, 30), 60),
        (AS_OF, 330),  # the latest NAV, as if received at the report date
    ]
    fees = [(date(2022, 3, 31), 8), (date(2023, 3, 31), 8), (date(2024, 3, 31), 7)]
    net, gross = independent_xirr(investors), independent_xirr(investors + fees)
    assert metrics.net_irr == pytest.approx(net, abs=1e-6) and metrics.irr == metrics.net_irr
    assert metrics.gross_irr == pytest.approx(gross, abs=1e-6)
    assert metrics.gross_irr > metrics.net_irr  # fees cost the investors return
    # the other ILPA-style figures
    assert (metrics.called, metrics.fees) == (Decimal("300"), Decimal("23"))
    assert metrics.committed - metrics.called == Decimal("100")  # unfunded commitment
    assert metrics.fees_on_idle == Decimal("23") * (400 - 240) / 400


def test_the_report_shows_gross_and_net_irr_where_fees_are_known_and_leaves_them_empty_elsewhere(
    django_capture_on_commit_callbacks,
):
    _mother, without_fees = fund_with_ledger()
    with_fees = _fund_with_fees()
    with django_capture_on_commit_callbacks(execute=True):
        run = request_fund_report()
    run.refresh_from_db()
    table = next(t for t in run.report.data["tables"] if t["key"] == "sub_funds")
    columns = [code for code, _fmt in SUB_FUND_COLUMNS]
    assert table["columns"] == columns
    rows = {row[0]: dict(zip(columns, row, strict=True)) for row in table["rows"]}
    [metrics] = metrics_of([with_fees], run.report.period_end)
    fees_row, plain_row = rows[with_fees.name], rows[without_fees.name]
    assert fees_row["col.gross_irr"] == f"{metrics.gross_irr:.4f}"
    assert fees_row["col.net_irr"] == f"{metrics.net_irr:.4f}"
    assert (fees_row["col.paid_in_ratio"], fees_row["col.unfunded"], fees_row["col.fees"]) == (
        "0.7500",
        "100",
        "23",
    )
    assert fees_row["col.fees_on_idle"] == "9"  # 23 × 160 ÷ 400 = 9.2, rounded once to the won
    assert plain_row["col.gross_irr"] is None and plain_row["col.net_irr"] is None
    assert plain_row["col.irr"] is not None or plain_row["col.tvpi"] is not None
