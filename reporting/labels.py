"""Words of a stored report, chosen when it is read: a snapshot keeps codes with their figures, never sentences.

A report is made once, in a worker with no reader, and read in English and Korean for years. So the snapshot stores
``{"code": "flag.behind_pace", "params": {...}}`` (or a bare code for a column or a title) and ``text`` turns it into
words in the language active when the page, the PDF or the spreadsheet is rendered. Amount parameters are formatted
with their currency (``params["currency"]``), exactly, in that currency's minor unit. A string that is not a known
code is shown as it is: older snapshots and other report kinds keep working.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from core.money import currency_places

MONEY_PARAMS = {"amount", "deployed", "expected", "gap", "declared", "committed"}

LABELS = {
    # report titles
    "title.fund_utilisation.all": _("Fund utilisation — all funds — %(period_end)s"),
    "title.fund_utilisation.fund": _("Fund utilisation — %(fund)s — %(period_end)s"),
    # tables
    "table.sub_funds": _("Sub-funds (%(currency)s)"),
    "table.by_mother": _("By mother fund (%(currency)s)"),
    "table.by_category": _("By category (%(currency)s)"),
    "table.by_manager": _("By manager (%(currency)s)"),
    "table.exclusions": _("Deals excluded, by rule"),
    "table.reconciliation": _("Reconciliation of the declared size (%(currency)s)"),
    "table.cash_by_sub_fund": _("Cash: manager reports against the ledger, by sub-fund"),
    # columns
    "col.sub_fund": _("Sub-fund"),
    "col.mother_fund": _("Mother fund"),
    "col.category": _("Category"),
    "col.manager": _("Manager"),
    "col.currency": _("Currency"),
    "col.committed": _("Committed"),
    "col.called": _("Called"),
    "col.reserved": _("Reserved"),
    "col.deployed": _("Deployed"),
    "col.idle": _("Idle"),
    "col.fees": _("Management fees paid"),
    "col.deployment_rate": _("Deployment rate"),
    "col.expected": _("Expected (pace)"),
    "col.pace_gap": _("Gap to pace"),
    "col.months_since": _("Months since last investment"),
    "col.fees_on_idle": _("Fees on idle capital"),
    "col.dpi": _("DPI"),
    "col.rvpi": _("RVPI"),
    "col.tvpi": _("TVPI"),
    "col.irr": _("IRR"),
    "col.gross_irr": _("Gross IRR (before fees)"),
    "col.net_irr": _("Net IRR (after fees)"),
    "col.unreconciled": _("Unreconciled cash"),
    "col.licence": _("Licence"),
    "col.paid_in_ratio": _("Paid-in ratio"),
    "col.unfunded": _("Unfunded commitment"),
    "col.group": _("Group"),
    "col.rule": _("Rule"),
    "col.deals_excluded": _("Deals excluded"),
    "col.line": _("Line"),
    "col.amount": _("Amount"),
    "col.definition": _("Definition"),
    "col.ledger_cash": _("Cash per the ledger"),
    "col.reported_cash": _("Cash reported by the manager"),
    "col.reported_nav": _("NAV reported by the manager"),
    "col.unexplained": _("Unexplained"),
    "col.unexplained_reporting": _("Unexplained (%(currency)s)"),
    # reconciliation lines and their definitions
    "rec.declared_size": _("Declared size of the mother fund(s)"),
    "rec.committed_to_sub_funds": _("Committed to sub-funds"),
    "rec.not_allocated": _("Not allocated to sub-funds"),
    "rec.uncalled": _("Commitments not yet called"),
    "rec.deployed": _("Deployed (paid into investments)"),
    "rec.fees": _("Management fees paid"),
    "rec.cash_reported": _("Cash the managers report holding"),
    "rec.cash_unreported": _("Cash per the ledger, no manager report"),
    "rec.unexplained": _("UNEXPLAINED"),
    "rec.memo_reserved": _("Memo: reserved (approved, not yet paid)"),
    "rec.memo_idle": _("Memo: idle (committed − deployed − reserved)"),
    "rec.memo_nav": _("Memo: NAV reported by the managers"),
    "def.declared_size": _(
        "The size each mother fund declared when it was set up (its committed size where none is recorded)."
    ),
    "def.committed_to_sub_funds": _("Σ the sub-funds' committed sizes, converted at the dated rates below."),
    "def.not_allocated": _("Declared size − committed to sub-funds."),
    "def.uncalled": _("Σ (committed − capital called), from the ledger."),
    "def.deployed": _("Σ investments paid, from the ledger."),
    "def.fees": _("Σ management fees paid, from the ledger."),
    "def.cash_reported": _("Σ cash held, as each manager reported it with its latest NAV."),
    "def.cash_unreported": _("Σ (called − deployed − fees) of the sub-funds whose manager reported no cash."),
    "def.unexplained": _(
        "Committed to sub-funds − every line above it: called capital that is neither invested, nor fees, nor cash "
        "a manager reports. Flagged above the tolerance of %(tolerance)s."
    ),
    "def.memo_reserved": _(
        "Σ investments approved by the committees and not yet paid (part of the cash or uncalled)."
    ),
    "def.memo_idle": _("Σ (committed − deployed − reserved): capital not at work."),
    "def.memo_nav": _("Σ the latest NAV each manager reported (not part of the sum)."),
    # headline
    "head.declared_size": _("Declared size"),
    "head.committed": _("Committed to sub-funds"),
    "head.deployed": _("Deployed"),
    "head.reserved": _("Reserved (approved, not yet paid)"),
    "head.idle": _("Idle"),
    "head.not_allocated": _("Not allocated to sub-funds"),
    "head.unexplained": _("UNEXPLAINED"),
    "head.vc_comparison": _("Undeployed share vs ordinary VC"),
    "head.vc_comparison.value": _("%(share)s against about %(vc)s"),
    "head.change": _("Change since %(date)s"),
    "head.change.value": _("deployed %(deployed)s, reserved %(reserved)s, idle %(idle)s"),
    # flags
    "flag.behind_pace": _("deployed %(deployed)s against %(expected)s expected on a straight line (%(gap)s)"),
    "flag.no_investment": _("no investment for %(months)s months"),
    "flag.never_invested": _("no investment ever"),
    "flag.licence_returned": _("licence returned"),
    "flag.licence_revoked": _("licence revoked"),
    "flag.loss": _("TVPI %(tvpi)s below %(threshold)s"),
    "flag.unreconciled": _("%(amount)s of cash not explained by the ledger"),
    "flag.unexplained": _("%(amount)s of the declared size is UNEXPLAINED (tolerance %(tolerance)s)"),
    "flag.over_allocated": _("sub-funds are committed %(amount)s more than the declared size"),
    "flag.no_declared_size": _("no declared size recorded: its committed size is used"),
    # charts
    "chart.pace": _("Deployed against the straight-line pace (%(currency)s)"),
    "chart.idle_by_sub_fund": _("Idle capital by sub-fund (%(currency)s)"),
    "chart.idle_by_category": _("Idle capital by category (%(currency)s)"),
    "chart.tvpi_by_category": _("TVPI by category"),
    "chart.exclusions": _("Deals excluded, by rule"),
    "series.deployed": _("Deployed"),
    "series.expected": _("Expected"),
    "series.idle": _("Idle"),
    "series.tvpi": _("TVPI"),
    "series.deals": _("Deals"),
    # notes
    "note.definitions": _(
        "Idle = committed − deployed − reserved. Expected deployment assumes a straight line over the investment "
        "period. Unreconciled cash compares the ledger (called − deployed − fees) with the cash the manager reports."
    ),
    "note.rounding": _(
        "Amounts are converted at full precision at the dated rates named below and rounded once, to the "
        "reporting currency's minor unit; a line may differ from a sum of rounded lines by less than one unit."
    ),
    # the program dashboard (its words are their own codes; amounts' titles carry the currency)
    "dash.disbursed_this_year": _("Disbursed this year (%(currency)s)"),
    "dash.loan_sizes": _("Loan sizes approved (%(currency)s)"),
    "dash.volume": _("Volume per month (%(currency)s)"),
    "dash.cost": _("Cost to the public (%(currency)s)"),
    "dash.cumulative_against_target": _("Cumulative disbursed against the annual target (%(currency)s)"),
    "dash.market_table": _("%(market)s: cumulative volume (%(currency)s)"),
    "dash.market_chart": _("%(market)s: cumulative volume, projection and target (%(currency)s)"),
    **{
        words: words_lazy
        for words, words_lazy in (
            ("Applications submitted", _("Applications submitted")),
            ("Approved", _("Approved")),
            ("Median days to decision (90th percentile)", _("Median days to decision (90th percentile)")),
            ("Decided within the service level", _("Decided within the service level")),
            ("Projected for the year at this pace", _("Projected for the year at this pace")),
            (
                "Companies financed (share with low credit grades)",
                _("Companies financed (share with low credit grades)"),
            ),
            ("Lending mobilised per unit of public money", _("Lending mobilised per unit of public money")),
            ("Pipeline", _("Pipeline")),
            ("Rejections by reason code", _("Rejections by reason code")),
            ("Speed (days)", _("Speed (days)")),
            ("Days per stage against the service level", _("Days per stage against the service level")),
            ("Reach", _("Reach")),
            ("Default and recovery", _("Default and recovery")),
            ("Stage", _("Stage")),
            ("Cases", _("Cases")),
            ("Conversion from the stage before", _("Conversion from the stage before")),
            ("Reason", _("Reason")),
            ("Measure", _("Measure")),
            ("Median", _("Median")),
            ("90th percentile", _("90th percentile")),
            ("Service level (days)", _("Service level (days)")),
            ("Share within", _("Share within")),
            ("Size", _("Size")),
            ("Loans", _("Loans")),
            ("Month", _("Month")),
            ("Disbursed", _("Disbursed")),
            ("Cumulative disbursed", _("Cumulative disbursed")),
            ("Group", _("Group")),
            ("Companies financed", _("Companies financed")),
            ("Item", _("Item")),
            ("Amount", _("Amount")),
            ("Facilities", _("Facilities")),
            ("Defaulted", _("Defaulted")),
            ("Default rate", _("Default rate")),
            ("Recovery rate", _("Recovery rate")),
            ("Projection", _("Projection")),
            ("Target", _("Target")),
            ("Cumulative", _("Cumulative")),
            ("year end", _("year end")),
            ("Up to", _("Up to")),
            ("Cumulative volume", _("Cumulative volume")),
            ("Note", _("Note")),
            ("submission → decision", _("submission → decision")),
            ("submission → disbursement", _("submission → disbursement")),
            ("valuation order → report", _("valuation order → report")),
            ("valuation subsidies", _("valuation subsidies")),
            ("interest subsidies", _("interest subsidies")),
            ("guarantee claims paid", _("guarantee claims paid")),
            ("recovered by the agency", _("recovered by the agency")),
            ("net public money", _("net public money")),
            ("lending mobilised", _("lending mobilised")),
        )
    },
    # the program dashboard's words (codes with parameters)
    "title.program_dashboard.all": _("Program dashboard — all programs — %(start)s to %(end)s"),
    "title.program_dashboard": _("Program dashboard — %(scope)s — %(start)s to %(end)s"),
    "note.program_dashboard": _(
        "Funnel stages count cases that entered the stage (each transition records the case's stays in its stages "
        "beside the audit log). Amounts converted at the rates named below; the projection extends the year's "
        "disbursements to date on a straight line. National targets are set on the whole market's cumulative "
        "volume (published statistics): its projection extends the pace of the latest year of statistics to the "
        "target date."
    ),
    "dash.pace.on_track": _("%(projected)s against a target of %(target)s — on track"),
    "dash.pace.short": _("%(projected)s against a target of %(target)s — short"),
    "Annual target": _("Annual target"),
    "flag.annual_target": _("at the current pace %(projected)s of %(target)s (%(share)s)"),
    "flag.market_target": _(
        "at the pace of the latest year %(projected)s by %(due)s, %(share)s of the %(target)s targeted"
    ),
    "market.pace": _("projected at %(pace)s a year (the pace of the latest year)"),
    "market.target": _("target"),
    "reach.size": _("size %(value)s"),
    "reach.sector": _("sector %(value)s"),
    "reach.region": _("region %(value)s"),
    "quality.grade": _("grade %(value)s"),
    "quality.not_graded": _("grade: not graded"),
    "quality.vintage": _("vintage %(value)s"),
    # funnel stages (dashboards.facts.FUNNEL) and the case statuses of the stage table: bare codes
    "drafts": _("Drafts"),
    "submitted": _("Submitted"),
    "screened": _("Screened"),
    "valued": _("Valued"),
    "recommended": _("Recommended"),
    "approved": _("Approved"),
    "disbursed": _("Disbursement"),
    "screening": _("Screening"),
    "valuation": _("Valuation"),
    "credit_review": _("Credit review"),
    "info_requested": _("Information requested"),
    # fund investment rules (funds.services): bare codes
    "min_overseas_revenue_share": _("Minimum share of overseas revenue"),
    "min_main_purpose_share": _("Minimum share in the main purpose"),
    # the portfolio
    "Portfolio of facilities": _("Portfolio of facilities"),
    "Facilities disbursed": _("Facilities disbursed"),
    "Claim rate (claims ÷ defaulted guaranteed)": _("Claim rate (claims ÷ defaulted guaranteed)"),
    "Claims paid": _("Claims paid"),
    "Recovered from disposals": _("Recovered from disposals"),
    "Recovery rate (closed disposals)": _("Recovery rate (closed disposals)"),
    "Average days from default to disposal": _("Average days from default to disposal"),
    "Share of borrowers with low credit grades": _("Share of borrowers with low credit grades"),
    "Guarantee leverage (guarantees outstanding ÷ the agency's guarantee fund)": _(
        "Guarantee leverage (guarantees outstanding ÷ the agency's guarantee fund)"
    ),
    "port.leverage.value": _("%(ratio)s (%(amount)s guaranteed)"),
    "not measured: set AGENCY_GUARANTEE_FUND": _("not measured: set AGENCY_GUARANTEE_FUND"),
    "Amounts are in each program's own currency; cross-currency totals are not added up here.": _(
        "Amounts are in each program's own currency; cross-currency totals are not added up here."
    ),
    "Outstanding by program and currency": _("Outstanding by program and currency"),
    "Delinquency by bucket": _("Delinquency by bucket"),
    "Default rate by valuation grade": _("Default rate by valuation grade"),
    "Facilities by days-past-due bucket": _("Facilities by days-past-due bucket"),
    "Program": _("Program"),
    "Currency": _("Currency"),
    "Outstanding principal": _("Outstanding principal"),
    "Bucket": _("Bucket"),
    "Grade": _("Grade"),
    "not graded": _("not graded"),
    "bucket.current": _("current"),
    "licence.active": _("Active"),
    "licence.returned": _("Returned"),
    "licence.revoked": _("Revoked"),
}


def money(amount, currency):
    """``amount`` in ``currency``, exactly, to its minor unit: 'KRW 1,234', 'USD 12.50'."""
    if amount is None or amount == "":
        return "—"
    return f"{currency} {Decimal(amount):,.{currency_places(currency)}f}"


def _param(key, value, params):
    if key in MONEY_PARAMS and params.get("currency"):
        return money(value, params["currency"])
    if key == "tolerance" and params.get("currency"):
        return money(value, params["currency"])
    if value is None:
        return "—"
    return str(value)


def text(item):
    """The words of a snapshot item (a code, ``{"code", "params"}`` or plain text) in the active language."""
    if isinstance(item, dict) and "code" in item:
        template = LABELS.get(item["code"])
        params = item.get("params") or {}
        if template is None:  # a snapshot made before codes: its English words
            return item.get("message") or item.get("text") or item["code"]
        return (
            str(template) % {key: _param(key, value, params) for key, value in params.items()}
            if params
            else str(template)
        )
    if isinstance(item, str) and item in LABELS:
        return str(LABELS[item])
    return "" if item is None else str(item)


def percent(ratio):
    """A ratio as a percentage to two places, never rounded to a whole limit: '0.1999' -> '19.99%'."""
    return "—" if ratio in (None, "") else f"{Decimal(ratio) * 100:.2f}%"


def cell(value, fmt):
    """A table cell as a reader sees it (page, PDF, CSV): thousands separators, percentages, words."""
    if value is None or value == "":
        return "—" if value is None else ""
    if fmt == "money":
        return f"{Decimal(value):,}"
    if fmt == "percent":
        return percent(value)
    return text(value)


def rendered_table(table):
    """A snapshot table in the active language: {"key", "title", "columns", "formats", "rows": [[(text, number)]]}."""
    formats = table.get("formats") or ["text"] * len(table["columns"])
    return {
        "key": table["key"],
        "title": text(table["title"]),
        "columns": [text(c) for c in table["columns"]],
        "formats": formats,
        # each cell: (text, whether it is a number, right-aligned)
        "rows": [
            [(cell(v, f), f != "text") for v, f in zip(row, formats, strict=False)] for row in table["rows"]
        ],
    }


def rendered_chart(spec):
    """A chart spec with its words in the active language (values untouched)."""
    return {
        **spec,
        "title": text(spec.get("title", "")),
        "x": [text(x) for x in spec.get("x", [])],
        "series": [{**series, "name": text(series["name"])} for series in spec["series"]],
    }
