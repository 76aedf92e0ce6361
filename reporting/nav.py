from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .selectors import READERS

ITEMS = [NavItem(_("Reports"), "reporting:list", frozenset(READERS), order=60)]
