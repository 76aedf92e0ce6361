"""The one way anything writes to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from core.bulk import rows_insert
from core.middleware import current_ip

from .actions import is_registered
from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models import Model

# Sent with ``event`` once the transaction that wrote it commits (webhooks derive their events from it).
audit_recorded = Signal()
# Sent with ``events`` (a list) once the transaction that wrote them at once commits (a nightly job's thousands):
# the receivers handle them together, in a number of queries that does not grow with the events.
audit_recorded_many = Signal()


_JSON_SCALARS = (str, int, float, bool, type(None))


def _plain(value):
    """JSON-safe copy of ``details`` (Decimals, dates and money as strings)."""
    if type(value) in _JSON_SCALARS:  # the common case, first (a nightly job's thousands of details)
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _checked(action):
    """``action`` as stored; refused when it is not in ``audit.actions.Action`` and the settings ask (tests do)."""
    if getattr(settings, "AUDIT_REFUSE_UNREGISTERED_ACTIONS", False) and not is_registered(action):
        raise ValueError(f"unregistered audit action {action!r}: add one line for it to audit.actions.Action")
    return str(action)


def _system_event(*, action, target, case, old_state="", new_state="", details=None, organization=None):
    return AuditEvent(
        actor=None,
        actor_label="system",
        organization=organization,
        action=_checked(action),
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        case_type=ContentType.objects.get_for_model(case),
        case_id=str(case.pk),
        old_state=old_state or "",
        new_state=new_state or "",
        details=_plain(details or {}),
    )


def transition_recorder(
    *, target: Callable[[Model], Model] | None = None, case: Callable[[Model], Model] | None = None, **extra
) -> Callable[..., AuditEvent]:
    """The ``record`` that ``core.transitions.move()`` calls (core sits below audit): the audit event of a move,
    on ``target(obj)`` (the moved row by default) in ``case(obj)`` (the target by default), with ``extra``
    arguments of ``audit_record`` (``applicant_visible``)."""

    def record(*, obj, actor, action, old_state, new_state, details):
        return audit_record(
            actor=actor,
            action=action,
            target=target(obj) if target else obj,
            case=case(obj) if case else None,
            old_state=old_state,
            new_state=new_state,
            details=details,
            **extra,
        )

    return record


def audit_record_system_many(*, events: list[dict]) -> list[AuditEvent]:
    """Append many events made by the system (nightly jobs) in one INSERT; each dict holds
    ``action``, ``target``, ``case`` and optionally ``old_state``, ``new_state``, ``details``."""
    created = AuditEvent.objects.bulk_create([_system_event(**event) for event in events], batch_size=1000)
    if created:  # announced together: webhooks hear of delinquencies too
        transaction.on_commit(partial(audit_recorded_many.send_robust, sender=AuditEvent, events=created))
    return created


SYSTEM_ROW_FIELDS = (
    "occurred_at",
    "actor",
    "actor_label",
    "organization",
    "action",
    "target_type",
    "target_id",
    "case_type",
    "case_id",
    "old_state",
    "new_state",
    "details",
    "ip_address",
    "applicant_visible",
)


def audit_record_system_rows(
    *, target_model: type[Model], case_model: type[Model], events: list[tuple]
) -> list:
    """Append many events made by the system on rows of one model in cases of one model, in one INSERT and
    without a model instance per event (a nightly job's thousands): ``events`` are ``(action, target id, case id,
    old state, new state, details)``. The events are the ones ``audit_record_system_many`` writes, announced the
    same way once the transaction commits. Returns their ids."""
    if not events:
        return []
    target_type = ContentType.objects.get_for_model(target_model).pk
    case_type = ContentType.objects.get_for_model(case_model).pk
    now, actions = timezone.now(), {action: _checked(action) for action in {event[0] for event in events}}
    rows = [
        (now, None, "system", None, actions[action], target_type, str(target), case_type, str(case))
        + (old or "", new or "", _plain(details or {}), None, False)
        for action, target, case, old, new, details in events
    ]
    ids = rows_insert(model=AuditEvent, fields=SYSTEM_ROW_FIELDS, rows=rows)
    transaction.on_commit(partial(_announce, ids))
    return ids


def _announce(ids, chunk=10_000):
    """``audit_recorded_many`` for the events of ``ids``, read back a chunk at a time (SQLite takes at most 32,766
    parameters a statement): one signal a chunk, not one an event."""
    for start in range(0, len(ids), chunk):
        events = AuditEvent.objects.filter(pk__in=ids[start : start + chunk]).select_related("target_type")
        audit_recorded_many.send_robust(sender=AuditEvent, events=list(events.order_by("pk")))


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: Model,
    case: Model | None = None,
    old_state: str = "",
    new_state: str = "",
    details: dict | None = None,
    organization: Model | None = None,
    applicant_visible: bool = False,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event: who (``actor``, None for the system), did what, to which row, in which case.

    The organisation defaults to the actor's; the IP to the current request's.
    """
    case = case if case is not None else target
    if organization is None and actor is not None and getattr(actor, "is_authenticated", False):
        organization = actor.organization
    event = AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=(actor.email if actor is not None and actor.is_authenticated else "system"),
        organization=organization,
        action=_checked(action),
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        case_type=ContentType.objects.get_for_model(case),
        case_id=str(case.pk),
        old_state=old_state or "",
        new_state=new_state or "",
        details=_plain(details or {}),
        ip_address=ip_address or current_ip.get(),
        applicant_visible=applicant_visible,
    )
    transaction.on_commit(lambda: audit_recorded.send_robust(sender=AuditEvent, event=event))
    return event
