"""Funds of funds and their sub-funds, the cash-flow ledger, deal screening."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES, MONEY

RATIO = {"max_digits": 7, "decimal_places": 4}


class LicenceState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    RETURNED = "returned", _("Returned")
    REVOKED = "revoked", _("Revoked")


class Fund(models.Model):
    """A mother fund (``parent`` empty) or a sub-fund it anchors.

    Running totals are kept by the services with conditional UPDATEs and the
    database refuses any row where they exceed the size: a mother fund's
    commitments to sub-funds, a sub-fund's deployed + reserved capital.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sub_funds"
    )
    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="anchored_funds",
        help_text=_("The public anchor (mother funds)"),
    )
    manager = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_funds",
        help_text=_("The general partner (sub-funds)"),
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    size = models.DecimalField(
        _("size"),
        help_text=_(
            "A mother fund: the capital it may commit, which bounds its commitments to sub-funds. "
            "A sub-fund: its committed size, in its own currency."
        ),
        **MONEY,
    )
    declared_size = models.DecimalField(
        _("declared size"),
        null=True,
        blank=True,
        help_text=_(
            "The size announced when the fund was set up (mother funds), independent of the sub-funds' "
            "commitments: the utilisation report reconciles it"
        ),
        **MONEY,
    )
    public_commitment = models.DecimalField(_("public anchor commitment"), default=0, **MONEY)
    private_commitment = models.DecimalField(_("private commitments"), default=0, **MONEY)
    vintage = models.PositiveSmallIntegerField(_("vintage year"))
    investment_period_start = models.DateField()
    investment_period_end = models.DateField()
    term_years = models.PositiveSmallIntegerField(default=8)
    category = models.CharField(_("category"), max_length=60, blank=True)
    management_fee_rate = models.DecimalField(
        _("management fee rate on committed capital"), default=0, **RATIO
    )
    min_overseas_revenue_share = models.DecimalField(
        _("minimum overseas revenue of a project"), null=True, blank=True, **RATIO
    )
    min_main_purpose_share = models.DecimalField(
        _("minimum share in the main purpose"), null=True, blank=True, **RATIO
    )
    # The manager's licence today, kept by funds.services.licence_change from the dated LicenceEvent rows (the
    # ledger reads the history: an entry is checked against the licence on its own date).
    licence_state = models.CharField(
        max_length=10, choices=LicenceState.choices, default=LicenceState.ACTIVE, editable=False
    )
    licence_changed_on = models.DateField(null=True, blank=True, editable=False)
    # A sub-fund: what its commitment takes from the mother fund's room, in the mother's currency, and the dated
    # rate it was converted at (none when both are in the same currency).
    parent_commitment = models.DecimalField(
        _("commitment counted against the mother fund"), null=True, blank=True, editable=False, **MONEY
    )
    parent_rate = models.ForeignKey(
        "reporting.ExchangeRate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
        verbose_name=_("rate of the commitment"),
    )
    # Running totals (services only).
    committed_to_sub_funds = models.DecimalField(default=0, editable=False, **MONEY)
    deployed_total = models.DecimalField(default=0, editable=False, **MONEY)
    reserved_total = models.DecimalField(default=0, editable=False, **MONEY)

    class Meta:
        ordering = ["parent_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(committed_to_sub_funds__lte=F("size")), name="fund_commitments_within_size"
            ),
            models.CheckConstraint(
                condition=Q(deployed_total__gte=0)
                & Q(reserved_total__gte=0)
                & Q(deployed_total__lte=F("size") - F("reserved_total")),
                name="fund_deployments_within_commitment",
            ),
            models.CheckConstraint(
                condition=Q(investment_period_end__gt=F("investment_period_start")),
                name="fund_investment_period_order",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_sub_fund(self):
        return self.parent_id is not None

    @property
    def room_left(self):
        """A mother fund's declared size not yet committed to sub-funds (in its currency)."""
        return self.size - self.committed_to_sub_funds


class LicenceEvent(models.Model):
    """The manager's licence for a sub-fund became ``state`` on ``effective_on``. Never edited: a later change is a
    new row. Before its first row a fund's licence is active."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="licence_events")
    state = models.CharField(_("licence"), max_length=10, choices=LicenceState.choices)
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund", "-effective_on"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "effective_on"], name="licence_event_one_per_day"),
        ]

    def __str__(self):
        return f"{self.fund}: {self.get_state_display()} from {self.effective_on}"


class FlowKind(models.TextChoices):
    CALL = "call", _("Capital called")
    RESERVE = "reserve", _("Investment approved (reserved)")
    DEPLOY = "deploy", _("Investment paid (deployed)")
    FEE = "fee", _("Management fee")
    DISTRIBUTION = "distribution", _("Distribution")
    NAV = "nav", _("Reported NAV")


class Validation(models.TextChoices):
    PENDING = "pending", _("Awaiting validation")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")


class CashFlow(models.Model):
    """One dated ledger entry. Never edited: a correction is a new entry pointing at the one it corrects.

    For ``reserve`` a negative amount releases a reservation (the deal was paid or dropped).
    For ``nav`` the amount is the reported NAV at the date, and ``cash`` the cash the fund reports holding.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="cash_flows")
    kind = models.CharField(max_length=15, choices=FlowKind.choices)
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    cash = models.DecimalField(null=True, blank=True, **MONEY)
    description = models.CharField(max_length=300, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    validation = models.CharField(max_length=10, choices=Validation.choices, default=Validation.PENDING)

    class Meta:
        ordering = ["fund", "date", "id"]
        indexes = [models.Index(fields=["fund", "kind", "date"], name="cashflow_fund_kind_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reserve") | Q(corrects__isnull=False) | Q(amount__gte=0),
                name="cashflow_positive_unless_correction",
            ),
        ]

    def __str__(self):
        return f"{self.fund} {self.date} {self.kind} {self.amount}"


