from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from accounts.roles import AGENCY_ROLES, Role

from .models import Facility

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

PORTFOLIO_READERS = (Role.OFFICIAL, *AGENCY_ROLES)


def facility_visible_to(*, user: User) -> QuerySet[Facility]:
    """A bank sees its own facilities; agency staff their programs'; officials all (read-only)."""
    qs = Facility.objects.select_related("application__program", "application__company", "lender")
    if user.has_role(Role.OFFICIAL):
        return qs
    banks = user.organizations_for(Role.LENDER_OFFICER)
    agencies = user.organizations_for(*AGENCY_ROLES)
    if banks:
        return qs.filter(lender__in=banks)
    if agencies:
        return qs.filter(application__program__agency__in=agencies)
    return qs.none()


def facility_get_for(*, user: User, pk: int) -> Facility:
    facility = facility_visible_to(user=user).filter(pk=pk).first()
    if facility is None:
        raise Http404
    return facility
