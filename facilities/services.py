"""Facility changes: creation from an approved case, disbursement (once), repayments, delinquency and default."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import AGENCY_ROLES, Role
from applications.models import Application, Status
from audit.services import audit_record, audit_record_system_rows, transition_recorder
from core.bulk import rows_update
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused
from core.money import round_money
from core.transitions import move, move_many
from programs.services import program_budget_release, program_budget_share, program_budget_use
from programs.tiers import growth_group_of, guarantee_tier_for
from valuations.selectors import technology_grade_for

from .models import (
    DEFAULT_REASONS,
    THRESHOLD,
    TRANSITIONS,
    Disbursement,
    Facility,
    FacilityEvent,
    FacilityStatus,
    Installment,
    Repayment,
)
from .pledges import pledge_register, pledges_check_disbursable, pledges_release
from .schedules import add_months, dpd_bucket, schedule
from .versions import schedule_first

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import Organization, User
    from applications.models import IPAsset
    from programs.models import GuaranteeTier

_RECORD = transition_recorder(case=lambda facility: facility.application)

MAX_CSV_ROWS = 10_000


def _event(facility, actor, action, **kwargs):
    audit_record(
        actor=actor, action=f"facility.{action}", target=facility, case=facility.application, **kwargs
    )


@transaction.atomic
def facility_move(
    *,
    facility: Facility,
    action: str,
    actor: User | None,
    maker: User | None = None,
    changes: dict | None = None,
    details: dict | None = None,
) -> Facility:
    """Move the facility by ``action`` under ``facilities.models.TRANSITIONS`` (the one writer of its status, for
    this app and for recoveries): locks, checks the table (role, second person), writes, records the move's event.
    Raises IllegalTransition or PermissionRefused, changing nothing."""
    return move(
        obj=facility,
        table=TRANSITIONS,
        action=action,
        actor=actor,
        maker=maker,
        record=_RECORD,
        changes=changes,
        details=details,
    )


def _lender_check(facility, actor):
    if facility.lender not in actor.organizations_for(Role.LENDER_OFFICER):
        raise PermissionRefused(_("This facility belongs to another bank."))


def _term_check(program, term_months):
    if program.max_term_months is not None and term_months > program.max_term_months:
        raise InvalidInput(
            _("The term is above the program's maximum of %(max)s months.")
            % {"max": program.max_term_months},
            code="term_above_maximum",
            details={"term_months": [_("at most %(max)s") % {"max": program.max_term_months}]},
        )


def facility_guarantee_terms(
    *, application: Application, term_months: int
) -> tuple[GuaranteeTier | None, Decimal | None, Decimal | None]:
    """(tier, coverage, fee) from the program's tier table for this borrower; tier None when no row fits."""
    program, company = application.program, application.company
    revenues = sorted((fy.year, fy.revenue) for fy in company.financial_years.all())
    tier = guarantee_tier_for(
        program=program,
        grade=technology_grade_for(application=application),
        growth_group=growth_group_of(revenues),
        term_months=term_months,
    )
    return (tier, tier.coverage_ratio, tier.fee_rate) if tier else (None, None, None)


def _guarantee_terms(application, actor, term_months, coverage_ratio, guarantee_fee_rate, override_reason):
    """The tier's terms, or an override: other terms need an approver of the agency and a reason."""
    program = application.program
    tier, coverage, fee = facility_guarantee_terms(application=application, term_months=term_months)
    asked = (
        Decimal(coverage_ratio) if coverage_ratio is not None else coverage,
        Decimal(guarantee_fee_rate) if guarantee_fee_rate is not None else fee,
    )
    if asked == (coverage, fee) and tier is not None:
        return tier, coverage, fee, None
    if None in asked:
        raise Conflict(
            _("No tier of the program's table fits this borrower and term: an approver must set the terms."),
            code="no_guarantee_tier",
        )
    if not actor.has_role(Role.APPROVER) or program.agency not in actor.organizations_for(Role.APPROVER):
        raise PermissionRefused(
            _("Terms other than the tier's need an approver of the agency."), code="override_needs_approver"
        )
    if not (override_reason or "").strip():
        raise InvalidInput(
            _("Say why the tier's terms are overridden."),
            code="override_reason_missing",
            details={"override_reason": [_("required")]},
        )
    coverage, fee = asked
    if not (program.guarantee_coverage_min <= coverage <= program.guarantee_coverage_max):
        raise InvalidInput(_("Coverage outside the program's tiers."), code="coverage_out_of_range")
    if not (program.guarantee_fee_min <= fee <= program.guarantee_fee_max):
        raise InvalidInput(_("Fee outside the program's range."), code="fee_out_of_range")
    return tier, coverage, fee, override_reason.strip()


