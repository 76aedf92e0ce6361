"""What the timeline shows for an event's code and its states: words in the reader's language, not codes.

``EVENT_LABELS`` names every action the services write; an action not listed (a new one) reads as its last part in
words ("claim_filed" -> "Claim filed") until it gets its label here. States are named by the choices of the models'
``status`` fields, so a new state needs no edit here.
"""

from functools import cache

from django.apps import apps
from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "application.draft_created": _("Application started"),
    "application.submit": _("Application submitted"),
    "application.start_screening": _("Screening started"),
    "application.request_info": _("Information requested from the applicant"),
    "application.answer_info": _("Applicant answered the request"),
    "application.resume_valuation": _("Valuation resumed"),
    "application.resume_credit_review": _("Credit review resumed"),
    "application.send_to_valuation": _("Sent to valuation"),
    "application.start_credit_review": _("Credit review started"),
    "application.recommend": _("Recommended for decision"),
    "application.approve": _("Approved"),
    "application.reject": _("Rejected"),
    "application.return_for_rework": _("Returned for rework"),
    "application.withdraw": _("Withdrawn by the applicant"),
    "application.assigned": _("Case officer assigned"),
    "case.internal_added": _("Internal note added"),
    "case.message_added": _("Message sent"),
    "screening.checklist_updated": _("Screening checklist updated"),
    "credit_review.scored": _("Credit review scored"),
    "document.uploaded": _("Document uploaded"),
    "document.removed": _("Document removed"),
    "valuation.ordered": _("Valuation ordered"),
    "valuation.accept": _("Valuer accepted the order"),
    "valuation.decline": _("Valuer declined the order"),
    "valuation.submit": _("Valuation report submitted"),
    "valuation.agency_accept": _("Valuation report accepted"),
    "valuation.return": _("Valuation report returned to the valuer"),
    "valuation.cancel": _("Valuation order cancelled"),
    "valuation.calculation_attached": _("Calculation attached to the valuation report"),
    "facility.created": _("Facility created"),
    "facility.pledged": _("IP pledged"),
    "facility.disbursed": _("Loan disbursed"),
    "facility.repayment": _("Repayment recorded"),
    "facility.repayment_reversed": _("Repayment reversed"),
    "facility.restructured": _("Facility restructured"),
    "facility.defaulted": _("Facility in default"),
    "facility.closed": _("Facility closed"),
    "facility.current_again": _("Facility current again"),
    "facility.delinquent": _("Facility past due"),
    "facility.pledge_registered": _("Pledge registered"),
    "facility.pledges_released": _("Pledges released"),
    "facility.restructuring_proposed": _("Restructuring proposed"),
    "facility.restructuring_refused": _("Restructuring refused"),
    "facility.restructuring_reported": _("Restructuring reported"),
    "facility.tranche_disbursed": _("Tranche disbursed"),
    "recovery.claim_filed": _("Guarantee claim filed"),
    "recovery.claim_paid": _("Guarantee claim paid"),
    "recovery.claim_rejected": _("Guarantee claim rejected"),
    "recovery.disposal_opened": _("Disposal of the IP opened"),
    "recovery.bid": _("Bid recorded"),
    "recovery.awarded": _("Disposal awarded"),
    "recovery.closed": _("Recovery closed"),
    "recovery.written_off": _("Written off"),
    "recovery.claim_returned": _("Guarantee claim returned to the bank"),
    "recovery.late_recovery": _("Recovery after the write-off recorded"),
    "recovery.claim_payment_requested": _("Claim payment asked (awaiting a second approver)"),
    "recovery.disposal_award_requested": _("Award of the disposal asked (awaiting a second approver)"),
    "recovery.disposal_close_requested": _("Closing of the disposal asked (awaiting a second approver)"),
    "recovery.write_off_requested": _("Write-off asked (awaiting a second approver)"),
    "recovery.claim_payment_refused": _("Claim payment refused by the second approver"),
    "recovery.disposal_award_refused": _("Award of the disposal refused by the second approver"),
    "recovery.disposal_close_refused": _("Closing of the disposal refused by the second approver"),
    "recovery.write_off_refused": _("Write-off refused by the second approver"),
    "ip_asset.registered": _("IP asset registered"),
    "ip_asset.updated": _("IP asset updated"),
    "company.registered": _("Company registered"),
    "company.updated": _("Company profile updated"),
    "report.generated": _("Report generated"),
}


def event_label(action):
    """The words for an action code."""
    label = EVENT_LABELS.get(action)
    if label is not None:
        return label
    return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@cache
def _state_labels():
    labels = {}
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "status" and f.choices), None)
        if field is not None:
            for value, label in field.flatchoices:
                labels.setdefault(value, label)
    return labels


def state_label(state):
    """The words for a state code ("info_requested" -> "Information requested"); '—' for none."""
    if not state:
        return "—"
    return _state_labels().get(state, state.replace("_", " "))
