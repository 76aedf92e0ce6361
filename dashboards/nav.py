from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, Role
from core.navigation import NavItem
from facilities.selectors import PORTFOLIO_READERS

ITEMS = [
    NavItem(_("Portfolio"), "dashboards:portfolio", frozenset(PORTFOLIO_READERS), order=45),
    NavItem(
        _("Program dashboard"), "dashboards:program", frozenset({Role.OFFICIAL, *AGENCY_ROLES}), order=55
    ),
]
