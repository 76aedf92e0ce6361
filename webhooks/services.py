"""Webhook changes: events derived from the audit log, endpoints, and deliveries (attempt, retry, replay).

An event is recorded in the database, with one pending delivery per subscribed endpoint whose organisation may read
the event's object, before any message is queued: the queue only carries the nudge (a lost nudge is re-queued by
``deliveries_sweep``, and an event whose on-commit signal was lost with its process is derived by
``events_catch_up``). An attempt is claimed with a conditional UPDATE on its number, so a duplicated message never
sends twice; the HTTP call happens outside any transaction.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import Conflict, InvalidInput, PermissionRefused

from . import events, signing, targets
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, Event, EventType
from .roles import MANAGER_ROLES

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 6 * 3600
LOST_AFTER = timedelta(minutes=5)
CATCH_UP_AFTER = timedelta(minutes=1)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: 30 s, 60 s, 120 s … at most 6 hours."""
    return min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)


def _queue(delivery, attempt, countdown=0):
    from .tasks import deliver

    transaction.on_commit(lambda: deliver.apply_async((delivery.pk, attempt), countdown=countdown))


# --- events ------------------------------------------------------------------------------------------------


def events_from_audit_signal(sender: type, event: AuditEvent, **kwargs: object) -> None:
    """Receiver of ``audit.services.audit_recorded`` (sent on commit). Never breaks the caller's request."""
    try:
        event_record_from_audit(audit_event=event)
    except Exception:  # the audit event is committed; deliveries_sweep's catch-up derives it later
        log.exception("webhook event for audit event %s not recorded", event.pk)


def events_from_audit_many_signal(sender: type, events: list[AuditEvent], **kwargs: object) -> None:
    """Receiver of ``audit.services.audit_recorded_many`` (sent on commit). Never breaks the caller."""
    try:
        events_record_from_audits(audit_events=events)
    except Exception:  # committed audit events; deliveries_sweep's catch-up derives them later
        log.exception("webhook events for %s audit events not recorded", len(events))


def events_record_from_audits(*, audit_events: list[AuditEvent]) -> list[Event]:
    """The events of many audit events (a nightly job's) and their pending deliveries, as
    ``event_record_from_audit`` derives each, in a number of queries that does not grow with the events: those
    derived already are skipped; when the catch-up derives some meanwhile, each is derived alone instead."""
    offered = [
        (a, t, events.subject_of(a)) for a in audit_events if (t := events.event_type_for(a)) is not None
    ]
    offered = [(audit_event, kind, subject) for audit_event, kind, subject in offered if subject is not None]
    if not offered:
        return []
    try:
        with transaction.atomic():
            return _events_insert(offered)
    except IntegrityError:
        return [e for a, _t, _s in offered if (e := event_record_from_audit(audit_event=a)) is not None]


def _events_insert(offered):
    done = set(
        Event.objects.filter(audit_event__in=[a.pk for a, _t, _s in offered]).values_list(
            "audit_event", flat=True
        )
    )
    fresh = [
        Event(
            audit_event=a, type=t, occurred_at=a.occurred_at, subject_kind=s[0], subject_id=s[1], payload={}
        )
        for a, t, s in offered
        if a.pk not in done
    ]
    created = Event.objects.bulk_create(fresh, batch_size=1000)
    for event in created:
        event.payload = events.payload_for(
            event_id=event.pk,
            event_type=event.type,
            audit_event=event.audit_event,
            kind=event.subject_kind,
            subject_id=event.subject_id,
        )
    Event.objects.bulk_update(created, ["payload"], batch_size=1000)
    _deliveries_insert(created)
    return created


def _deliveries_insert(created):
    """One pending delivery per event and subscribed endpoint whose organisation may read the event's object."""
    wanted = []
    for endpoint in Endpoint.objects.filter(active=True).select_related("organization"):
        chosen = [event for event in created if event.type in endpoint.event_types]
        for kind in {event.subject_kind for event in chosen}:
            ids = [event.subject_id for event in chosen if event.subject_kind == kind]
            readable = events.organization_readable(
                organization=endpoint.organization, kind=kind, subject_ids=ids
            )
            wanted += [(endpoint, e) for e in chosen if e.subject_kind == kind and e.subject_id in readable]
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(endpoint=endpoint, event=event, next_attempt_at=now) for endpoint, event in wanted],
        batch_size=1000,
    )
    for delivery in deliveries:
        _queue(delivery, 1)


@transaction.atomic
def event_record_from_audit(*, audit_event: AuditEvent) -> Event | None:
    """Derive the event of one audit event (once: the audit event is unique) and its pending deliveries."""
    event_type = events.event_type_for(audit_event)
    subject = events.subject_of(audit_event) if event_type is not None else None
    if subject is None:  # most audit events: nothing a client subscribes to, decided without a query
        return None
    kind, subject_id = subject
    try:
        with transaction.atomic():
            event = Event.objects.create(
                audit_event=audit_event,
                type=event_type,
                occurred_at=audit_event.occurred_at,
                subject_kind=kind,
                subject_id=subject_id,
                payload={},
            )
    except IntegrityError:  # derived already (the sweep and the signal both saw it)
        return Event.objects.get(audit_event=audit_event)
    event.payload = events.payload_for(
        event_id=event.pk, event_type=event_type, audit_event=audit_event, kind=kind, subject_id=subject_id
    )
    event.save(update_fields=["payload"])
    _deliveries_insert([event])
    return event


# --- endpoints -----------------------------------------------------------------------------------------------


def _organization_of(actor):
    organizations = actor.organizations_for(*MANAGER_ROLES)
    if not organizations:
        raise PermissionRefused(_("Your role does not manage webhook endpoints."))
    return organizations[0]


