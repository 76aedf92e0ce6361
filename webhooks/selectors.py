"""Reads of webhook endpoints, deliveries and events, scoped to the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.http import Http404

from .events import visible_subjects
from .models import Delivery, Endpoint, Event, SubjectKind
from .roles import MANAGER_ROLES

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User


def endpoints_visible_to(*, user: User) -> QuerySet[Endpoint]:
    """The endpoints of the organisations where the user manages webhooks."""
    return Endpoint.objects.filter(organization__in=user.organizations_for(*MANAGER_ROLES)).select_related(
        "organization"
    )


def endpoint_get_for(*, user: User, pk: int) -> Endpoint:
    endpoint = endpoints_visible_to(user=user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def deliveries_visible_to(*, user: User) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint__in=endpoints_visible_to(user=user)).select_related(
        "endpoint", "event"
    )


def delivery_get_for(*, user: User, pk: int) -> Delivery:
    delivery = deliveries_visible_to(user=user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery


def events_visible_to(*, user: User) -> QuerySet[Event]:
    """Events about objects the user may read, through each object's own selector (one query, subqueries)."""
    condition = Q(pk__in=[])
    for kind in SubjectKind.values:
        condition |= Q(subject_kind=kind, subject_id__in=visible_subjects(reader=user, kind=kind))
    return Event.objects.filter(condition)
