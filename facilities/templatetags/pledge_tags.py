from django import template
from django.utils import timezone

from accounts.roles import AGENCY_ROLES, Role
from applications.holders import ip_asset_holders

register = template.Library()


def _typed(request):
    """What was typed in a refused registration (the view sends it back in the query): {pledge pk, fields}."""
    pledge = request.GET.get("pledge", "")
    if not pledge.isdigit():
        return {}
    return {
        "pledge": int(pledge),
        "registration_reference": request.GET.get("registration_reference", "")[:100],
        "registered_on": request.GET.get("registered_on", "")[:10],
    }


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
        "typed": _typed(context["request"]),
    }
