from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .labels import event_label, state_label


class AuditEvent(models.Model):
    """One thing that happened. Append-only: the database refuses UPDATE and DELETE.

    ``target`` is the row that changed; ``case`` is the case it belongs to (an
    application, a facility, a fund...), so one query draws a case's timeline
    including what happened to its documents, orders and claims.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text=_("who, as it read at the time"))
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    # no index of its own: audit_case_idx (case_type, case_id, occurred_at) starts with it
    case_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    case_id = models.CharField(max_length=64)
    old_state = models.CharField(max_length=40, blank=True)
    new_state = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    applicant_visible = models.BooleanField(
        default=False, help_text=_("Shown on the applicant's timeline (internal events are not).")
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case_type", "case_id", "occurred_at"], name="audit_case_idx")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    @property
    def action_label(self):
        return event_label(self.action)

    @property
    def state_change_label(self):
        """The change of state in words ("Draft → Submitted"), or ''."""
        if self.old_state or self.new_state:
            return f"{state_label(self.old_state)} → {state_label(self.new_state)}"
        return ""

    @property
    def state_change(self):
        if self.old_state or self.new_state:
            return f"{self.old_state or '—'} → {self.new_state or '—'}"
        return ""
