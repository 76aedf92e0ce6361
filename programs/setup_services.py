"""Set-up of a program by its agency's administrators: terms, panels, eligibility rules and guarantee tiers. Each
change locks the program, writes, and leaves one audit event."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from core.errors import Conflict, PermissionRefused

from .models import EligibilityRule, GuaranteeTier, Program


def _administers(actor, agency):
    if agency not in actor.organizations_for(Role.ADMINISTRATOR):
        raise PermissionRefused(_("Only the agency's administrators set up its programs."))


@transaction.atomic
def program_create(*, actor, agency, terms: dict, panels: dict) -> Program:
    """A new program of ``agency`` on ``terms``, unpublished unless the terms say so. Conflict on a taken code."""
    _administers(actor, agency)
    try:
        with transaction.atomic():
            program = Program.objects.create(agency=agency, **terms)
    except IntegrityError:
        raise Conflict(
            _("The code %(code)s is taken.") % {"code": terms.get("code")},
            code="program_code_taken",
            details={"code": [_("taken")]},
        )
    for name, members in panels.items():
        getattr(program, name).set(members)
    audit_record(
        actor=actor,
        action="program.created",
        target=program,
        details={"code": program.code, "currency": program.currency},
    )
    return program


@transaction.atomic
def program_update(*, program: Program, actor, terms: dict, panels: dict) -> Program:
    """Change the program's terms and panels; the budget counters are never touched here."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _administers(actor, locked.agency)
    changed = {name: value for name, value in terms.items() if getattr(locked, name) != value}
    for name, value in changed.items():
        setattr(locked, name, value)
    if changed:
        locked.save(update_fields=list(changed))
    for name, members in panels.items():
        getattr(locked, name).set(members)
    audit_record(
        actor=actor,
        action="program.terms_changed",
        target=locked,
        details={"fields": sorted(changed), "panels": sorted(panels)},
    )
    return locked


@transaction.atomic
def program_rule_add(*, program: Program, actor, rule: EligibilityRule) -> EligibilityRule:
    """Add a validated (unsaved) eligibility rule to the program."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _administers(actor, locked.agency)
    rule.program = locked
    rule.save()
    audit_record(
        actor=actor,
        action="program.rule_added",
        target=locked,
        details={"kind": rule.kind, "group": rule.group, "parameters": rule.parameters},
    )
    return rule


@transaction.atomic
def program_tier_add(*, program: Program, actor, tier: GuaranteeTier) -> GuaranteeTier:
    """Add a validated (unsaved) row to the program's guarantee tier table."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _administers(actor, locked.agency)
    tier.program = locked
    tier.save()
    audit_record(
        actor=actor,
        action="program.tier_added",
        target=locked,
        details={"tier": tier.name, "coverage": tier.coverage_ratio, "fee": tier.fee_rate},
    )
    return tier


@transaction.atomic
def program_part_remove(*, program: Program, actor, part) -> None:
    """Remove one eligibility rule or tier row of the program. A tier a facility was priced on stays (Conflict)."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _administers(actor, locked.agency)
    if part.program_id != locked.pk:
        raise PermissionRefused(_("This belongs to another program."))
    label = str(part)
    try:
        with transaction.atomic():
            part.delete()
    except (IntegrityError, ProtectedError):
        raise Conflict(_("%(part)s is in use and stays.") % {"part": label}, code="in_use")
    audit_record(
        actor=actor,
        action="program.part_removed",
        target=locked,
        details={"part": label, "kind": type(part).__name__},
    )
