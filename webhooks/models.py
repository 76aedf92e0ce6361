"""Events derived from the audit log, the endpoints organisations register, and the log of every delivery."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    APPLICATION_SUBMITTED = "application.submitted", _("Application submitted")
    APPLICATION_DECIDED = "application.decided", _("Application decided")
    VALUATION_ORDERED = "valuation.ordered", _("Valuation ordered")
    VALUATION_ACCEPTED = "valuation.accepted", _("Valuation accepted by the agency")
    FACILITY_DISBURSED = "facility.disbursed", _("Facility disbursed")
    FACILITY_DELINQUENT = "facility.delinquent", _("Facility delinquent")
    FACILITY_DEFAULTED = "facility.defaulted", _("Facility defaulted")
    FACILITY_RESTRUCTURED = "facility.restructured", _("Facility restructured")
    CLAIM_FILED = "claim.filed", _("Claim filed")
    CLAIM_PAID = "claim.paid", _("Claim paid")
    CLAIM_REJECTED = "claim.rejected", _("Claim rejected")
    DISPOSAL_AWARDED = "disposal.awarded", _("Disposal awarded")
    REPORT_READY = "report.ready", _("Report ready")
    FUND_FLAGGED = "fund.flagged", _("Fund flagged")


class SubjectKind(models.TextChoices):
    """What an event is about; each kind is read through its app's selector."""

    APPLICATION = "application", _("Application")
    VALUATION_ORDER = "valuation_order", _("Valuation order")
    FACILITY = "facility", _("Facility")
    REPORT = "report", _("Report")
    FUND = "fund", _("Fund")


class Event(models.Model):
    """One thing a client may be told about, derived from exactly one audit event (unique: derived once)."""

    audit_event = models.OneToOneField("audit.AuditEvent", on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    occurred_at = models.DateTimeField()
    subject_kind = models.CharField(max_length=20, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    payload = models.JSONField(
        help_text=_("What is sent: the event without the audit event's internal details")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_kind", "subject_id"], name="webhook_event_subject")]

    def __str__(self):
        return f"{self.type} {self.subject_kind}#{self.subject_id}"


class Endpoint(models.Model):
    """A URL of one organisation that receives the event types it chose, signed with its own secret."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    secret = models.CharField(max_length=100, help_text=_("Signs every delivery (HMAC-SHA256)"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "id"]

    def __str__(self):
        return f"{self.organization}: {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (no attempt left)")


class Delivery(models.Model):
    """One event to one endpoint. Attempts are retried with backoff; a replay is a new delivery of the same event."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replays"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.event} → {self.endpoint.url} ({self.status})"


class DeliveryAttempt(models.Model):
    """The log: one row per HTTP attempt, with the answer's status and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(auto_now_add=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")
        ]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}: {self.response_status or self.error}"
