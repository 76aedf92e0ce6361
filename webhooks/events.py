"""Which audit events become webhook events, what they are about, and who may read that.

The audit log is the single record of what happened; this module only names the audit actions that clients may
subscribe to. An audit action not listed here is never sent.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership

from .models import EventType, SubjectKind

# audit action -> event type
ACTIONS = {
    "application.submit": EventType.APPLICATION_SUBMITTED,
    "application.approve": EventType.APPLICATION_DECIDED,
    "application.reject": EventType.APPLICATION_DECIDED,
    "valuation.ordered": EventType.VALUATION_ORDERED,
    "valuation.agency_accept": EventType.VALUATION_ACCEPTED,
    "facility.disbursed": EventType.FACILITY_DISBURSED,
    "facility.delinquent": EventType.FACILITY_DELINQUENT,
    "facility.defaulted": EventType.FACILITY_DEFAULTED,
    "facility.restructured": EventType.FACILITY_RESTRUCTURED,
    "facility.restructuring_reported": EventType.FACILITY_RESTRUCTURED,
    "facility.tranche_disbursed": EventType.FACILITY_DISBURSED,
    "recovery.claim_filed": EventType.CLAIM_FILED,
    "recovery.claim_paid": EventType.CLAIM_PAID,
    "recovery.claim_rejected": EventType.CLAIM_REJECTED,
    "recovery.awarded": EventType.DISPOSAL_AWARDED,
    "report.generated": EventType.REPORT_READY,
    "fund.flagged": EventType.FUND_FLAGGED,
}

# the audit event's target model -> what the event is about
SUBJECTS = {
    ("applications", "application"): SubjectKind.APPLICATION,
    ("valuations", "valuationorder"): SubjectKind.VALUATION_ORDER,
    ("facilities", "facility"): SubjectKind.FACILITY,
    ("reporting", "report"): SubjectKind.REPORT,
    ("funds", "fund"): SubjectKind.FUND,
}


def event_type_for(audit_event):
    """The event type of an audit event, or None. A facility entering the delinquent state counts as
    ``facility.delinquent`` whatever the action that moved it."""
    if audit_event.action in ACTIONS:
        return ACTIONS[audit_event.action]
    if audit_event.action.startswith("facility.") and audit_event.new_state == "delinquent":
        return EventType.FACILITY_DELINQUENT
    return None


def subject_of(audit_event):
    """(kind, id) of the row the audit event changed, or None when no client may subscribe to that kind of row."""
    target_type = audit_event.target_type
    kind = SUBJECTS.get((target_type.app_label, target_type.model))
    if kind is None or not str(audit_event.target_id).isdigit():
        return None
    return kind, int(audit_event.target_id)


def payload_for(*, event_id, event_type, audit_event, kind, subject_id):
    """What a client receives: a thin event (what happened to which object, old and new state), never the audit
    event's internal details or actor; the client reads the object through the API with its own rights."""
    return {
        "id": event_id,
        "type": str(event_type),
        "occurred_at": audit_event.occurred_at.isoformat(),
        "object": {"kind": str(kind), "id": subject_id},
        "old_state": audit_event.old_state,
        "new_state": audit_event.new_state,
    }


# --- who may read what: the apps' own selectors -------------------------------------------------------------


def _selectors():
    from applications.selectors import application_visible_to
    from facilities.selectors import facility_visible_to
    from funds.selectors import fund_visible_to
    from reporting.selectors import reports_visible_to
    from valuations.selectors import orders_visible_to

    return {
        SubjectKind.APPLICATION: application_visible_to,
        SubjectKind.VALUATION_ORDER: orders_visible_to,
        SubjectKind.FACILITY: facility_visible_to,
        SubjectKind.REPORT: reports_visible_to,
        SubjectKind.FUND: fund_visible_to,
    }


def visible_subjects(*, reader, kind):
    """The ids of the rows of ``kind`` that ``reader`` (a user or an OrganizationReader) may read, as a subquery."""
    return _selectors()[kind](user=reader).values("pk")


class OrganizationReader(AnonymousUser):
    """An organisation as a reader for the selectors: it holds the roles its active members hold there, and
    nothing else. Webhooks are sent to an organisation, not to a person, so this is who the selectors are asked
    about before anything leaves for an endpoint."""

    def __init__(self, organization):
        super().__init__()
        self.organization = organization
        roles = Membership.objects.filter(
            organization=organization, organization__is_active=True, user__is_active=True
        ).values_list("role", flat=True)
        self.roles = frozenset(roles)

    def organizations_for(self, *roles):
        return [self.organization] if self.roles & set(roles) else []

    def has_role(self, *roles):
        return bool(self.roles & set(roles))


def organization_readable(*, organization, kind, subject_ids):
    """The ids among ``subject_ids`` of objects of ``kind`` that ``organization`` may read (one query)."""
    reader = OrganizationReader(organization)
    return set(_selectors()[kind](user=reader).filter(pk__in=subject_ids).values_list("pk", flat=True))
