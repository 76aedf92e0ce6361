from django.utils.translation import gettext_lazy as _

from accounts.roles import ALL_ROLES
from core.navigation import NavItem

ITEMS = [
    NavItem(_("Programs"), "programs:list", ALL_ROLES, order=5),
]
