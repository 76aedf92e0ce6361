from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, ALL_ROLES, Role
from core.navigation import NavItem

ITEMS = [
    NavItem(_("Programs"), "programs:list", ALL_ROLES, order=5),
    NavItem(
        _("Program dashboard"), "programs:dashboard", frozenset({Role.OFFICIAL, *AGENCY_ROLES}), order=55
    ),
]
