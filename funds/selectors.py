from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.http import Http404

from accounts.roles import Role

from .models import Fund

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

READ_ALL = (Role.OFFICIAL, Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)


def fund_visible_to(*, user: User) -> QuerySet[Fund]:
    """Officials see every fund; agency staff the funds their agency anchors; managers the sub-funds they manage."""
    funds = Fund.objects.select_related("parent", "manager")
    if user.has_role(Role.OFFICIAL):
        return funds
    agencies = user.organizations_for(Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)
    managed = user.organizations_for(Role.FUND_MANAGER)
    return funds.filter(Q(agency__in=agencies) | Q(parent__agency__in=agencies) | Q(manager__in=managed))


def fund_get_for(*, user: User, pk: int) -> Fund:
    fund = fund_visible_to(user=user).filter(pk=pk).first()
    if fund is None:
        raise Http404
    return fund


def fund_writable_by(*, user: User, fund: Fund) -> bool:
    return fund.manager_id is not None and fund.manager in user.organizations_for(Role.FUND_MANAGER)


def follow_ups_visible_to(*, user):
    """The early-warning follow-ups of the funds the user may read (funds.early_warning)."""
    from .models import FollowUp

    return FollowUp.objects.select_related("fund__parent", "fund__manager").filter(
        fund__in=fund_visible_to(user=user).values("pk")
    )


def follow_up_get_for(*, user, pk):
    follow_up = follow_ups_visible_to(user=user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    return follow_up
