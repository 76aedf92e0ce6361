from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent


def case_timeline(*, case, applicant_view=False):
    """The events of one case, oldest first; only applicant-visible ones for applicants."""
    events = AuditEvent.objects.filter(
        case_type=ContentType.objects.get_for_model(case), case_id=str(case.pk)
    ).select_related("organization")
    if applicant_view:
        events = events.filter(applicant_visible=True)
    return events
