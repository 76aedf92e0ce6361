from django.http import Http404

from accounts.roles import Role

from .models import Fund

READ_ALL = (Role.OFFICIAL, Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)


def fund_visible_to(*, user):
    """Fund managers see the sub-funds they manage; officials and agency staff see all funds (read-only)."""
    if user.has_role(*READ_ALL):
        return Fund.objects.select_related("parent", "manager")
    managed = user.organizations_for(Role.FUND_MANAGER)
    return Fund.objects.filter(manager__in=managed).select_related("parent", "manager")


def fund_get_for(*, user, pk):
    fund = fund_visible_to(user=user).filter(pk=pk).first()
    if fund is None:
        raise Http404
    return fund


def fund_writable_by(*, user, fund):
    return fund.manager_id is not None and fund.manager in user.organizations_for(Role.FUND_MANAGER)
