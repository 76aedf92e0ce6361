from django.utils.translation import gettext_lazy as _

from accounts.roles import ALL_ROLES, Role
from core.navigation import NavItem

ITEMS = [
    NavItem(_("Programs"), "programs:list", ALL_ROLES, order=5),
    NavItem(_("Program set-up"), "programs:setup", frozenset({Role.ADMINISTRATOR}), order=925),
]
