from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .views import READERS

ITEMS = [
    NavItem(_("Facilities"), "facilities:list", frozenset(READERS), order=40),
    NavItem(_("Pledges pending registration"), "facilities:pledges", frozenset(READERS), order=41),
]
