"""A program's credit rubric (criteria and their weights), set up by the agency's administrators."""

from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from core.errors import Conflict, InvalidInput, PermissionRefused
from programs.models import Program

from .models import RubricCriterion


def _administers(actor, program):
    if program.agency not in actor.organizations_for(Role.ADMINISTRATOR):
        raise PermissionRefused(_("Only the agency's administrators set up its rubric."))


@transaction.atomic
def rubric_criterion_add(
    *, program: Program, actor, name: str, weight: Decimal, order: int = 0
) -> RubricCriterion:
    """Add a criterion with a positive weight; InvalidInput for an empty name or a weight of 0 or less."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _administers(actor, locked)
    if not (name or "").strip():
        raise InvalidInput(_("Name the criterion."), code="criterion_name", details={"name": [_("required")]})
    if weight is None or Decimal(weight) <= 0:
        raise InvalidInput(
            _("A weight above 0."), code="criterion_weight", details={"weight": [_("must be above 0")]}
        )
    criterion = RubricCriterion.objects.create(
        program=locked, name=name.strip(), weight=weight, order=order or 0
    )
    audit_record(
        actor=actor,
        action="program.criterion_added",
        target=locked,
        details={"name": criterion.name, "weight": weight},
    )
    return criterion


@transaction.atomic
def rubric_criterion_remove(*, criterion: RubricCriterion, actor) -> None:
    """Remove a criterion nobody has scored yet (Conflict otherwise: the scores keep it)."""
    locked = Program.objects.select_for_update().get(pk=criterion.program_id)
    _administers(actor, locked)
    try:
        with transaction.atomic():
            criterion.delete()
    except ProtectedError:
        raise Conflict(
            _("Cases were scored on %(name)s: it stays.") % {"name": criterion.name}, code="in_use"
        )
    audit_record(
        actor=actor, action="program.criterion_removed", target=locked, details={"name": criterion.name}
    )
