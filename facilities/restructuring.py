"""Tranches and restructurings: the two moves that rebuild a facility's schedule (``facilities.versions``).

- A tranche: the facility's bank pays out part of the principal (an R&D loan draws on its milestones); the first
  tranche starts the schedule, each later one is added to the outstanding balance and rescheduled to the same
  maturity. The tranches never pass the principal.
- A restructuring: the facility's bank proposes a grace period, a longer term or a new rate; an approver of the
  program's agency confirms it (another organisation, so another person: the database says so too) and the schedule
  is rebuilt from the outstanding balance, or refuses it with a reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import transition_recorder
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused
from core.money import minor_unit, minor_unit_message
from core.transitions import move

from .models import (
    RESTRUCTURING_TRANSITIONS,
    Disbursement,
    Facility,
    FacilityStatus,
    Restructuring,
    ScheduleVersion,
)
from .services import (
    _event,
    _lender_check,
    _term_check,
    disbursement_create,
    disbursement_replayed,
    facility_activate,
    outstanding_principal,
)
from .versions import schedule_rebuild

if TYPE_CHECKING:
    from accounts.models import User

# a restructuring's moves are events of its facility (the timeline, the webhooks)
_RECORD = transition_recorder(target=lambda r: r.facility, case=lambda r: r.facility.application)

RUNNING = (FacilityStatus.ACTIVE, FacilityStatus.DELINQUENT)


def drawn_total(facility: Facility) -> Decimal:
    return sum((d.amount for d in Disbursement.objects.filter(facility=facility)), Decimal(0))


def _tranche_check(facility, amount, disbursed_on):
    """A positive amount in the currency's minor unit, within the principal not yet drawn, dated in order."""
    if amount <= 0 or amount != amount.quantize(minor_unit(facility.currency)):
        raise InvalidInput(
            _("The amount must be positive.") if amount <= 0 else minor_unit_message(facility.currency),
            code="invalid_amount",
            details={"amount": [str(minor_unit(facility.currency))]},
        )
    left = facility.principal - drawn_total(facility)
    if amount > left:
        raise InvalidInput(
            _("The tranches cannot pass the principal: %(left)s is left to draw.") % {"left": left},
            code="above_principal",
            details={"amount": [str(left)]},
        )
    last = Disbursement.objects.filter(facility=facility).order_by("-disbursed_on").first()
    if disbursed_on > timezone.localdate() or (last and disbursed_on < last.disbursed_on):
        raise InvalidInput(
            _("A tranche is dated today or earlier, and not before the previous tranche."),
            code="invalid_date",
            details={"disbursed_on": [str(last.disbursed_on) if last else _("today or earlier")]},
        )


@transaction.atomic
def facility_draw_tranche(
    *,
    facility: Facility,
    actor: User,
    amount: Decimal,
    disbursed_on: date,
    idempotency_key: str,
    milestone: str = "",
) -> tuple[Disbursement, bool]:
    """Pay out a tranche (see the module); the same key and body again return the first record (a retry)."""
    _lender_check(facility, actor)
    amount = Decimal(amount)
    existing = disbursement_replayed(
        facility=facility, actor=actor, amount=amount, idempotency_key=idempotency_key, milestone=milestone
    )
    if existing is not None:
        return existing, False
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    if locked.status != FacilityStatus.APPROVED and locked.status not in RUNNING:
        raise Conflict(_("Tranches are drawn on approved or running facilities."), code="not_drawable")
    _tranche_check(locked, amount, disbursed_on)
    tranche = disbursement_create(
        facility=locked,
        actor=actor,
        amount=amount,
        disbursed_on=disbursed_on,
        idempotency_key=idempotency_key,
        milestone=milestone,
    )
    details = {"amount": amount, "on": disbursed_on, "milestone": milestone, "drawn": drawn_total(locked)}
    if locked.status == FacilityStatus.APPROVED:
        facility_activate(
            facility=locked, actor=actor, amount=amount, disbursed_on=disbursed_on, details=details
        )
    else:
        _rebuild(locked, actor, disbursed_on, ScheduleVersion.Reason.TRANCHE, add_principal=amount)
        _event(locked, actor, "tranche_disbursed", details=details)
    return tranche, True


def _rebuild(facility, actor, on, reason, *, add_principal=Decimal(0), extension=0, grace=0, rate=None):
    version = schedule_rebuild(
        facility=facility,
        on=on,
        add_principal=add_principal,
        extension_months=extension,
        grace_months=grace,
        rate=facility.subsidised_rate if rate is None else rate,
        reason=reason,
        actor=actor,
    )
    facility.save(update_fields=["term_months", "subsidised_rate", "interest_subsidy"])
    return version


def _running(facility):
    if facility.status not in RUNNING:
        raise IllegalTransition(
            _("Only an active or delinquent facility can be restructured."),
            details={"status": facility.status},
        )


