from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.navigation import NavItem

from .views import READERS

ITEMS = [
    NavItem(_("Funds"), "funds:list", frozenset(READERS), order=50),
    NavItem(_("Early warnings"), "funds:follow_ups", frozenset(READERS), order=51),
    NavItem(_("Fund set-up"), "funds:setup", frozenset({Role.ADMINISTRATOR}), order=930),
]
