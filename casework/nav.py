from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.navigation import NavItem

ITEMS = [
    NavItem(
        _("Work queue"),
        "casework:queue",
        frozenset({Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR}),
        order=10,
    ),
    NavItem(_("Conflicts of interest"), "casework:conflicts", frozenset({Role.CASE_OFFICER}), order=80),
]
