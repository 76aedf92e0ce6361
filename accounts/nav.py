from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .roles import ALL_ROLES, Role

ITEMS = [
    NavItem(_("Home"), "home", ALL_ROLES, order=0),
    NavItem(_("Notifications"), "accounts:notifications", ALL_ROLES, order=890, menu="account"),
    NavItem(_("Security"), "mfa_index", ALL_ROLES, order=900, menu="account"),
    NavItem(
        _("API tokens"),
        "accounts:api_token",
        frozenset({Role.LENDER_OFFICER, Role.FUND_MANAGER, Role.VALUER}),
        order=910,
        menu="account",
    ),
    NavItem(_("Members"), "accounts:members", frozenset({Role.ADMINISTRATOR}), order=940),
    NavItem(_("Administration"), "admin:index", frozenset({Role.ADMINISTRATOR}), order=950),
]
