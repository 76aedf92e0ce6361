from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .views import READERS

ITEMS = [NavItem(_("Funds"), "funds:list", frozenset(READERS), order=50)]
