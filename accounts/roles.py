from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    CASE_OFFICER = "case_officer", _("Case officer")
    APPROVER = "approver", _("Approver")
    VALUER = "valuer", _("Valuer")
    LENDER_OFFICER = "lender_officer", _("Lender officer")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    OFFICIAL = "official", _("Official")
    ADMINISTRATOR = "administrator", _("Administrator")


class OrganizationKind(models.TextChoices):
    AGENCY = "agency", _("Agency")
    LENDER = "lender", _("Lender")
    VALUER = "valuer", _("Valuer")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    COMPANY = "company", _("Company")
    OVERSIGHT = "oversight", _("Oversight body")


# Staff roles must sign in with a second factor (TOTP).
STAFF_ROLES = frozenset({Role.CASE_OFFICER, Role.APPROVER, Role.OFFICIAL, Role.ADMINISTRATOR})
AGENCY_ROLES = frozenset({Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR})
ALL_ROLES = frozenset(Role)

# Which organisation kinds may hold which roles.
ROLES_BY_ORGANIZATION_KIND = {
    OrganizationKind.AGENCY: {Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR},
    OrganizationKind.LENDER: {Role.LENDER_OFFICER},
    OrganizationKind.VALUER: {Role.VALUER},
    OrganizationKind.FUND_MANAGER: {Role.FUND_MANAGER},
    OrganizationKind.COMPANY: {Role.APPLICANT},
    OrganizationKind.OVERSIGHT: {Role.OFFICIAL, Role.ADMINISTRATOR},
}

# The role an organisation's system integration acts in (its organisation token's user). Agencies and oversight
# bodies have none: their people are staff, who sign in with a second factor.
INTEGRATION_ROLE_BY_KIND = {
    OrganizationKind.LENDER: Role.LENDER_OFFICER,
    OrganizationKind.FUND_MANAGER: Role.FUND_MANAGER,
    OrganizationKind.VALUER: Role.VALUER,
}