@transaction.atomic
def facility_create_from_application(
    *,
    application: Application,
    actor: User,
    lender: Organization,
    term_months: int,
    schedule_type: str,
    coverage_ratio: Decimal | None = None,
    guarantee_fee_rate: Decimal | None = None,
    override_reason: str = "",
    pledges: Iterable[tuple[IPAsset, str, date]] = (),
) -> Facility:
    """Turn an approved case into a facility on the program's terms (a guarantee takes its tier's coverage and fee;
    other terms need an approver and a reason); pledge its IP (one live pledge per asset)."""
    program = application.program
    if application.status != Status.APPROVED:
        raise Conflict(_("Only an approved case becomes a facility."), code="not_approved")
    if not program.partner_lenders.filter(pk=lender.pk).exists():
        raise InvalidInput(_("The lender is not a partner of this program."), code="not_a_partner")
    _term_check(program, term_months)
    terms = (None, Decimal(0), Decimal(0), None)  # tier, coverage, fee, override reason
    if program.kind == "ip_guaranteed_loan":
        terms = _guarantee_terms(
            application, actor, term_months, coverage_ratio, guarantee_fee_rate, override_reason
        )
    facility = _facility_row(application, actor, lender, term_months, schedule_type, terms)
    for asset, reference, registered_on in pledges:
        pledge_register(
            facility=facility,
            asset=asset,
            registration_reference=reference,
            registered_on=registered_on,
            actor=actor,
        )
    _event(facility, actor, "created", new_state=facility.status, details=_created_details(facility, terms))
    return facility


def _created_details(facility, terms):
    tier, coverage, fee, override = terms
    return {
        "principal": facility.principal,
        "coverage": coverage,
        "fee": fee,
        "tier": str(tier) if tier else None,
        "override_reason": override,
    }


def _facility_row(application, actor, lender, term_months, schedule_type, terms):
    """The facility on the program's rates and the given guarantee ``terms``; one per case (a Conflict)."""
    program = application.program
    tier, coverage, fee, override = terms
    try:
        with transaction.atomic():
            return Facility.objects.create(
                application=application,
                lender=lender,
                kind=program.kind,
                currency=program.currency,
                principal=application.approved_amount,
                base_rate=program.base_interest_rate,
                subsidised_rate=program.subsidised_interest_rate,
                term_months=term_months,
                schedule_type=schedule_type,
                coverage_ratio=coverage,
                guarantee_fee_rate=fee,
                guarantee_tier=tier,
                terms_override_reason=override or "",
                terms_override_by=actor if override else None,
            )
    except IntegrityError:
        raise Conflict(_("This case already has a facility."), code="duplicate_facility")


def disbursement_replayed(
    *, facility: Facility, actor: User, amount: Decimal, idempotency_key: str, milestone: str = ""
) -> Disbursement | None:
    """The bank's earlier disbursement under this key (a retry), or None; the key on another request is a Conflict.
    Keys are scoped to the lender: another bank's key, however equal, is another request."""
    existing = Disbursement.objects.filter(
        lender_id=facility.lender_id, idempotency_key=idempotency_key
    ).first()
    if existing is None:
        return None
    if (existing.facility_id, existing.amount, existing.milestone) != (
        facility.pk,
        Decimal(amount),
        milestone,
    ):
        raise Conflict(_("This idempotency key was used for another request."), code="idempotency_mismatch")
    return existing


def disbursement_date_check(*, facility: Facility, disbursed_on: date) -> None:
    """InvalidInput if money goes out before the application was approved (its decision date, when recorded)."""
    decided_at = facility.application.decided_at
    approved_on = timezone.localdate(decided_at) if decided_at else None
    if approved_on and disbursed_on < approved_on:
        raise InvalidInput(
            _("Money is paid out on or after the approval of %(day)s.") % {"day": approved_on},
            code="before_approval",
            details={"disbursed_on": [_("on or after %(day)s") % {"day": approved_on}]},
        )


