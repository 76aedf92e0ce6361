"""The facility page's panel of tranches, restructurings and schedule versions: ``{% restructure_panel facility %}``."""

from django import template

from accounts.roles import Role

from ..restructuring import drawn_total, restructuring_decidable_by

register = template.Library()


@register.inclusion_tag("facilities/_restructure.html", takes_context=True)
def restructure_panel(context, facility):
    user = context["request"].user
    return {
        "facility": facility,
        "is_lender": facility.lender in user.organizations_for(Role.LENDER_OFFICER),
        "may_decide": restructuring_decidable_by(facility=facility, actor=user),
        "restructurings": facility.restructurings.select_related("version", "proposed_by", "decided_by"),
        "versions": facility.schedule_versions.all(),
        "tranches": facility.disbursements.all(),
        "drawn": drawn_total(facility),
        "csrf_token": context.get("csrf_token"),
    }
