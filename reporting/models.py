"""The one report machinery: dated exchange rates, report runs (recorded before queueing) and immutable reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExchangeRate(models.Model):
    """1 ``currency`` = ``rate`` ``quote_currency`` on ``as_of``: the one table of rates every report, export and
    conversion reads (the latest rate on or before the day, see reporting.money). Entered through
    reporting.rates.exchange_rate_record, never edited: a wrong rate is deleted and entered again."""

    currency = models.CharField(_("currency"), max_length=3)
    quote_currency = models.CharField(_("in"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=24, decimal_places=10)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)

    class Meta:
        ordering = ["currency", "quote_currency", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "quote_currency", "as_of"], name="rate_unique_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.currency} = {self.rate} {self.quote_currency} ({self.as_of})"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportRun(models.Model):
    """A request for a report, written before the task is queued so that nothing is lost with the queue."""

    kind = models.CharField(max_length=40)
    scope = models.CharField(max_length=60, help_text=_("'all' or e.g. 'fund:12'"))
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    report = models.ForeignKey(
        "Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.scope} {self.period_end}: {self.status}"


class Report(models.Model):
    """An immutable snapshot of figures for one scope and period. One per (kind, scope, period_start, period_end):
    the monthly report of March and the quarterly report of the first quarter end on the same day and both exist."""

    kind = models.CharField(max_length=40)
    scope = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    generated_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-period_end", "kind", "scope"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope", "period_start", "period_end"], name="one_report_per_scope_and_period"
            ),
        ]

    def __str__(self):
        return self.title


class ReportFile(models.Model):
    """A report's PDF or XLSX in one language, rendered once by the worker that made the snapshot: a download reads
    this file instead of rendering (seconds and hundreds of MB for a large report) in a web process."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    fmt = models.CharField(max_length=5)
    language = models.CharField(max_length=10)
    file = models.FileField(upload_to="reports/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "fmt", "language"], name="one_file_per_report_format_language"
            )
        ]

    def __str__(self):
        return f"{self.report} ({self.fmt}, {self.language})"

    def read(self):
        with self.file.open("rb") as handle:
            return handle.read()
