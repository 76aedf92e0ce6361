from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .selectors import PORTFOLIO_READERS
from .views import READERS

ITEMS = [
    NavItem(_("Facilities"), "facilities:list", frozenset(READERS), order=40),
    NavItem(_("Portfolio"), "facilities:portfolio", frozenset(PORTFOLIO_READERS), order=45),
]
