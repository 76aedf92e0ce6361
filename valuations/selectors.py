"""Reads of valuations for the valuer portal and for other apps (credit review, queue flags)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

from accounts.roles import AGENCY_ROLES, Role

from .models import MonitoringFlag, OrderStatus, ValuationLine, ValuationOrder, ValuationReport

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User
    from applications.models import Application


def accepted_valuation_total(*, application: Application) -> Decimal | None:
    """Sum of the accepted, still-valid values of the case's IP assets (latest accepted report per asset), or None."""
    today = timezone.localdate()
    reports = (
        ValuationReport.objects.filter(
            order__application=application,
            order__status=OrderStatus.ACCEPTED_BY_AGENCY,
            valid_until__gte=today,
        )
        .order_by("-submitted_at")
        .values_list("pk", flat=True)
    )
    if not reports:
        return None
    latest = ValuationLine.objects.filter(report__in=list(reports)).order_by(
        "asset_id", "-report__submitted_at"
    )
    seen, total = set(), Decimal(0)
    for asset_id, value in latest.values_list("asset_id", "value"):
        if asset_id not in seen:
            seen.add(asset_id)
            total += value
    return total


def technology_grade_for(*, application: Application) -> str | None:
    report = (
        ValuationReport.objects.filter(
            order__application=application, order__status=OrderStatus.ACCEPTED_BY_AGENCY
        )
        .order_by("-submitted_at")
        .first()
    )
    return report.technology_grade if report else None


def valuation_flags_for(application_ids: list[int]) -> dict[int, list[str]]:
    """{application id: [messages]} in one query (for the queue)."""
    flags = defaultdict(list)
    for application_id, message in MonitoringFlag.objects.filter(
        application_id__in=application_ids
    ).values_list("application_id", "message"):
        flags[application_id].append(message)
    return dict(flags)


def orders_visible_to(*, user: User) -> QuerySet[ValuationOrder]:
    """A valuer's firm sees its orders; agency staff the orders of their programs' cases."""
    qs = ValuationOrder.objects.select_related("application__program", "application__company", "valuer")
    valuer_orgs = user.organizations_for(Role.VALUER)
    if valuer_orgs:
        return qs.filter(valuer__in=valuer_orgs)
    agencies = user.organizations_for(*AGENCY_ROLES)
    return qs.filter(application__program__agency__in=agencies) if agencies else qs.none()


def order_get_for(*, user: User, pk: int) -> ValuationOrder:
    order = orders_visible_to(user=user).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order