def _manager_check(endpoint, actor):
    if endpoint.organization not in actor.organizations_for(*MANAGER_ROLES):
        raise PermissionRefused(_("This endpoint belongs to another organisation."))


def _clean_event_types(event_types):
    chosen = list(dict.fromkeys(event_types or []))
    unknown = [t for t in chosen if t not in EventType.values]
    if unknown or not chosen:
        raise InvalidInput(
            _("Choose one or more of the known event types."),
            code="unknown_event_type",
            details={"event_types": unknown or [_("at least one")], "known": list(EventType.values)},
        )
    return chosen


@transaction.atomic
def endpoint_create(*, actor: User, url: str, event_types: list, description: str = "") -> Endpoint:
    """Register an endpoint for the actor's organisation with a new secret; writes ``webhook.endpoint_created``."""
    organization = _organization_of(actor)
    endpoint = Endpoint.objects.create(
        organization=organization,
        url=targets.check_url(url),
        event_types=_clean_event_types(event_types),
        description=description,
        secret=signing.new_secret(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="webhook.endpoint_created",
        target=endpoint,
        organization=organization,
        details={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    actor: User,
    url: str | None = None,
    event_types: list | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> Endpoint:
    """Change an endpoint's URL, event types, description or active flag; writes ``webhook.endpoint_updated``."""
    _manager_check(endpoint, actor)
    locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    changed = {}
    if url is not None:
        changed["url"] = targets.check_url(url)
    if event_types is not None:
        changed["event_types"] = _clean_event_types(event_types)
    if active is not None:
        changed["active"] = bool(active)
    if description is not None:
        changed["description"] = description
    for name, value in changed.items():
        setattr(locked, name, value)
    if changed:
        locked.save(update_fields=list(changed))
        audit_record(actor=actor, action="webhook.endpoint_updated", target=locked, details=changed)
    return locked


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, actor: User) -> Endpoint:
    """A new signing secret (the old one stops at once); writes ``webhook.secret_rotated``."""
    _manager_check(endpoint, actor)
    locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.secret = signing.new_secret()
    locked.save(update_fields=["secret"])
    audit_record(actor=actor, action="webhook.secret_rotated", target=locked)
    return locked


# --- deliveries ----------------------------------------------------------------------------------------------


def delivery_body(delivery: Delivery) -> bytes:
    return json.dumps(delivery.event.payload, separators=(",", ":"), sort_keys=True).encode()


def delivery_attempt(*, delivery_id: int, attempt: int) -> int | None:
    """Make attempt number ``attempt`` of a pending delivery; log it. Returns the seconds until the next attempt
    when one is due, else None. A message for an attempt that is not the next one (a duplicate) does nothing."""
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempts=attempt - 1
    ).update(attempts=attempt)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "IPFin-Webhooks/1",
        "IPFin-Event": delivery.event.type,
        "IPFin-Delivery": str(delivery.pk),
        **signing.signed_headers(secret=endpoint.secret, body=body),
    }
    started = time.monotonic()
    status, error = targets.post(endpoint.url, body=body, headers=headers)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    return _record_attempt(delivery, attempt, status, error, elapsed_ms, active=endpoint.active)


@transaction.atomic
def _record_attempt(delivery, attempt, status, error, elapsed_ms, *, active):
    DeliveryAttempt.objects.create(
        delivery=delivery, number=attempt, response_status=status, response_ms=elapsed_ms, error=error[:300]
    )
    fields = {"response_status": status, "response_ms": elapsed_ms, "error": error[:300]}
    succeeded = status is not None and 200 <= status < 300
    delay = None
    if succeeded:
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None)
    elif attempt >= MAX_ATTEMPTS or not active:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        delay = retry_delay(attempt)
        fields["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    return delay


@transaction.atomic
def delivery_replay(*, delivery: Delivery, actor: User) -> Delivery:
    """Send a logged delivery's event again to its endpoint, as a new delivery; writes ``webhook.replayed``."""
    _manager_check(delivery.endpoint, actor)
    if not delivery.endpoint.active:
        raise Conflict(_("The endpoint is not active."), code="endpoint_inactive")
    replay = Delivery.objects.create(
        endpoint=delivery.endpoint,
        event=delivery.event,
        replay_of=delivery,
        requested_by=actor,
        next_attempt_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="webhook.replayed",
        target=delivery.endpoint,
        details={"delivery": delivery.pk, "replay": replay.pk, "event": delivery.event_id},
    )
    _queue(replay, 1)
    return replay


def events_catch_up(*, now: datetime | None = None, window: timedelta = timedelta(days=1)) -> int:
    """Derive the events the on-commit signal missed (a process that died right after its commit). Looks at the
    last ``window`` of the audit log, leaving the last minute to the signal. Returns how many were derived."""
    now = now or timezone.now()
    subscribable = Q(action__in=list(events.ACTIONS)) | Q(
        action__startswith="facility.", new_state="delinquent"
    )
    missed = (
        AuditEvent.objects.filter(
            subscribable, occurred_at__gte=now - window, occurred_at__lt=now - CATCH_UP_AFTER
        )
        .exclude(pk__in=Event.objects.values("audit_event_id"))
        .select_related("target_type")
        .order_by("pk")
    )
    return sum(1 for audit_event in missed if event_record_from_audit(audit_event=audit_event) is not None)


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Re-queue pending deliveries whose nudge was lost (due more than LOST_AFTER ago). Returns how many."""
    now = now or timezone.now()
    events_catch_up(now=now)
    lost = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - LOST_AFTER)
    count = 0
    for delivery in lost.only("pk", "attempts"):
        _queue(delivery, delivery.attempts + 1)
        count += 1
    return count
