"""Facility changes: creation from an approved case, disbursement (once), repayments, delinquency and default."""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications.models import Encumbrance, IPAsset, Status
from audit.services import audit_record
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused
from programs.services import program_budget_release, program_budget_share, program_budget_use
from programs.tiers import growth_group_of, guarantee_tier_for
from valuations.selectors import technology_grade_for

from .models import Disbursement, Facility, FacilityEvent, FacilityStatus, Installment, Pledge, Repayment
from .schedules import dpd_bucket, schedule, unit

MAX_CSV_ROWS = 10_000


def _event(facility, actor, action, **kwargs):
    audit_record(
        actor=actor, action=f"facility.{action}", target=facility, case=facility.application, **kwargs
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


def facility_guarantee_terms(*, application, term_months):
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
    application,
    actor,
    lender,
    term_months: int,
    schedule_type: str,
    coverage_ratio=None,
    guarantee_fee_rate=None,
    override_reason: str = "",
    pledges=(),
) -> Facility:
    """Turn an approved case into a facility on the program's terms (a guarantee takes its tier's coverage and fee;
    other terms need an approver and a reason); pledge its IP (one live pledge per asset)."""
    program = application.program
    if application.status != Status.APPROVED:
        raise Conflict(_("Only an approved case becomes a facility."), code="not_approved")
    if not program.partner_lenders.filter(pk=lender.pk).exists():
        raise InvalidInput(_("The lender is not a partner of this program."), code="not_a_partner")
    _term_check(program, term_months)
    guaranteed = program.kind == "ip_guaranteed_loan"
    tier, coverage, fee, override = None, Decimal(0), Decimal(0), None
    if guaranteed:
        tier, coverage, fee, override = _guarantee_terms(
            application, actor, term_months, coverage_ratio, guarantee_fee_rate, override_reason
        )
    try:
        with transaction.atomic():
            facility = Facility.objects.create(
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
    for asset, reference, registered_on in pledges:
        pledge_register(
            facility=facility,
            asset=asset,
            registration_reference=reference,
            registered_on=registered_on,
            actor=actor,
        )
    _event(
        facility,
        actor,
        "created",
        new_state=facility.status,
        details={
            "principal": facility.principal,
            "coverage": coverage,
            "fee": fee,
            "tier": str(tier) if tier else None,
            "override_reason": override,
        },
    )
    return facility


@transaction.atomic
def pledge_register(*, facility, asset, registration_reference, registered_on, actor):
    updated = IPAsset.objects.filter(pk=asset.pk, encumbrance=Encumbrance.FREE).update(
        encumbrance=Encumbrance.PLEDGED
    )
    if not updated:
        raise Conflict(
            _("%(asset)s is already pledged or taken over.") % {"asset": asset}, code="asset_encumbered"
        )
    try:
        with transaction.atomic():
            pledge = Pledge.objects.create(
                facility=facility,
                asset=asset,
                registration_reference=registration_reference,
                registered_on=registered_on,
            )
    except IntegrityError:
        raise Conflict(
            _("%(asset)s is pledged to another live facility.") % {"asset": asset}, code="asset_encumbered"
        )
    _event(facility, actor, "pledged", details={"asset": str(asset), "reference": registration_reference})
    return pledge


@transaction.atomic
def facility_disburse(*, facility, actor, amount, disbursed_on, idempotency_key):
    """Record the disbursement exactly once. The same key again returns the first record (a retry);
    another key on a disbursed facility is a Conflict."""
    _lender_check(facility, actor)
    existing = Disbursement.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.facility_id != facility.pk or existing.amount != Decimal(amount):
            raise Conflict(
                _("This idempotency key was used for another request."), code="idempotency_mismatch"
            )
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
    try:
        with transaction.atomic():
            disbursement = Disbursement.objects.create(
                facility=locked,
                amount=amount,
                disbursed_on=disbursed_on,
                idempotency_key=idempotency_key,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("The facility is disbursed already."), code="already_disbursed")
    rows = schedule(
        kind=locked.schedule_type,
        principal=locked.principal,
        annual_rate=locked.subsidised_rate,
        months=locked.term_months,
        start=disbursed_on,
        currency=locked.currency,
    )
    Installment.objects.bulk_create(
        [
            Installment(
                facility=locked,
                number=r.number,
                due_date=r.due_date,
                principal=r.principal,
                interest=r.interest,
            )
            for r in rows
        ]
    )
    locked.status, locked.disbursed_on = FacilityStatus.ACTIVE, disbursed_on
    locked.interest_subsidy = interest_subsidy_cost(locked)
    locked.save(update_fields=["status", "disbursed_on", "interest_subsidy"])
    _draw_budget(locked)
    _event(
        locked,
        actor,
        "disbursed",
        old_state=FacilityStatus.APPROVED,
        new_state=locked.status,
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


def outstanding_principal(facility):
    """Principal still owed: nothing once closed (repaid, or written off with the loss recorded on the facility)."""
    if facility.status == FacilityStatus.CLOSED:
        return Decimal(0)
    return sum((i.principal - i.paid_principal for i in facility.installments.all()), Decimal(0))


@transaction.atomic
def repayment_record(*, facility, actor, amount, paid_on, reference):
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
            _("A repayment cannot be dated before the disbursement (%(day)s).") % {"day": facility.disbursed_on},
            code="invalid_date",
            details={"paid_on": [_("on or after %(day)s") % {"day": facility.disbursed_on}]},
        )


def _close_repaid(facility, actor):
    facility.status, facility.closed_on = FacilityStatus.REPAID, timezone.localdate()
    facility.save(update_fields=["status", "closed_on"])
    for pledge in facility.pledges.filter(live=True):
        Pledge.objects.filter(pk=pledge.pk).update(live=False, released_on=timezone.localdate())
        IPAsset.objects.filter(pk=pledge.asset_id, encumbrance=Encumbrance.PLEDGED).update(
            encumbrance=Encumbrance.FREE
        )


def repayments_import_csv(*, facility, actor, text):
    """Rows ``date,amount,reference``. All or nothing: any refused row means nothing is recorded.

    Returns (accepted rows, refused [(line, message)]).
    """
    reader = csv.reader(io.StringIO(text))
    rows, refused = [], []
    for line, row in enumerate(reader, start=1):
        if line == 1 and row and row[0].strip().lower() == "date":
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) + len(refused) >= MAX_CSV_ROWS:
            refused.append((line, _("too many rows (at most %(n)s)") % {"n": MAX_CSV_ROWS}))
            break
        if len(row) != 3:
            refused.append((line, _("expected 3 columns: date, amount, reference")))
            continue
        try:
            paid_on = date.fromisoformat(row[0].strip())
            amount = Decimal(row[1].strip())
            if not amount.is_finite() or amount <= 0:
                raise InvalidOperation
        except ValueError:
            refused.append((line, _("the date must be YYYY-MM-DD")))
            continue
        except InvalidOperation:
            refused.append((line, _("the amount must be a positive number")))
            continue
        reference = row[2].strip()[:100]
        if not reference:
            refused.append((line, _("a reference is required")))
            continue
        rows.append((line, paid_on, amount, reference))
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
def facility_report_restructuring(*, facility, actor, description):
    _lender_check(facility, actor)
    event = FacilityEvent.objects.create(
        facility=facility, kind="restructuring", description=description, recorded_by=actor
    )
    _event(facility, actor, "restructuring_reported", details={"comment": description})
    return event