def disbursement_create(
    *,
    facility: Facility,
    actor: User,
    amount: Decimal,
    disbursed_on: date,
    idempotency_key: str,
    milestone: str = "",
) -> Disbursement:
    """The disbursement row, dated on or after the approval; a concurrent twin of the same key is a Conflict."""
    disbursement_date_check(facility=facility, disbursed_on=disbursed_on)
    try:
        with transaction.atomic():
            return Disbursement.objects.create(
                facility=facility,
                lender_id=facility.lender_id,
                amount=amount,
                disbursed_on=disbursed_on,
                idempotency_key=idempotency_key,
                milestone=milestone,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This idempotency key was used for another request."), code="idempotency_mismatch")


def facility_activate(
    *, facility: Facility, actor: User, amount: Decimal, disbursed_on: date, details: dict
) -> Facility:
    """The first money out: the schedule of ``amount`` (version 1), the facility moved by ``disburse`` (its
    ``facility.disbursed`` event carries ``details``), the budget drawn."""
    pledges_check_disbursable(facility=facility)
    version = schedule_first(facility=facility, amount=Decimal(amount), on=disbursed_on, actor=actor)
    changes = {"disbursed_on": disbursed_on, "interest_subsidy": version.interest_subsidy}
    moved = facility_move(facility=facility, action="disburse", actor=actor, changes=changes, details=details)
    facility.disbursed_on, facility.interest_subsidy = disbursed_on, version.interest_subsidy
    _draw_budget(moved)
    return moved


@transaction.atomic
def facility_disburse(
    *, facility: Facility, actor: User, amount: Decimal, disbursed_on: date, idempotency_key: str
) -> tuple[Disbursement, bool]:
    """Record the disbursement of the whole principal exactly once. The same key again returns the first record (a
    retry); another key on a disbursed facility is a Conflict. Tranches: ``facility_draw_tranche``."""
    _lender_check(facility, actor)
    existing = disbursement_replayed(
        facility=facility, actor=actor, amount=amount, idempotency_key=idempotency_key
    )
    if existing is not None:
        return existing, False
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    if locked.status != FacilityStatus.APPROVED:
        raise Conflict(_("The facility is disbursed already."), code="already_disbursed")
    if Decimal(amount) != locked.principal:
        raise InvalidInput(
            _("The disbursement must equal the approved principal (%(p)s).") % {"p": locked.principal},
            code="amount_mismatch",
            details={"amount": [str(locked.principal)]},
        )
    disbursement = disbursement_create(
        facility=locked,
        actor=actor,
        amount=amount,
        disbursed_on=disbursed_on,
        idempotency_key=idempotency_key,
    )
    facility_activate(
        facility=locked,
        actor=actor,
        amount=locked.principal,
        disbursed_on=disbursed_on,
        details={"amount": amount, "on": disbursed_on},
    )
    return disbursement, True


def _draw_budget(facility):
    """The reservation becomes money used: the principal of a loan, the guaranteed share of a guarantee (what was
    reserved at the program's highest coverage above the facility's own coverage goes back)."""
    program = facility.application.program
    reserved = program_budget_share(program=program, amount=facility.principal)
    coverage = facility.coverage_ratio if facility.is_guaranteed else None
    drawn = program_budget_share(program=program, amount=facility.principal, coverage=coverage)
    program_budget_use(program=program, amount=drawn)
    if reserved > drawn:
        program_budget_release(program=program, amount=reserved - drawn)


def _apply(facility, amount):
    """Pay the oldest due interest and principal first. Returns what was left over (overpayment)."""
    left = Decimal(amount)
    for installment in facility.installments.select_for_update().order_by("number"):
        for field, due in (("interest", installment.interest), ("principal", installment.principal)):
            paid_field = f"paid_{field}"
            owed = due - getattr(installment, paid_field)
            take = min(owed, left)
            if take > 0:
                setattr(installment, paid_field, getattr(installment, paid_field) + take)
                left -= take
        installment.save(update_fields=["paid_interest", "paid_principal"])
        if left <= 0:
            break
    return left


def outstanding_principal(facility: Facility) -> Decimal:
    """Principal still owed: nothing once closed (repaid, or written off with the loss recorded on the facility)."""
    if facility.status == FacilityStatus.CLOSED:
        return Decimal(0)
    return sum((i.principal - i.paid_principal for i in facility.installments.all()), Decimal(0))


@transaction.atomic
def repayment_record(
    *, facility: Facility, actor: User, amount: Decimal, paid_on: date, reference: str
) -> Repayment:
    """One repayment; the bank's reference makes a retried file or call harmless (409 on a different amount)."""
    _lender_check(facility, actor)
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    if locked.status not in (FacilityStatus.ACTIVE, FacilityStatus.DELINQUENT):
        raise Conflict(_("Repayments are recorded on active facilities."), code="not_active")
    amount = Decimal(amount)
    if amount <= 0:
        raise InvalidInput(_("The amount must be positive."), code="invalid_amount")
    _repayment_date_check(locked, paid_on)
    if Repayment.objects.filter(facility=locked, reference=reference).exists():
        raise Conflict(
            _("Repayment %(ref)s is recorded already.") % {"ref": reference}, code="duplicate_repayment"
        )
    left = _apply(locked, amount)
    if left > 0:
        raise InvalidInput(_("The repayment is larger than what is owed."), code="overpayment")
    repayment = Repayment.objects.create(
        facility=locked, amount=amount, paid_on=paid_on, reference=reference, recorded_by=actor
    )
    if outstanding_principal(locked) == 0:
        _close_repaid(locked, actor)
    _event(locked, actor, "repayment", details={"amount": amount, "on": paid_on, "reference": reference})
    return repayment


def _repayment_date_check(facility, paid_on):
    """A repayment is dated between the disbursement and today."""
    if paid_on > timezone.localdate():
        raise InvalidInput(
            _("A repayment cannot be dated in the future."),
            code="invalid_date",
            details={"paid_on": [_("must be today or earlier")]},
        )
    if facility.disbursed_on and paid_on < facility.disbursed_on:
        raise InvalidInput(
            _("A repayment cannot be dated before the disbursement (%(day)s).")
            % {"day": facility.disbursed_on},
            code="invalid_date",
            details={"paid_on": [_("on or after %(day)s") % {"day": facility.disbursed_on}]},
        )


def _close_repaid(facility, actor):
    facility_move(
        facility=facility, action="repaid", actor=actor, changes={"closed_on": timezone.localdate()}
    )
    facility.closed_on = timezone.localdate()
    pledges_release(facility=facility, reason="repaid", actor=actor)


def _csv_rows(text):
    """The parsed rows ``(line, date, amount, reference)`` of a repayments CSV and the refused ``(line, message)``."""
    rows, refused = [], []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if (line == 1 and row and row[0].strip().lower() == "date") or not any(cell.strip() for cell in row):
            continue
        if len(rows) + len(refused) >= MAX_CSV_ROWS:
            refused.append((line, _("too many rows (at most %(n)s)") % {"n": MAX_CSV_ROWS}))
            break
        parsed = _csv_row(row)
        if isinstance(parsed, str):
            refused.append((line, parsed))
        else:
            rows.append((line, *parsed))
    return rows, refused


def _csv_row(row):
    """``(date, amount, reference)`` of one CSV row, or the message saying why it is refused."""
    if len(row) != 3:
        return _("expected 3 columns: date, amount, reference")
    try:
        paid_on = date.fromisoformat(row[0].strip())
        amount = Decimal(row[1].strip())
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except ValueError:
        return _("the date must be YYYY-MM-DD")
    except InvalidOperation:
        return _("the amount must be a positive number")
    reference = row[2].strip()[:100]
    return (paid_on, amount, reference) if reference else _("a reference is required")


def repayments_import_csv(
    *, facility: Facility, actor: User, text: str
) -> tuple[list[tuple[int, date, Decimal, str]], list[tuple[int, str]]]:
    """Rows ``date,amount,reference``. All or nothing: any refused row means nothing is recorded.

    Returns (accepted rows, refused [(line, message)]).
    """
    rows, refused = _csv_rows(text)
    if refused:
        return [], refused
    try:
        with transaction.atomic():
            for line, paid_on, amount, reference in rows:
                try:
                    repayment_record(
                        facility=facility, actor=actor, amount=amount, paid_on=paid_on, reference=reference
                    )
                except (Conflict, InvalidInput) as exc:
                    refused.append((line, exc.message))
                    raise
    except (Conflict, InvalidInput):
        return [], refused
    return rows, []


@transaction.atomic
def facility_report_restructuring(*, facility: Facility, actor: User, description: str) -> FacilityEvent:
    _lender_check(facility, actor)
    event = FacilityEvent.objects.create(
        facility=facility, kind="restructuring", description=description, recorded_by=actor
    )
    _event(facility, actor, "restructuring_reported", details={"comment": description})
    return event


def exposure_at(facility: Facility, on: date) -> Decimal:
    """Outstanding principal plus interest due and unpaid, plus interest accrued since the last due date."""
    principal = Decimal(0)
    unpaid_interest = Decimal(0)
    last_due = facility.disbursed_on
    for installment in facility.installments.all():
        principal += installment.principal - installment.paid_principal
        if installment.due_date <= on:
            unpaid_interest += installment.interest - installment.paid_interest
            last_due = installment.due_date
    days = max(0, (on - last_due).days) if last_due else 0
    accrued = round_money(principal * facility.subsidised_rate * days / 365, facility.currency)
    return principal + unpaid_interest + accrued


def default_declarable_by(*, facility: Facility, actor: User) -> bool:
    """Whether ``actor`` may declare this facility in default: its bank's officers or the program agency's staff."""
    if actor is None:
        return False
    return facility.lender in actor.organizations_for(
        Role.LENDER_OFFICER
    ) or facility.application.program.agency in actor.organizations_for(*AGENCY_ROLES)


@transaction.atomic
def facility_default(
    *, facility: Facility, actor: User, reason_code: str, comment: str = "", on: date | None = None
) -> Facility:
    """Declare default and freeze the exposure at default; writes ``facility.defaulted``.

    Declared by the facility's bank or the program's agency with a coded reason (``DEFAULT_REASONS``), or by the
    nightly job (``actor=None``) with ``THRESHOLD`` once the days past due reach the program's threshold; a person
    may also cite ``THRESHOLD`` once it is reached. Raises PermissionRefused, InvalidInput or IllegalTransition.
    """
    on = on or timezone.localdate()
    locked = Facility.objects.select_for_update().select_related("lender", "application__program__agency")
    locked = locked.get(pk=facility.pk)
    reason = _default_checks(locked, actor, reason_code, on)
    comment = (comment or "").strip()
    ead = exposure_at(locked, on)
    moved = facility_move(
        facility=locked,
        action="default",
        actor=actor,
        changes={
            "defaulted_on": on,
            "default_reason": (f"{reason}: {comment}" if comment else reason)[:300],
            "exposure_at_default": ead,
        },
        details={
            "reason_code": reason_code,
            "reason": reason,
            "comment": comment,
            "days_past_due": locked.days_past_due,
            "exposure_at_default": ead,
        },
    )
    facility.status = moved.status
    return moved


def _default_checks(locked, actor, reason_code, on):
    """Who may declare, the coded reason (returned in words), the date, and the facility's state."""
    if actor is not None and not default_declarable_by(facility=locked, actor=actor):
        raise PermissionRefused(_("Only the facility's bank or the program's agency declares a default."))
    reason = _default_reason(locked, actor, reason_code)
    _default_date_check(locked, on)
    if locked.status not in TRANSITIONS.sources("default"):
        raise IllegalTransition(
            _("Only an active or delinquent facility can default."), details={"status": locked.status}
        )
    return reason


def _default_date_check(facility, on):
    """A default is dated between the disbursement and today: the exposure at default is computed as of it."""
    _not_in_future(on)
    if facility.disbursed_on and on < facility.disbursed_on:
        raise InvalidInput(
            _("A default cannot be dated before the disbursement of %(day)s.")
            % {"day": facility.disbursed_on},
            code="before_disbursement",
            details={"defaulted_on": [_("on or after %(day)s") % {"day": facility.disbursed_on}]},
        )


def _not_in_future(on):
    if on > timezone.localdate():
        raise InvalidInput(
            _("A default cannot be dated in the future."),
            code="invalid_date",
            details={"defaulted_on": [_("today or earlier")]},
        )


def _default_reason(facility, actor, reason_code):
    """The stored reason: the threshold crossed (checked), or a person's coded reason in the site's language."""
    threshold = facility.application.program.default_threshold_days
    if reason_code == THRESHOLD:
        if facility.days_past_due < threshold:
            raise InvalidInput(
                _(
                    "The facility is %(dpd)s days past due, short of the %(t)s-day threshold: give a reason code."
                )
                % {"dpd": facility.days_past_due, "t": threshold},
                code="below_threshold",
                details={"reason_code": [_("the threshold is not reached")]},
            )
        return f"{facility.days_past_due} days past due (threshold {threshold})"
    if actor is not None and reason_code in DEFAULT_REASONS:
        with translation.override(settings.LANGUAGE_CODE):  # stored once, in the site's language
            return f"{reason_code} {DEFAULT_REASONS[reason_code]}"
    raise InvalidInput(
        _("Choose the reason for the default."),
        code="default_reason",
        details={"reason_code": sorted(DEFAULT_REASONS)},
    )


def facilities_update_dpd(*, today: date | None = None) -> list[int]:
    """Daily: days past due, bucket and ACTIVE/DELINQUENT status of every live facility, past the program's
    threshold a default (the same state, dates, reason, exposure at default and audit event as
    ``facility_default`` by the system). Returns the ids of the facilities it declared in default.

    Set-based, a fixed number of statements however many facilities and defaults there are: the live facilities
    are locked (a repayment waits, or is seen), their instalments summed in one query, the new figures written in
    one conditional UPDATE, the flips and the defaults each by ``core.transitions.move_many`` (the table checked
    for every step, one conditional UPDATE, one INSERT of the audit events); a second run the same day changes
    nothing."""
    today = today or timezone.localdate()
    with transaction.atomic():
        rows = _dpd_rows(today)
        plan, system = _dpd_plan(rows, today), _system_recorder(rows)
        rows_update(
            model=Facility,
            match=("status", "days_past_due", "dpd_bucket"),
            fields=DPD_FIELDS,
            rows=plan.recounted,
        )
        move_many(model=Facility, table=TRANSITIONS, rows=plan.flips, fields=DPD_FIELDS, **system)
        if plan.defaults:
            _not_in_future(today)
        moves = move_many(
            model=Facility,
            table=TRANSITIONS,
            rows=plan.defaults,
            fields=DPD_FIELDS + DEFAULT_FIELDS,
            **system,
        )
        return [pk for pk, _old, new, *_rest in moves if new == FacilityStatus.DEFAULTED]


# The nightly job moves facilities in one UPDATE per move; the table says from which states and to which.
DPD_ACTIONS = ("delinquent", "current_again")
DPD_STATES = TRANSITIONS.sources("delinquent") | TRANSITIONS.sources("current_again")
DPD_FIELDS = ("days_past_due", "dpd_bucket")
DEFAULT_FIELDS = ("defaulted_on", "default_reason", "exposure_at_default")


def _system_recorder(rows):
    """The audit recorder of the job's moves: by the system, with the old and new state, in the facility's case."""
    cases = {row.pk: row.application_id for row in rows}

    def record_many(*, moves):
        audit_record_system_rows(
            target_model=Facility,
            case_model=Application,
            events=[(name, pk, cases[pk], old, new, details) for pk, old, new, name, details in moves],
        )

    return {"actor": None, "record_many": record_many}


class DpdRow(NamedTuple):
    """A live facility as the job reads it (locked): stored figures and its instalments summed as of today."""

    pk: int
    application_id: int
    status: str
    days_past_due: int
    dpd_bucket: str
    threshold: int
    disbursed_on: date | None
    subsidised_rate: Decimal
    currency: str
    oldest_unpaid: date | None = None
    principal: Decimal = Decimal(0)
    interest_due: Decimal = Decimal(0)
    last_due: date | None = None


def _dpd_rows(today):
    """Every live facility, locked (in id order), with its instalments' figures: two statements in all. The sums
    are read after the lock so that a repayment that held it is seen."""
    locked = list(
        Facility.objects.filter(status__in=DPD_STATES)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list(
            "pk",
            "application_id",
            "status",
            "days_past_due",
            "dpd_bucket",
            "application__program__default_threshold_days",
            "disbursed_on",
            "subsidised_rate",
            "currency",
        )
    )
    cent = Decimal(1).scaleb(-Installment._meta.get_field("principal").decimal_places)
    sums = {facility_id: sums for facility_id, *sums in _instalment_sums(today)}
    return [DpdRow(*row, *_summed(sums.get(row[0]), cent)) for row in locked]


def _summed(sums, cent):
    """The sums as ``exposure_at`` adds them: Decimals of the field's places, 0 when there is nothing to add."""
    if sums is None:  # no instalments
        return (None, Decimal(0), Decimal(0), None)
    oldest, principal, interest, last = sums
    return (oldest, principal.quantize(cent), interest.quantize(cent) if last else Decimal(0), last)


def _instalment_sums(today):
    """Per live facility: its oldest instalment due before today and unsettled, the principal outstanding, the
    interest due by today and unpaid, the last due date by today (``exposure_at``'s terms; its "last" instalment in
    number order is the latest by date, a schedule's numbers following its dates)."""
    due = Q(due_date__lte=today)
    unsettled = Q(due_date__lt=today) & (
        Q(paid_principal__lt=F("principal")) | Q(paid_interest__lt=F("interest"))
    )
    return (
        Installment.objects.filter(facility__status__in=DPD_STATES)
        .values("facility_id")
        .order_by()
        .annotate(
            oldest=Min("due_date", filter=unsettled),
            principal_left=Sum(F("principal") - F("paid_principal")),
            interest_left=Sum(F("interest") - F("paid_interest"), filter=due),
            last=Max("due_date", filter=due),
        )
        .values_list("facility_id", "oldest", "principal_left", "interest_left", "last")
    )


class DpdPlan(NamedTuple):
    """What the night changes. ``recounted``: (pk, status, old dpd, old bucket, dpd, bucket), new figures in the
    same state; ``flips``: (pk, status, steps, dpd, bucket), ACTIVE <-> DELINQUENT by the table; ``defaults``:
    (pk, status, steps, dpd, bucket, on, reason, exposure), at or past the program's threshold."""

    recounted: list
    flips: list
    defaults: list


def _dpd_plan(rows, today):
    plan = DpdPlan([], [], [])
    for row in rows:
        dpd = (today - row.oldest_unpaid).days if row.oldest_unpaid else 0
        bucket, status = dpd_bucket(dpd), _dpd_status(row.status, dpd)
        steps = [(_dpd_action(dpd), {"days_past_due": dpd})] if status != row.status else []
        if dpd >= row.threshold and not (row.disbursed_on and today < row.disbursed_on):
            plan.defaults.append(_default_past_threshold(row, steps, dpd, bucket, today))
        elif steps:
            plan.flips.append((row.pk, row.status, steps, dpd, bucket))
        elif (row.days_past_due, row.dpd_bucket) != (dpd, bucket):
            plan.recounted.append((row.pk, row.status, row.days_past_due, row.dpd_bucket, dpd, bucket))
    return plan


def _dpd_action(dpd):
    return "delinquent" if dpd > 0 else "current_again"


def _dpd_status(current, dpd):
    """The state the days past due put the facility in, per the table (unchanged when no move applies)."""
    return _DPD_TARGETS.get((current, _dpd_action(dpd)), current)


# the table's targets of the job's two moves, looked up once (the job asks for every live facility)
_DPD_TARGETS = {
    (str(move.source), move.action): move.target for move in TRANSITIONS if move.action in DPD_ACTIONS
}


def _default_past_threshold(row, steps, dpd, bucket, today):
    """``facility_default`` by the system, as a move of the job (after the night's flip, if any): the same reason,
    exposure at default (``exposure_at``'s terms, from the summed instalments) and audit details."""
    reason = f"{dpd} days past due (threshold {row.threshold})"
    ead = _exposure(row, today)
    details = {
        "reason_code": THRESHOLD,
        "reason": reason,
        "comment": "",
        "days_past_due": dpd,
        "exposure_at_default": ead,
    }
    return (row.pk, row.status, [*steps, ("default", details)], dpd, bucket, today, reason[:300], ead)


def _exposure(row, on):
    """``exposure_at(facility, on)`` from the summed instalments: principal outstanding, interest due and unpaid,
    and interest accrued at the subsidised rate since the last due date (the disbursement before any)."""
    last_due = row.last_due or row.disbursed_on
    days = max(0, (on - last_due).days) if last_due else 0
    accrued = round_money(row.principal * row.subsidised_rate * days / 365, row.currency)
    return row.principal + row.interest_due + accrued


def interest_subsidy_cost(facility: Facility) -> Decimal:
    """What the lower rate costs the agency over the schedule: interest at the base rate minus at the subsidised rate.
    A facility whose schedule was rebuilt (tranches, restructuring) keeps the figure of its last version."""
    if (
        facility.pk
        and facility.interest_subsidy is not None
        and facility.schedule_versions.filter(number__gt=1).exists()
    ):
        return facility.interest_subsidy
    kwargs = dict(
        kind=facility.schedule_type,
        principal=facility.principal,
        months=facility.term_months,
        start=facility.disbursed_on or date.today(),
        currency=facility.currency,
    )
    base = sum(i.interest for i in schedule(annual_rate=facility.base_rate, **kwargs))
    subsidised = sum(i.interest for i in schedule(annual_rate=facility.subsidised_rate, **kwargs))
    return base - subsidised


def guarantee_fee_schedule(facility: Facility) -> list[tuple[int, Decimal]]:
    """[(year, fee)]: the annual fee on the principal outstanding at the start of each year (from the disbursement),
    read from the instalments, so that it follows tranches and restructurings."""
    if not facility.is_guaranteed or not facility.disbursed_on:
        return []
    installments = list(facility.installments.all())
    if not installments:
        return []
    last = installments[-1].due_date
    months = (last.year - facility.disbursed_on.year) * 12 + last.month - facility.disbursed_on.month
    fees = []
    for year in range((months + 11) // 12):
        start = add_months(facility.disbursed_on, 12 * year)
        outstanding = sum((i.principal for i in installments if i.due_date > start), Decimal(0))
        fees.append((year + 1, round_money(outstanding * facility.guarantee_fee_rate, facility.currency)))
    return fees


# --- repayments: the list, and correction by a reversing entry ------------------------------------------------------
REVERSIBLE = (FacilityStatus.ACTIVE, FacilityStatus.DELINQUENT)


def repayments_listed(*, facility: Facility) -> list[Repayment]:
    """Every repayment of the facility, reversing entries included, oldest first, with who recorded it and the
    entry that reverses it (``reversal_entry``, None when it stands)."""
    rows = list(facility.repayments.select_related("recorded_by", "reverses").order_by("created_at", "id"))
    reversed_by = {r.reverses_id: r for r in rows if r.reverses_id}
    for row in rows:
        row.reversal_entry = reversed_by.get(row.pk)
    return rows


def repayments_reversible_by(*, facility: Facility, actor) -> bool:
    """Whether ``actor`` may reverse the facility's standing entries now (the page offers it only then)."""
    return facility.status in REVERSIBLE and facility.lender in actor.organizations_for(Role.LENDER_OFFICER)


@transaction.atomic
def repayment_reverse(*, repayment: Repayment, actor, reason: str) -> Repayment:
    """Correct a wrong repayment by a reversing entry (same amount and reference, dated today, with the reason):
    the schedule, the outstanding principal and the days past due are as if it had never been paid. Nothing is
    deleted; the bank that may record the facility's repayments may reverse them."""
    _lender_check(repayment.facility, actor)
    reason = _reversal_reason(reason)
    locked = Facility.objects.select_for_update().get(pk=repayment.facility_id)
    if locked.status not in REVERSIBLE:
        raise Conflict(_("Repayments are reversed on active facilities only."), code="not_active")
    original = _reversible_entry(repayment)
    reversal = _reversal_create(locked, original, actor, reason)
    old_status = locked.status
    _repayments_reapply(locked)
    _dpd_refresh(locked)
    _event(
        locked,
        actor,
        "repayment_reversed",
        old_state=old_status,
        new_state=locked.status,
        details={
            "amount": original.amount,
            "reference": original.reference,
            "paid_on": original.paid_on,
            "repayment": original.pk,
            "reason": reason,
        },
    )
    return reversal


def _reversal_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Give the reason for the reversal."),
            code="reason_required",
            details={"reason": [_("This field is required.")]},
        )
    return reason


def _reversal_create(facility, original, actor, reason):
    try:
        with transaction.atomic():
            return Repayment.objects.create(
                facility=facility,
                amount=original.amount,
                paid_on=timezone.localdate(),
                reference=original.reference,
                recorded_by=actor,
                reverses=original,
                reason=reason,
            )
    except IntegrityError:
        raise _already_reversed(original)


def _already_reversed(original):
    return Conflict(
        _("Repayment %(ref)s is reversed already.") % {"ref": original.reference}, code="already_reversed"
    )


def _reversible_entry(repayment):
    original = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if original.reverses_id is not None:
        raise Conflict(_("A reversing entry cannot itself be reversed."), code="reversal_entry")
    if Repayment.objects.filter(reverses=original).exists():
        raise _already_reversed(original)
    return original


def _repayments_reapply(facility):
    """The instalments' paid amounts again from the repayments that stand. Payments fill the oldest interest and
    principal first, so the result depends only on their total."""
    installments = list(facility.installments.select_for_update().order_by("number"))
    left = sum(
        Repayment.objects.filter(facility=facility, reverses__isnull=True, reversal__isnull=True).values_list(
            "amount", flat=True
        ),
        Decimal(0),
    )
    for installment in installments:
        installment.paid_interest = min(installment.interest, left)
        left -= installment.paid_interest
        installment.paid_principal = min(installment.principal, left)
        left -= installment.paid_principal
    Installment.objects.bulk_update(installments, ["paid_interest", "paid_principal"])


def _dpd_refresh(facility):
    """Days past due, bucket and ACTIVE/DELINQUENT of one facility today (as the nightly job would set them)."""
    today = timezone.localdate()
    oldest = (
        facility.installments.filter(due_date__lt=today)
        .filter(Q(paid_principal__lt=F("principal")) | Q(paid_interest__lt=F("interest")))
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    dpd = (today - oldest).days if oldest else 0
    facility.days_past_due, facility.dpd_bucket = dpd, dpd_bucket(dpd)
    facility.status = FacilityStatus.DELINQUENT if dpd > 0 else FacilityStatus.ACTIVE
    facility.save(update_fields=["days_past_due", "dpd_bucket", "status"])
