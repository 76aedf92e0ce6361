"""Every audit action name, in one registry: the services write ``Action`` members (or strings equal to one), the
timeline (``audit.labels``) and webhooks (``webhooks.events``) map them, and ``audit_record`` refuses a name not
listed here when ``settings.AUDIT_REFUSE_UNREGISTERED_ACTIONS`` is on (the test settings turn it on, so every test
that runs a service checks its action; ``tests/audit/test_actions.py`` also scans the source).

To register a new action: add ONE line to ``Action``, in its prefix's group, named after the value
(``"facility.restructuring_proposed"`` -> ``FACILITY_RESTRUCTURING_PROPOSED``). Names are ``<subject>.<what
happened>``; stored events keep their strings forever, so a member is never renamed or removed.

Families (helpers that build the name from a prefix and a suffix, e.g. ``f"facility.{action}"``) write
``<prefix><suffix>``: each such full name is a member below like any other.
"""

from enum import StrEnum


class Action(StrEnum):
    # accounts
    ACCOUNTS_USER_INVITED = "accounts.user_invited"
    # api_token
    API_TOKEN_CREATED = "api_token.created"
    API_TOKEN_REVOKED = "api_token.revoked"
    API_TOKEN_REVOKED_ALL = "api_token.revoked_all"
    # application: application_transition (the TRANSITIONS of applications/models.py) and the case's own events
    APPLICATION_ANSWER_INFO = "application.answer_info"
    APPLICATION_APPROVE = "application.approve"
    APPLICATION_ASSIGNED = "application.assigned"
    APPLICATION_DRAFT_CREATED = "application.draft_created"
    APPLICATION_RECOMMEND = "application.recommend"
    APPLICATION_REJECT = "application.reject"
    APPLICATION_REQUEST_INFO = "application.request_info"
    APPLICATION_RESUME_CREDIT_REVIEW = "application.resume_credit_review"
    APPLICATION_RESUME_VALUATION = "application.resume_valuation"
    APPLICATION_RETURN_FOR_REWORK = "application.return_for_rework"
    APPLICATION_SEND_TO_VALUATION = "application.send_to_valuation"
    APPLICATION_START_CREDIT_REVIEW = "application.start_credit_review"
    APPLICATION_START_SCREENING = "application.start_screening"
    APPLICATION_SUBMIT = "application.submit"
    APPLICATION_WITHDRAW = "application.withdraw"
    # case: casework notes ("<kind>_added") and waivers
    CASE_INTERNAL_ADDED = "case.internal_added"
    CASE_MESSAGE_ADDED = "case.message_added"
    CASE_VALUATION_WAIVED = "case.valuation_waived"
    # company: the company profile and applications.invitations._event(invitation, actor, "<name>") ("invitation_<name>")
    COMPANY_INVITATION_ACCEPTED = "company.invitation_accepted"
    COMPANY_INVITATION_CANCELLED = "company.invitation_cancelled"
    COMPANY_INVITATION_DECLINED = "company.invitation_declined"
    COMPANY_INVITATION_SENT = "company.invitation_sent"
    COMPANY_MEMBER_LEFT = "company.member_left"
    COMPANY_REGISTERED = "company.registered"
    COMPANY_UPDATED = "company.updated"
    # conflict_of_interest
    CONFLICT_OF_INTEREST_DECLARED = "conflict_of_interest.declared"
    # credit_review
    CREDIT_REVIEW_SCORED = "credit_review.scored"
    # document
    DOCUMENT_REMOVED = "document.removed"
    DOCUMENT_UPLOADED = "document.uploaded"
    # facility: facilities.services._event(facility, actor, "<name>") and the nightly DPD job
    FACILITY_CLOSED = "facility.closed"
    FACILITY_CREATED = "facility.created"
    FACILITY_CURRENT_AGAIN = "facility.current_again"
    FACILITY_DEFAULTED = "facility.defaulted"
    FACILITY_DELINQUENT = "facility.delinquent"
    FACILITY_DISBURSED = "facility.disbursed"
    FACILITY_PLEDGED = "facility.pledged"
    FACILITY_REPAYMENT = "facility.repayment"
    FACILITY_REPAYMENT_REVERSED = "facility.repayment_reversed"
    FACILITY_RESTRUCTURED = "facility.restructured"
    FACILITY_RESTRUCTURING_PROPOSED = "facility.restructuring_proposed"
    FACILITY_RESTRUCTURING_REFUSED = "facility.restructuring_refused"
    FACILITY_RESTRUCTURING_REPORTED = "facility.restructuring_reported"
    FACILITY_TRANCHE_DISBURSED = "facility.tranche_disbursed"
    # fund: funds services; one cash-flow action per FlowKind ("cash_flow.<kind>") and its validation
    FUND_CASH_FLOW_CALL = "fund.cash_flow.call"
    FUND_CASH_FLOW_DEPLOY = "fund.cash_flow.deploy"
    FUND_CASH_FLOW_DISTRIBUTION = "fund.cash_flow.distribution"
    FUND_CASH_FLOW_FEE = "fund.cash_flow.fee"
    FUND_CASH_FLOW_NAV = "fund.cash_flow.nav"
    FUND_CASH_FLOW_REJECTED = "fund.cash_flow.rejected"
    FUND_CASH_FLOW_RESERVE = "fund.cash_flow.reserve"
    FUND_CASH_FLOW_VALIDATED = "fund.cash_flow.validated"
    FUND_DEAL_SCREENED = "fund.deal_screened"
    FUND_FLAGGED = "fund.flagged"
    FUND_LICENCE_CHANGED = "fund.licence_changed"
    FUND_MOTHER_FUND_CREATED = "fund.mother_fund_created"
    FUND_SUB_FUND_CREATED = "fund.sub_fund_created"
    FUND_TERMS_CHANGED = "fund.terms_changed"
    # ip_asset
    IP_ASSET_REGISTERED = "ip_asset.registered"
    IP_ASSET_UPDATED = "ip_asset.updated"
    # mfa
    MFA_FAILED = "mfa.failed"
    # recovery: recoveries.services._event(facility, actor, "<name>") and the buyer registry ("buyer_<name>")
    RECOVERY_AWARDED = "recovery.awarded"
    RECOVERY_BID = "recovery.bid"
    RECOVERY_BUYER_REGISTERED = "recovery.buyer_registered"
    RECOVERY_BUYER_REVOKED = "recovery.buyer_revoked"
    RECOVERY_BUYER_VERIFIED = "recovery.buyer_verified"
    RECOVERY_CLAIM_FILED = "recovery.claim_filed"
    RECOVERY_CLAIM_PAID = "recovery.claim_paid"
    RECOVERY_CLAIM_REJECTED = "recovery.claim_rejected"
    RECOVERY_CLAIM_RETURNED = "recovery.claim_returned"
    RECOVERY_CLOSED = "recovery.closed"
    RECOVERY_DISPOSAL_OPENED = "recovery.disposal_opened"
    RECOVERY_LATE_RECOVERY = "recovery.late_recovery"
    RECOVERY_WRITTEN_OFF = "recovery.written_off"
    # money moves (four eyes): recoveries.services writes "<MoveKind>_requested" and "<MoveKind>_refused"
    RECOVERY_CLAIM_PAYMENT_REQUESTED = "recovery.claim_payment_requested"
    RECOVERY_CLAIM_PAYMENT_REFUSED = "recovery.claim_payment_refused"
    RECOVERY_DISPOSAL_AWARD_REQUESTED = "recovery.disposal_award_requested"
    RECOVERY_DISPOSAL_AWARD_REFUSED = "recovery.disposal_award_refused"
    RECOVERY_DISPOSAL_CLOSE_REQUESTED = "recovery.disposal_close_requested"
    RECOVERY_DISPOSAL_CLOSE_REFUSED = "recovery.disposal_close_refused"
    RECOVERY_WRITE_OFF_REQUESTED = "recovery.write_off_requested"
    RECOVERY_WRITE_OFF_REFUSED = "recovery.write_off_refused"
    # report
    REPORT_FAILED = "report.failed"
    REPORT_GENERATED = "report.generated"
    REPORT_RETRIED = "report.retried"
    # reporting
    REPORTING_RATE_ENTERED = "reporting.rate_entered"
    # screening
    SCREENING_CHECKLIST_UPDATED = "screening.checklist_updated"
    # valuation: valuations.services._move (the TRANSITIONS of valuations/models.py) and the order
    VALUATION_ACCEPT = "valuation.accept"
    VALUATION_AGENCY_ACCEPT = "valuation.agency_accept"
    VALUATION_CANCEL = "valuation.cancel"
    VALUATION_DECLINE = "valuation.decline"
    VALUATION_ORDERED = "valuation.ordered"
    VALUATION_RETURN = "valuation.return"
    VALUATION_SUBMIT = "valuation.submit"
    # webhook
    WEBHOOK_ENDPOINT_CREATED = "webhook.endpoint_created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook.endpoint_updated"
    WEBHOOK_REPLAYED = "webhook.replayed"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"


REGISTERED = frozenset(Action)


def is_registered(action: str) -> bool:
    """Whether ``action`` (a member or its string) is a registered audit action name."""
    return action in REGISTERED


# Declared families: the prefixes of the helpers that build an action name at run time (f"<prefix>{name}"). Each
# full name they write is still a member above; the source scan accepts an f-string only with one of these prefixes.
FAMILIES = (
    "application.",  # applications.services.application_transition
    "valuation.",  # valuations.services._move
    "facility.",  # facilities.services._event
    "recovery.",  # recoveries.services._event
    "recovery.buyer_",  # recoveries.services (buyer registry)
    "company.invitation_",  # applications.invitations._event
    "case.",  # casework.services (note kinds)
    "fund.cash_flow.",  # funds.services.cash_flow_record (one per FlowKind)
)
