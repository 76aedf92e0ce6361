"""Pledges as a step: a pledge is pending registration with the IP office until the bank or the agency enters the
office's registration number and date; a program may require registered pledges before disbursement; pledges are
released on full repayment and on disposal of the IP."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import AGENCY_ROLES, Role
from applications.encumbrance import TRANSITIONS as ENCUMBRANCE
from applications.encumbrance import ip_asset_encumbrance_move
from applications.models import IPAsset
from audit.services import audit_record
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused

from .models import Pledge, PledgeOffice, PledgeStatus
from .selectors import facility_visible_to

# Without a configured service level, an office is given this many days to register a pledge.
DEFAULT_REGISTRATION_DAYS = 30
RELEASE_REASONS = ("repaid", "disposed")


def _event(pledge, actor, action, **kwargs):
    facility = pledge.facility
    audit_record(
        actor=actor, action=f"facility.{action}", target=facility, case=facility.application, **kwargs
    )


def pledge_office_for(*, asset: IPAsset) -> tuple[str, int]:
    """(office, days to register) for the asset's jurisdiction and type; a type-specific row beats the any-type row."""
    rows = PledgeOffice.objects.filter(jurisdiction=asset.jurisdiction).filter(
        Q(ip_type=asset.ip_type) | Q(ip_type="")
    )
    row = sorted(rows, key=lambda r: r.ip_type == "")[:1]
    if row:
        return row[0].office, row[0].registration_days
    return asset.jurisdiction, DEFAULT_REGISTRATION_DAYS


def _created(facility, asset, **fields):
    try:
        with transaction.atomic():
            return Pledge.objects.create(facility=facility, asset=asset, **fields)
    except IntegrityError:
        raise Conflict(
            _("%(asset)s is pledged to another live facility.") % {"asset": asset}, code="asset_encumbered"
        )


@transaction.atomic
def pledge_register(
    *, facility, asset, actor, registration_reference: str = "", registered_on: date | None = None
) -> Pledge:
    """Pledge ``asset`` to ``facility``: pending registration with a due date from the office's service level, or
    registered at once when the office's number and date are known. Raises Conflict when the asset is encumbered."""
    try:
        ip_asset_encumbrance_move(asset=asset, action="pledge", actor=actor)
    except IllegalTransition:
        raise Conflict(
            _("%(asset)s is already pledged or taken over.") % {"asset": asset}, code="asset_encumbered"
        )
    today = timezone.localdate()
    if registered_on is not None:  # a registration known already: the pledge was made by then
        today = min(today, registered_on)
    office, days = pledge_office_for(asset=asset)
    pledge = _created(
        facility, asset, pledged_on=today, office=office, registration_due=today + timedelta(days)
    )
    _event(
        pledge,
        actor,
        "pledged",
        details={"asset": str(asset), "office": office, "due": pledge.registration_due},
    )
    if registration_reference and registered_on:
        pledge = pledge_record_registration(
            pledge=pledge,
            actor=actor,
            registration_reference=registration_reference,
            registered_on=registered_on,
        )
    return pledge


def _may_register(pledge, actor):
    facility = pledge.facility
    if facility.lender in actor.organizations_for(Role.LENDER_OFFICER):
        return
    if facility.application.program.agency in actor.organizations_for(*AGENCY_ROLES):
        return
    raise PermissionRefused(_("Only the facility's bank or the program's agency records the registration."))


def _registration_checks(pledge, registration_reference, registered_on):
    errors = {}
    if not (registration_reference or "").strip():
        errors["registration_reference"] = [_("Enter the office's registration number.")]
    if registered_on is None:
        errors["registered_on"] = [_("Enter the date the office registered the pledge.")]
    elif registered_on > timezone.localdate():
        errors["registered_on"] = [_("The registration cannot be dated in the future.")]
    elif pledge.pledged_on and registered_on < pledge.pledged_on:
        errors["registered_on"] = [
            _("The registration cannot be dated before the pledge (%(day)s).") % {"day": pledge.pledged_on}
        ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, code="invalid_registration", details=errors)


@transaction.atomic
def pledge_record_registration(
    *, pledge: Pledge, actor, registration_reference: str, registered_on: date | None
) -> Pledge:
    """The bank or the agency enters the IP office's registration number and date of a pending pledge.

    Raises PermissionRefused (another bank or agency), Conflict (not pending) or InvalidInput (no number, a date in
    the future or before the pledge)."""
    locked = (
        Pledge.objects.select_for_update().select_related("facility__application__program").get(pk=pledge.pk)
    )
    _may_register(locked, actor)
    if locked.status != PledgeStatus.PENDING:
        raise Conflict(_("This pledge is not pending registration."), code="pledge_not_pending")
    _registration_checks(locked, registration_reference, registered_on)
    locked.status, locked.registered_on, locked.registered_by = PledgeStatus.REGISTERED, registered_on, actor
    locked.registration_reference = registration_reference.strip()[:100]
    locked.save(update_fields=["status", "registered_on", "registered_by", "registration_reference"])
    _event(
        locked,
        actor,
        "pledge_registered",
        old_state=PledgeStatus.PENDING,
        new_state=PledgeStatus.REGISTERED,
        details={"asset": str(locked.asset), "reference": locked.registration_reference, "on": registered_on},
    )
    return locked


def pledges_check_disbursable(*, facility) -> None:
    """Raises Conflict when the program requires registered pledges and one of the facility's is still pending."""
    if not facility.application.program.pledge_registration_required:
        return
    pending = [str(p.asset) for p in facility.pledges.filter(live=True, status=PledgeStatus.PENDING)]
    if pending:
        raise Conflict(
            _(
                "The program requires registered pledges before disbursement: %(assets)s is still pending "
                "registration with the IP office."
            )
            % {"assets": ", ".join(pending)},
            code="pledge_not_registered",
            details={"pledges": pending},
        )


def pledges_release(*, facility, reason: str, actor=None, on: date | None = None) -> int:
    """Release the facility's live pledges (``reason``: repaid or disposed). A repaid loan frees its IP; disposed IP
    keeps the encumbrance the disposal gave it. Returns how many pledges were released."""
    on = on or timezone.localdate()
    live = list(
        Pledge.objects.select_for_update().filter(facility=facility, live=True).select_related("asset")
    )
    for pledge in live:
        Pledge.objects.filter(pk=pledge.pk).update(
            live=False, status=PledgeStatus.RELEASED, released_on=on, release_reason=reason
        )
        if reason == "repaid" and pledge.asset.encumbrance in ENCUMBRANCE.sources("release"):
            ip_asset_encumbrance_move(asset=pledge.asset, action="release", actor=actor)
    if live:
        audit_record(
            actor=actor,
            action="facility.pledges_released",
            target=facility,
            case=facility.application,
            details={"reason": reason, "assets": [str(p.asset) for p in live], "on": on},
        )
    return len(live)


def pledges_pending_for(*, user) -> QuerySet:
    """Pending registrations of the facilities the user sees, the most overdue first."""
    return (
        Pledge.objects.filter(
            status=PledgeStatus.PENDING, live=True, facility__in=facility_visible_to(user=user)
        )
        .select_related("asset", "facility__application__program", "facility__lender")
        .order_by("registration_due", "pk")
    )
