"""State changes of the application case. Every move goes through ``application_transition``."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.errors import IllegalTransition

from .models import DECIDED_STATUSES, TRANSITIONS, Application


@transaction.atomic
def application_transition(*, application, action, actor, details=None, applicant_visible=True, fields=None):
    """Move the case along ``TRANSITIONS`` by ``action`` under a row lock.

    ``fields`` are extra attribute values saved in the same UPDATE. Writes one
    audit event ``application.<action>``. Raises ``IllegalTransition`` (409)
    when the table has no such move from the current status; nothing changes.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    target = TRANSITIONS.get((locked.status, action))
    if target is None:
        raise IllegalTransition(
            f"A case in status “{locked.get_status_display()}” cannot be moved by “{action}”.",
            details={"status": locked.status, "action": action, "allowed": locked.allowed_actions()},
        )
    old = locked.status
    locked.status = target
    update = {"status", "updated_at"}
    if target in DECIDED_STATUSES:
        locked.decided_at = timezone.now()
        update.add("decided_at")
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
        update.add(name)
    locked.save(update_fields=sorted(update))
    audit_record(
        actor=actor,
        action=f"application.{action}",
        target=locked,
        old_state=old,
        new_state=target,
        details=details,
        organization=None,
        applicant_visible=applicant_visible,
    )
    # Callers keep using the object they hold.
    application.__dict__.update({k: getattr(locked, k) for k in ["status", "decided_at", *update]})
    return locked
