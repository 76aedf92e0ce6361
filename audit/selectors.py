from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet


def case_timeline(*, case: Model, applicant_view: bool = False) -> QuerySet[AuditEvent]:
    """The events of one case, oldest first; only applicant-visible ones for applicants."""
    events = AuditEvent.objects.filter(
        case_type=ContentType.objects.get_for_model(case), case_id=str(case.pk)
    ).select_related("organization")
    if applicant_view:
        events = events.filter(applicant_visible=True)
    return events
