from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .roles import MANAGER_ROLES

ITEMS = [NavItem(_("Webhooks"), "webhooks:list", frozenset(MANAGER_ROLES), order=90)]
