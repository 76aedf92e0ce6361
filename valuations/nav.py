from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .views import READERS

ITEMS = [
    NavItem(_("Valuation orders"), "valuations:orders", frozenset(READERS), order=30),
    NavItem(_("Calculators"), "valuations:calculator", frozenset(READERS), order=35),
]
