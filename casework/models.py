"""The staff side of the case: assignment rules, screening, information requests, notes, credit review, decisions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MONEY

USER = settings.AUTH_USER_MODEL


class ConflictOfInterest(models.Model):
    """An officer declared a tie with a company: they are never assigned its cases."""

    officer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="conflicts_of_interest")
    company = models.ForeignKey(
        "applications.Company", on_delete=models.CASCADE, related_name="conflicts_of_interest"
    )
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["officer", "company"], name="conflict_unique")]

    def __str__(self):
        return f"{self.officer} ↔ {self.company}"


class ScreeningChecklist(models.Model):
    ITEMS = [
        ("documents_complete", _("Documents complete")),
        ("eligibility_confirmed", _("Eligibility confirmed")),
        ("identity_checked", _("Identity checked")),
    ]

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="checklist"
    )
    documents_complete = models.BooleanField(default=False)
    eligibility_confirmed = models.BooleanField(default=False)
    identity_checked = models.BooleanField(default=False)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Checklist {self.application}"

    @property
    def complete(self):
        return all(getattr(self, name) for name, _label in self.ITEMS)

    def missing(self):
        return [str(label) for name, label in self.ITEMS if not getattr(self, name)]


class InformationRequest(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="info_requests"
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    due_date = models.DateField(_("answer due by"))
    from_status = models.CharField(max_length=20)
    paused_sla_seconds = models.BigIntegerField(
        null=True, blank=True, help_text=_("Service-level time left when paused")
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # At most one open request per case.
            models.UniqueConstraint(
                fields=["application"], condition=Q(answered_at__isnull=True), name="one_open_info_request"
            ),
        ]

    def __str__(self):
        return f"RFI {self.application}: {self.question[:40]}"


class NoteKind(models.TextChoices):
    INTERNAL = "internal", _("Internal note (staff only)")
    MESSAGE = "message", _("Message to the applicant")


class CaseNote(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=NoteKind.choices)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.application}"


class RubricCriterion(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="rubric")
    name = models.CharField(_("criterion"), max_length=120)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "order", "id"]

    def __str__(self):
        return f"{self.name} ({self.weight})"


class CreditScore(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="credit_scores"
    )
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(max_length=500, blank=True)
    scored_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.score}"


class Recommendation(models.Model):
    """What the officer recommended: the amount (and the rule that bound it), the conditions."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="recommendations"
    )
    recommended_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    binding_rule = models.CharField(max_length=40)
    weighted_score = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    conditions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Recommendation {self.application}: {self.amount}"


class ValuationWaiver(models.Model):
    """An approver let the credit review start without an accepted valuation (only where the program allows it).
    The reason is shown on the case; the advance-rate limit then reads "waived", never silently nothing."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="valuation_waiver"
    )
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Valuation waived for {self.application}"


class ReasonCode(models.TextChoices):
    APPROVED_STANDARD = "A00", _("Approved on the program's terms")
    APPROVED_CONDITIONS = "A01", _("Approved with conditions")
    NOT_ELIGIBLE = "R10", _("Not eligible")
    WEAK_TECHNOLOGY = "R20", _("Technology grade too low")
    WEAK_FINANCES = "R30", _("Financial position too weak")
    INSUFFICIENT_COLLATERAL = "R40", _("IP value does not support the amount")
    INCOMPLETE = "R50", _("Information not provided")
    BUDGET = "R60", _("Program budget exhausted")
    OTHER = "R99", _("Other")


class Decision(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="decisions"
    )
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        max_length=10, choices=[("approved", _("Approved")), ("rejected", _("Rejected"))]
    )
    reason_code = models.CharField(max_length=3, choices=ReasonCode.choices)
    comment = models.TextField(blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application"], name="one_decision_per_case")]

    def __str__(self):
        return f"{self.application}: {self.outcome}"
