"""Where the declared money is: the mother funds' declared size reconciled from independent figures.

Three sources that nobody keeps in step: what each mother fund declared when it was set up (``Fund.declared_size``),
the sub-funds' agreements (their committed ``size``), the ledger the managers write (calls, investments, fees) and
the cash each manager reports with its NAV. So

    declared size = not allocated to sub-funds + committed to sub-funds
    committed     = not yet called + deployed + fees paid + cash reported + cash per the ledger (no report)
                    + UNEXPLAINED

where UNEXPLAINED is what is left: capital called that is neither invested, nor paid in fees, nor held as cash by the
manager's own account. It is never 0 by construction: a manager reporting less cash than the ledger implies, or a
ledger missing an investment, shows here and is flagged above the tolerance. Every amount is converted at full
precision at the dated rate (named in the report) and each line is rounded once, to the reporting currency's minor
unit; UNEXPLAINED is computed at full precision, then rounded.
"""

from decimal import Decimal

from core.money import round_money
from reporting.money import describe, rate_for

ZERO = Decimal(0)
COLUMNS = [("col.line", "text"), ("col.amount", "money"), ("col.definition", "text")]
CASH_COLUMNS = [
    ("col.sub_fund", "text"),
    ("col.currency", "text"),
    ("col.committed", "money"),
    ("col.called", "money"),
    ("col.deployed", "money"),
    ("col.fees", "money"),
    ("col.ledger_cash", "money"),
    ("col.reported_cash", "money"),
    ("col.reported_nav", "money"),
    ("col.unexplained", "money"),
    ("col.unexplained_reporting", "money"),
]


def amount_text(value, currency):
    """``value`` rounded once to ``currency``'s minor unit, as text (never '-0')."""
    return str(round_money(value, currency) + ZERO)  # Decimal('-0') + 0 is Decimal('0')


def _declared(mothers, currency, on):
    """Σ declared size of the mother funds in ``currency`` (their size where none is declared), rates, flags."""
    total, rates, flags = ZERO, [], []
    for mother in mothers:
        rate = rate_for(mother.currency, currency, on)
        if rate is not None:
            rates.append(describe(rate))
        declared = mother.declared_size
        if declared is None:
            declared = mother.size
            flags.append(
                {"subject": mother.name, "code": "flag.no_declared_size", "severity": "medium", "params": {}}
            )
        total += declared * (rate.rate if rate is not None else 1)
    return total, rates, flags


def _sums(rows):
    """The sub-funds' figures summed in the reporting currency at full precision (rows: funds.reports.sub_fund_rows)."""
    sums = dict.fromkeys(
        [
            "committed",
            "uncalled",
            "deployed",
            "fees",
            "cash_reported",
            "cash_unreported",
            "reserved",
            "idle",
            "nav",
        ],
        ZERO,
    )
    for row in rows:
        m, factor = row["metrics"], row["factor"]
        sums["committed"] += m.committed * factor
        sums["uncalled"] += (m.committed - m.called) * factor
        sums["deployed"] += m.deployed * factor
        sums["fees"] += m.fees * factor
        if m.reported_cash is None:
            sums["cash_unreported"] += m.ledger_cash * factor
        else:
            sums["cash_reported"] += m.reported_cash * factor
        sums["reserved"] += m.reserved * factor
        sums["idle"] += m.idle * factor
        sums["nav"] += (m.nav or ZERO) * factor
    return sums


def _cash_by_sub_fund(rows, currency):
    """Per sub-fund, in its own currency: what the ledger implies against what the manager reports."""
    table_rows = []
    for row in rows:
        m, own = row["metrics"], row["fund"].currency

        def money(value, in_currency=own):
            return None if value is None else amount_text(value, in_currency)

        table_rows.append(
            [
                row["fund"].name,
                own,
                money(m.committed),
                money(m.called),
                money(m.deployed),
                money(m.fees),
                money(m.ledger_cash),
                money(m.reported_cash),
                money(m.nav),
                money(m.unreconciled),
                None if m.unreconciled is None else money(m.unreconciled * row["factor"], currency),
            ]
        )
    return {
        "key": "cash_by_sub_fund",
        "title": "table.cash_by_sub_fund",
        "columns": [
            {"code": code, "params": {"currency": currency}} if code == "col.unexplained_reporting" else code
            for code, _f in CASH_COLUMNS
        ],
        "formats": [f for _c, f in CASH_COLUMNS],
        "rows": table_rows,
    }


def _lines(declared, s):
    """(code, amount) of every line, in order: the declared size, down through the sub-funds to what is unexplained,
    then the memo lines."""
    explained = s["uncalled"] + s["deployed"] + s["fees"] + s["cash_reported"] + s["cash_unreported"]
    return [
        ("declared_size", declared),
        ("not_allocated", declared - s["committed"]),
        ("committed_to_sub_funds", s["committed"]),
        ("uncalled", s["uncalled"]),
        ("deployed", s["deployed"]),
        ("fees", s["fees"]),
        ("cash_reported", s["cash_reported"]),
        ("cash_unreported", s["cash_unreported"]),
        ("unexplained", s["committed"] - explained),
        ("memo_reserved", s["reserved"]),
        ("memo_idle", s["idle"]),
        ("memo_nav", s["nav"]),
    ]


def _gap_flags(mothers, unexplained, not_allocated, currency, tolerance):
    """An unexplained amount above the tolerance, and sub-funds committed beyond the declared size."""
    subject = ", ".join(m.name for m in mothers) or "—"
    flags = []
    if abs(unexplained) > tolerance:
        params = {
            "amount": amount_text(unexplained, currency),
            "tolerance": str(tolerance),
            "currency": currency,
        }
        flags.append({"subject": subject, "code": "flag.unexplained", "severity": "high", "params": params})
    if not_allocated < 0:
        params = {"amount": amount_text(-not_allocated, currency), "currency": currency}
        flags.append(
            {"subject": subject, "code": "flag.over_allocated", "severity": "high", "params": params}
        )
    return flags


def _table(rendered, currency, tolerance):
    tolerance_params = {"tolerance": str(tolerance), "currency": currency}

    def definition(line):
        if line["definition"] == "def.unexplained":
            return {"code": line["definition"], "params": tolerance_params}
        return line["definition"]

    return {
        "key": "reconciliation",
        "title": {"code": "table.reconciliation", "params": {"currency": currency}},
        "columns": [code for code, _f in COLUMNS],
        "formats": [f for _c, f in COLUMNS],
        "rows": [[line["code"], line["amount"], definition(line)] for line in rendered],
    }


def reconciliation(*, mothers, rows, currency, on, tolerance):
    """The reconciliation of ``mothers``' declared size through their sub-funds ``rows``, in ``currency`` at the
    rates of ``on``: {"lines", "table", "by_sub_fund", "flags", "rates", "unexplained"}."""
    declared, rates, flags = _declared(mothers, currency, on)
    lines = dict(_lines(declared, _sums(rows)))
    unexplained, not_allocated = lines["unexplained"], lines["not_allocated"]
    rendered = [
        {"code": f"rec.{code}", "amount": amount_text(amount, currency), "definition": f"def.{code}"}
        for code, amount in lines.items()
    ]
    flags += _gap_flags(mothers, unexplained, not_allocated, currency, tolerance)
    return {
        "lines": rendered,
        "table": _table(rendered, currency, tolerance),
        "by_sub_fund": _cash_by_sub_fund(rows, currency),
        "flags": flags,
        "rates": rates,
        "unexplained": round_money(unexplained, currency),
    }
