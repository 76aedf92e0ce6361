from django import template
from django.utils import timezone

from accounts.roles import AGENCY_ROLES, Role
from applications.holders import ip_asset_holders

register = template.Library()


@register.inclusion_tag("facilities/_partials/pledges.html", takes_context=True)
def pledge_panel(context, facility):
    """The facility's pledges with their registration, and who has held each pledged asset."""
    from facilities.pledge_views import RegistrationForm

    user = context["request"].user
    may_register = facility.lender in user.organizations_for(
        Role.LENDER_OFFICER
    ) or facility.application.program.agency in user.organizations_for(*AGENCY_ROLES)
    pledges = list(facility.pledges.select_related("asset__company__organization").order_by("pk"))
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "facility": facility,
        "rows": [(p, ip_asset_holders(asset=p.asset)) for p in pledges],
        "may_register": may_register,
        "form": RegistrationForm(),
        "today": timezone.localdate(),
    }