def _terms_check(facility, grace_months, extension_months, new_rate):
    if not (
        grace_months or extension_months or (new_rate is not None and new_rate != facility.subsidised_rate)
    ):
        raise InvalidInput(
            _("Propose a grace period, a longer term or a new rate."),
            code="nothing_changes",
            details={"grace_months": [_("or extension_months, or new_rate")]},
        )
    if new_rate is not None and not (0 <= new_rate <= facility.base_rate):
        raise InvalidInput(
            _("The new rate must be between 0 and the base rate (%(rate)s).") % {"rate": facility.base_rate},
            code="rate_out_of_range",
            details={"new_rate": [str(facility.base_rate)]},
        )
    _term_check(facility.application.program, facility.term_months + extension_months)


@transaction.atomic
def restructuring_propose(
    *,
    facility: Facility,
    actor: User,
    grace_months: int = 0,
    extension_months: int = 0,
    new_rate: Decimal | None = None,
    reason: str,
) -> Restructuring:
    """The facility's bank proposes new terms; nothing changes until the agency confirms (one proposal at a time)."""
    _lender_check(facility, actor)
    locked = Facility.objects.select_for_update().select_related("application__program").get(pk=facility.pk)
    _running(locked)
    new_rate = None if new_rate is None else Decimal(new_rate)
    _terms_check(locked, grace_months, extension_months, new_rate)
    if not (reason or "").strip():
        raise InvalidInput(_("Say why."), code="reason_missing", details={"reason": [_("required")]})
    try:
        with transaction.atomic():
            proposal = Restructuring.objects.create(
                facility=locked,
                grace_months=grace_months,
                extension_months=extension_months,
                new_rate=new_rate,
                reason=reason.strip(),
                proposed_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("A restructuring of this facility is proposed already."), code="restructuring_open")
    terms = {"grace_months": grace_months, "extension_months": extension_months, "new_rate": new_rate}
    _event(locked, actor, "restructuring_proposed", details={**terms, "reason": proposal.reason})
    return proposal


def restructuring_decidable_by(*, facility: Facility, actor: User) -> bool:
    """Whether ``actor`` confirms or refuses restructurings of this facility: an approver of the program's agency."""
    return facility.application.program.agency in actor.organizations_for(Role.APPROVER)


def _open_proposal(restructuring, actor, action):
    """The proposal, locked, once the agency's organisation and the lifecycle table (role, state, a second person
    than the proposer) allow ``action``."""
    locked = Restructuring.objects.select_for_update().select_related("facility").get(pk=restructuring.pk)
    if not restructuring_decidable_by(facility=locked.facility, actor=actor):
        raise PermissionRefused(_("An approver of the program's agency decides a restructuring."))
    RESTRUCTURING_TRANSITIONS.check(
        source=locked.status, action=action, actor=actor, maker=locked.proposed_by
    )
    return locked


def _decide(proposal, actor, action, *, changes, details):
    changes = {"decided_by": actor, "decided_at": timezone.now(), **changes}
    return move(
        obj=proposal,
        table=RESTRUCTURING_TRANSITIONS,
        action=action,
        actor=actor,
        maker=proposal.proposed_by,
        record=_RECORD,
        changes=changes,
        details=details,
    )


@transaction.atomic
def restructuring_confirm(*, restructuring: Restructuring, actor: User) -> Restructuring:
    """Confirm: the schedule is rebuilt today from the outstanding balance (``facility.restructured``)."""
    locked = _open_proposal(restructuring, actor, "confirm")
    facility = Facility.objects.select_for_update().select_related("application").get(pk=locked.facility_id)
    _running(facility)
    before = {"term_months": facility.term_months, "rate": str(facility.subsidised_rate)}
    version = _rebuild(
        facility,
        actor,
        timezone.localdate(),
        ScheduleVersion.Reason.RESTRUCTURING,
        extension=locked.extension_months,
        grace=locked.grace_months,
        rate=locked.new_rate,
    )
    details = _restructured_details(locked, facility, version, before)
    return _decide(locked, actor, "confirm", changes={"version": version}, details=details)


def _restructured_details(proposal, facility, version, before):
    return {
        "version": version.number,
        "outstanding_principal": outstanding_principal(facility),
        "grace_months": proposal.grace_months,
        "extension_months": proposal.extension_months,
        "before": before,
        "after": {"term_months": facility.term_months, "rate": str(facility.subsidised_rate)},
        "interest_subsidy": facility.interest_subsidy,
        "maker": proposal.proposed_by.email,
    }


@transaction.atomic
def restructuring_refuse(*, restructuring: Restructuring, actor: User, reason: str) -> Restructuring:
    """Refuse with a reason: nothing changes and the bank may propose again."""
    locked = _open_proposal(restructuring, actor, "refuse")
    if not (reason or "").strip():
        raise InvalidInput(_("Say why."), code="reason_missing", details={"reason": [_("required")]})
    changes = {"refusal_reason": reason.strip()}
    return _decide(locked, actor, "refuse", changes=changes, details={"comment": reason.strip()})
