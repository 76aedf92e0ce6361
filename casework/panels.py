from core.panels import CasePanel

from .views import applicant_panel_context

APPLICANT_PANELS = [
    CasePanel(order=10, template="casework/_partials/applicant_panel.html", context=applicant_panel_context)
]
