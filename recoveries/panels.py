"""The recovery side of the facility page (``FACILITY_PANELS``, rendered by facilities.views.facility_page):
the claim and its review, the money moves, the disposals, and the forms of the bank and the agency."""

from core.panels import CasePanel
from facilities.views import parties

from . import services
from .forms import ClaimForm, ClaimReviewForm, CloseForm, DisposalForm, LateRecoveryForm, WriteOffForm
from .models import Claim, Disposal, MoneyMove

FORMS = {
    "claim": ClaimForm,
    "review_claim": ClaimReviewForm,
    "dispose": DisposalForm,
    "close": CloseForm,
    "write_off": WriteOffForm,
    "late_recovery": LateRecoveryForm,
}


def facility_panel_context(request, facility, bound):
    """The claim, disposals, recovery figures and money moves of ``facility``; ``bound`` forms keep their input."""
    disposals = list(
        Disposal.objects.filter(facility=facility)
        .select_related("reappraisal_order")
        .prefetch_related("bids", "assets")
    )
    forms = {name: form_class() for name, form_class in FORMS.items()}
    return {
        "claim": Claim.objects.filter(facility=facility).first(),
        "disposals": disposals,
        "recovery": services.recovery_figures(facility, disposals),
        "moves": MoneyMove.objects.filter(facility=facility).select_related("requested_by", "decided_by"),
        "forms": {**forms, **{name: form for name, form in bound.items() if name in forms}},
        **parties(request, facility),
    }


FACILITY_PANELS = [
    CasePanel(order=50, template="recoveries/_partials/facility_panel.html", context=facility_panel_context)
]
