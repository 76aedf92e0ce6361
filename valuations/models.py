"""Valuation orders to a panel valuer, and the reports they deliver."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from audit.actions import Action
from core.money import MONEY
from core.transitions import Move, Table
from programs.models import TECHNOLOGY_GRADES


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    ACCEPTED = "accepted", _("Accepted by the valuer")
    DECLINED = "declined", _("Declined")
    SUBMITTED = "submitted", _("Report submitted")
    RETURNED = "returned", _("Returned for revision")
    ACCEPTED_BY_AGENCY = "accepted_by_agency", _("Accepted by the agency")
    CANCELLED = "cancelled", _("Cancelled")


S = OrderStatus
VALUER = frozenset({Role.VALUER})
OFFICER = frozenset({Role.CASE_OFFICER})
# The order's lifecycle on one screen: the officer orders, the valuer firm accepts or declines and reports, the
# officer accepts the report, returns it for revision or cancels the order. Whose order it is (the addressed
# firm, the program's agency) is checked by the calling service.
TRANSITIONS = Table(
    "valuation order",
    [
        Move(S.ORDERED, "accept", S.ACCEPTED, VALUER, audit=Action.VALUATION_ACCEPT),
        Move(S.ORDERED, "decline", S.DECLINED, VALUER, audit=Action.VALUATION_DECLINE),
        *(
            Move(s, "submit", S.SUBMITTED, VALUER, audit=Action.VALUATION_SUBMIT)
            for s in (S.ACCEPTED, S.RETURNED)
        ),
        Move(
            S.SUBMITTED, "agency_accept", S.ACCEPTED_BY_AGENCY, OFFICER, audit=Action.VALUATION_AGENCY_ACCEPT
        ),
        Move(S.SUBMITTED, "return", S.RETURNED, OFFICER, audit=Action.VALUATION_RETURN),
        *(
            Move(s, "cancel", S.CANCELLED, OFFICER, audit=Action.VALUATION_CANCEL)
            for s in (S.ORDERED, S.ACCEPTED, S.SUBMITTED, S.RETURNED)
        ),
    ],
)
OPEN = frozenset({S.ORDERED, S.ACCEPTED, S.SUBMITTED, S.RETURNED})


class Method(models.TextChoices):
    INCOME = "income", _("Income (relief from royalty)")
    COST = "cost", _("Cost")
    MARKET = "market", _("Market")


class ValuationOrder(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="valuation_orders"
    )
    valuer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="valuation_orders"
    )
    assets = models.ManyToManyField("applications.IPAsset", related_name="valuation_orders")
    purpose = models.CharField(
        max_length=20, default="application", help_text=_("application or re-appraisal")
    )
    fee = models.DecimalField(**MONEY)
    subsidy = models.DecimalField(_("paid by the agency"), **MONEY)
    applicant_share = models.DecimalField(_("paid by the applicant"), **MONEY)
    budget_drawn = models.BooleanField(default=False, editable=False)
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.ORDERED, db_index=True
    )
    decline_reason = models.CharField(max_length=500, blank=True)
    return_comments = models.TextField(blank=True)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy__gte=0) & Q(applicant_share__gte=0), name="order_shares_positive"
            ),
        ]

    def __str__(self):
        return f"Valuation #{self.pk} · {self.application}"

    def allowed_actions(self):
        return [move.action for move in TRANSITIONS if move.source == self.status]


class ValuationReport(models.Model):
    order = models.ForeignKey(ValuationOrder, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField()
    currency = models.CharField(max_length=3)
    total_value = models.DecimalField(**MONEY)
    total_low = models.DecimalField(**MONEY)
    total_high = models.DecimalField(**MONEY)
    assumptions = models.TextField()
    technology_grade = models.CharField(max_length=3, choices=[(g, g) for g in TECHNOLOGY_GRADES])
    scorecard = models.JSONField(default=dict, blank=True)
    valid_until = models.DateField()
    pdf_storage_name = models.CharField(max_length=80)
    pdf_original_name = models.CharField(max_length=200)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "-version"]
        constraints = [models.UniqueConstraint(fields=["order", "version"], name="report_version_unique")]

    def __str__(self):
        return f"{self.order} v{self.version}"


class ValuationLine(models.Model):
    report = models.ForeignKey(ValuationReport, on_delete=models.CASCADE, related_name="lines")
    asset = models.ForeignKey(
        "applications.IPAsset", on_delete=models.PROTECT, related_name="valuation_lines"
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    value = models.DecimalField(**MONEY)
    value_low = models.DecimalField(**MONEY)
    value_high = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(value_low__lte=models.F("value"))
                & Q(value__lte=models.F("value_high"))
                & Q(value_low__gte=0),
                name="line_value_within_range",
            ),
        ]

    def __str__(self):
        return f"{self.asset}: {self.value}"


class MonitoringFlag(models.Model):
    """A weekly check found something: a valuation expiring soon, an IP asset lapsed or expired."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="valuation_flags"
    )
    asset = models.ForeignKey("applications.IPAsset", null=True, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    raised_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "asset", "code"], name="flag_once")]

    def __str__(self):
        return self.message


class CalculationKind(models.TextChoices):
    ROYALTY = "royalty", _("Relief from royalty")
    COST = "cost", _("Cost approach")
    SCORECARD = "scorecard", _("Scorecard")


class Calculation(models.Model):
    """A calculator's inputs and result, attached by the valuer to the order; it goes with the next report."""

    order = models.ForeignKey(ValuationOrder, on_delete=models.PROTECT, related_name="calculations")
    report = models.ForeignKey(
        ValuationReport, null=True, blank=True, on_delete=models.PROTECT, related_name="calculations"
    )
    kind = models.CharField(max_length=10, choices=CalculationKind.choices)
    inputs = models.JSONField()
    result = models.JSONField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self):
        return f"{self.order}: {self.get_kind_display()}"

    def input_rows(self):
        """[(label, value)] of the inputs, labelled as the calculator's form labels them (in the reader's language)."""
        from .calculators_web import CALCULATORS

        fields = CALCULATORS[self.kind][0]().fields
        return [(fields[key].label if key in fields else key, value) for key, value in self.inputs.items()]
