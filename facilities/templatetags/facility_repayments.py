from django import template

from facilities.repayment_views import repayments_panel

register = template.Library()


@register.inclusion_tag("facilities/_partials/repayments.html", takes_context=True)
def repayments_list(context, facility):
    """The facility's repayments with their reversals: ``{% repayments_list facility %}``."""
    return {
        **repayments_panel(facility=facility, user=context["request"].user),
        "request": context["request"],
    }
