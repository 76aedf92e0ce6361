"""The facility's panel on the staff case page (``PANELS``: see core.panels); on the facility page, the panel of its
tranches, restructurings and schedule versions (``FACILITY_PANELS``, rendered by ``views.facility_page``)."""

from accounts.roles import AGENCY_ROLES
from core.panels import CasePanel

from . import services
from .forms import CreateForm
from .restructure_views import panel_context


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


def restructure_panel_context(request, facility, bound):
    return panel_context(request, facility)


FACILITY_PANELS = [
    CasePanel(order=40, template="facilities/_restructure.html", context=restructure_panel_context)
]
