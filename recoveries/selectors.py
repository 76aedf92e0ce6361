"""Reads of the buyer registry and of the auctions open to a buyer, scoped to the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from accounts.roles import AGENCY_ROLES, OrganizationKind, Role

from .models import Buyer, BuyerStatus, Disposal

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User


def buyers_visible_to(*, user: User) -> QuerySet[Buyer]:
    """The registries of the agencies the user works for."""
    return Buyer.objects.filter(
        agency__in=user.organizations_for(*AGENCY_ROLES), agency__kind=OrganizationKind.AGENCY
    ).select_related("agency", "organization", "registered_by", "verified_by")


def buyer_get_for(*, user: User, pk: int) -> Buyer:
    buyer = buyers_visible_to(user=user).filter(pk=pk).first()
    if buyer is None:
        raise Http404
    return buyer


def buyer_registrations_of(*, user: User) -> QuerySet[Buyer]:
    """The verified registrations of the organisations the user belongs to (what the user may bid for)."""
    if user.has_role(Role.OFFICIAL):
        return Buyer.objects.none()
    own = [m.organization_id for m in user.active_memberships]
    return Buyer.objects.filter(organization__in=own, status=BuyerStatus.VERIFIED).select_related(
        "agency", "organization"
    )


def auctions_open_to(*, user: User) -> QuerySet[Disposal]:
    """Open disposals of the agencies that verified one of the user's organisations as a buyer, except those of
    the user's own bank or company (they may not bid there)."""
    registrations = list(buyer_registrations_of(user=user))
    if not registrations:
        return Disposal.objects.none()
    own = [m.organization_id for m in user.active_memberships]
    return (
        Disposal.objects.filter(
            status="open", facility__application__program__agency__in=[r.agency_id for r in registrations]
        )
        .exclude(facility__lender__in=own)
        .exclude(facility__application__company__organization__in=own)
        .select_related("facility__application__program__agency", "facility__application__company")
        .prefetch_related("assets")
        .order_by("bids_close_on", "pk")
    )


def auction_get_for(*, user: User, pk: int) -> Disposal:
    disposal = auctions_open_to(user=user).filter(pk=pk).first()
    if disposal is None:
        raise Http404
    return disposal
