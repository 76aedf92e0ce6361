"""The facility's panel on the staff case page (``PANELS``: see core.panels)."""

from accounts.roles import AGENCY_ROLES
from core.panels import CasePanel

from . import services
from .forms import CreateForm


def case_panel_context(request, application):
    if application.status != "approved":
        return None
    facility = getattr(application, "facility", None) if hasattr(application, "facility") else None
    tier = None
    if facility is None and application.program.kind == "ip_guaranteed_loan":
        tier, _coverage, _fee = services.facility_guarantee_terms(
            application=application, term_months=CreateForm.base_fields["term_months"].initial
        )
    return {
        "facility": facility,
        "tier": tier,
        "create_form": CreateForm(),
        "lenders": application.program.partner_lenders.all(),
        "can_create": facility is None and request.user.has_role(*AGENCY_ROLES),
    }


PANELS = [CasePanel(order=60, template="facilities/_partials/case_panel.html", context=case_panel_context)]
