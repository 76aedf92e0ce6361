from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.navigation import NavItem

APPLICANT = frozenset({Role.APPLICANT})
ITEMS = [
    NavItem(_("My applications"), "applications:list", APPLICANT, order=10),
    NavItem(_("IP assets"), "applications:asset_list", APPLICANT, order=20),
    NavItem(_("Company"), "applications:company", APPLICANT, order=30),
]