def exposure_at(facility, on):
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
    accrued = (principal * facility.subsidised_rate * days / 365).quantize(
        Decimal("1") if facility.currency in ("KRW", "JPY") else Decimal("0.01")
    )
    return principal + unpaid_interest + accrued


@transaction.atomic
def facility_default(*, facility, actor, reason, on=None):
    """Declare default (insolvency, or the DPD threshold crossed); the exposure at default is frozen now."""
    on = on or timezone.localdate()
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    if locked.status not in (FacilityStatus.ACTIVE, FacilityStatus.DELINQUENT):
        raise IllegalTransition(
            _("Only an active or delinquent facility can default."), details={"status": locked.status}
        )
    old = locked.status
    locked.status, locked.defaulted_on, locked.default_reason = FacilityStatus.DEFAULTED, on, reason
    locked.exposure_at_default = exposure_at(locked, on)
    locked.save(update_fields=["status", "defaulted_on", "default_reason", "exposure_at_default"])
    _event(
        locked,
        actor,
        "defaulted",
        old_state=old,
        new_state=locked.status,
        details={"reason": reason, "exposure_at_default": locked.exposure_at_default},
    )
    facility.status = locked.status
    return locked


def facilities_update_dpd(*, today=None):
    """Daily: days past due and bucket of every live facility; past the program's threshold it defaults."""
    today = today or timezone.localdate()
    defaulted = []
    live = Facility.objects.filter(
        status__in=[FacilityStatus.ACTIVE, FacilityStatus.DELINQUENT]
    ).select_related("application__program")
    for facility in live:
        unpaid = [i for i in facility.installments.all() if not i.settled and i.due_date < today]
        dpd = (today - min(i.due_date for i in unpaid)).days if unpaid else 0
        status = FacilityStatus.DELINQUENT if dpd > 0 else FacilityStatus.ACTIVE
        Facility.objects.filter(pk=facility.pk).update(
            days_past_due=dpd, dpd_bucket=dpd_bucket(dpd), status=status
        )
        if dpd >= facility.application.program.default_threshold_days:
            facility.status = status
            defaulted.append(
                facility_default(
                    facility=facility,
                    actor=None,
                    on=today,
                    reason=f"{dpd} days past due (threshold "
                    f"{facility.application.program.default_threshold_days})",
                )
            )
    return defaulted


def interest_subsidy_cost(facility):
    """What the lower rate costs the agency over the schedule: interest at the base rate minus at the subsidised rate."""
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


def guarantee_fee_schedule(facility):
    """[(year, fee)]: the annual fee on the principal outstanding at the start of each year."""
    if not facility.is_guaranteed or not facility.disbursed_on:
        return []
    fees, installments = [], list(facility.installments.all())
    for year in range((facility.term_months + 11) // 12):
        start = 12 * year
        outstanding = facility.principal - sum((i.principal for i in installments[:start]), Decimal(0))
        fees.append((year + 1, (outstanding * facility.guarantee_fee_rate).quantize(unit(facility.currency))))
    return fees