class LedgerFigures(models.Model):
    """The ledger's sums per kind over a span of days (rejected entries do not count)."""

    called = models.DecimalField(default=0, **MONEY)
    reserved = models.DecimalField(default=0, **MONEY)
    deployed = models.DecimalField(default=0, **MONEY)
    fees = models.DecimalField(default=0, **MONEY)
    distributions = models.DecimalField(default=0, **MONEY)

    class Meta:
        abstract = True


class LedgerDay(LedgerFigures):
    """A fund's ledger summed per day, kept in step with CashFlow by funds.ledger in the transaction of each entry and
    each review. ``nav``/``cash``: the day's NAV entries summed (null: no NAV that day); ``invested``: a positive
    deployment that day (the "last investment" is the latest such day)."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="ledger_days")
    date = models.DateField()
    nav = models.DecimalField(null=True, blank=True, **MONEY)
    cash = models.DecimalField(null=True, blank=True, **MONEY)
    invested = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "date"], name="ledgerday_fund_date")]

    def __str__(self):
        return f"{self.fund} {self.date}"


class LedgerQuarter(LedgerFigures):
    """A fund's ledger days summed per calendar quarter (``quarter``: its first day), with the quarter's last
    investment day and last NAV day: a fund report reads some 20 of these per fund instead of 1,300 days."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="ledger_quarters")
    quarter = models.DateField()
    last_investment = models.DateField(null=True, blank=True)
    last_nav = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "quarter"], name="ledgerquarter_fund_quarter")]

    def __str__(self):
        return f"{self.fund} {self.quarter}"


class InvestorFlows(models.Model):
    """The investors' net flow of each day of a fund (distributions − calls, as float64) and the days (ordinal, int64),
    as packed arrays: the IRR discounts every one of them, and a report of 200 funds reads 200 rows rather than
    200,000 days. Derived from LedgerDay by funds.ledger; money figures never come from here."""

    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="investor_flows")
    days = models.BinaryField(default=b"")
    amounts = models.BinaryField(default=b"")

    def __str__(self):
        return f"{self.fund}: investors' flows"


class Deal(models.Model):
    """A deal a manager considered, checked against the fund's investment rules."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="deals")
    name = models.CharField(max_length=200)
    considered_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    overseas_revenue_share = models.DecimalField(null=True, blank=True, **RATIO)
    main_purpose_share = models.DecimalField(null=True, blank=True, **RATIO)
    eligible = models.BooleanField()
    exclusion_reasons = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-considered_on", "id"]

    def __str__(self):
        return self.name


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PLANNED = "planned", _("Remediation planned")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")


class FollowUp(models.Model):
    """The early warning on one sub-fund and one kind of flag: opened when a utilisation report first flags it, then
    worked by the fund's manager (acknowledged, a remediation plan with a due date) and by the agency (resolved or
    escalated). One per fund and flag kind while not resolved: a later report that flags it again updates it; a
    report in which the flag is gone marks it cleared (the agency then resolves it)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="follow_ups")
    flag = models.CharField(_("flag"), max_length=40)
    severity = models.CharField(max_length=10, default="high")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN, db_index=True
    )
    first_report = models.ForeignKey(
        "reporting.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_report = models.ForeignKey(
        "reporting.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_on = models.DateField(_("flagged at the period end of"))
    last_seen_on = models.DateField(_("last flagged at the period end of"))
    cleared_on = models.DateField(_("cleared at the period end of"), null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.TextField(_("remediation plan"), blank=True)
    plan_due = models.DateField(_("plan due on"), null=True, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan_due", "-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "flag"],
                condition=~Q(status="resolved"),
                name="one_open_follow_up_per_fund_and_flag",
            )
        ]

    def __str__(self):
        return f"{self.fund}: {self.flag} ({self.status})"

    def overdue_on(self, today):
        """A remediation plan past its due date and not resolved: shown as overdue to the agency and the manager."""
        return bool(
            self.plan_due
            and self.plan_due < today
            and self.status in (FollowUpStatus.PLANNED, FollowUpStatus.ESCALATED)
        )
