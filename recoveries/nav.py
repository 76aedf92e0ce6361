from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, Role
from core.navigation import NavItem

ITEMS = [
    NavItem(_("Buyers"), "recoveries:buyers", frozenset(AGENCY_ROLES), order=47),
    NavItem(
        _("IP auctions"),
        "recoveries:auctions",
        frozenset({Role.APPLICANT, Role.FUND_MANAGER, Role.LENDER_OFFICER}),
        order=48,
    ),
]
