"""Valuation orders: ordered by an officer, accepted and reported by the valuer, reviewed by the agency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.notifications import later, notify
from accounts.roles import Role
from applications.models import Encumbrance, IPAsset, Status
from audit.services import audit_record, transition_recorder
from core.errors import Conflict, InvalidInput, PermissionRefused
from core.money import round_money
from core.templatetags.ipfin_format import money
from core.transitions import move
from core.uploads import PDF, check_upload
from programs.models import Program

from .models import (
    OPEN,
    TRANSITIONS,
    Calculation,
    CalculationKind,
    MonitoringFlag,
    OrderStatus,
    ValuationLine,
    ValuationOrder,
    ValuationReport,
)

if TYPE_CHECKING:
    from datetime import date

    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Organization, User
    from applications.models import Application


_RECORD = transition_recorder(case=lambda order: order.application)


def split_fee(program: Program, fee: Decimal) -> tuple[Decimal, Decimal]:
    """(agency pays, applicant pays): the program's subsidy share of the fee, capped."""
    fee = Decimal(fee)
    subsidy = round_money(
        min(fee * program.valuation_subsidy_share, program.valuation_subsidy_cap), program.currency
    )
    return subsidy, fee - subsidy


def _move(order, action, actor, *, fields=None, details=None):
    """Move the order under ``valuations.models.TRANSITIONS`` (core.transitions): lock, check the table and the
    actor's role, write, record ``valuation.<action>``."""
    return move(
        obj=order,
        table=TRANSITIONS,
        action=action,
        actor=actor,
        record=_RECORD,
        changes={**(fields or {}), "updated_at": timezone.now()},
        details=details,
    )


def _valuer_with_least_load(program):
    return (
        program.valuer_panel.annotate(
            open_orders=Count("valuation_orders", filter=Q(valuation_orders__status__in=OPEN))
        )
        .order_by("open_orders", "pk")
        .first()
    )


@transaction.atomic
def valuation_order_create(
    *,
    application: Application,
    actor: User,
    fee: Decimal,
    valuer: Organization | None = None,
    assets: list[IPAsset] | None = None,
    purpose: str = "application",
) -> ValuationOrder:
    """Order a valuation at the valuation stage from a panel valuer (rotated by load when none is chosen)."""
    program = application.program
    valuer = _order_check(application, actor, fee, valuer, purpose)
    subsidy, applicant_share = split_fee(program, fee)
    days = program.service_level_days("valuation") or 14
    order = ValuationOrder.objects.create(
        application=application,
        valuer=valuer,
        purpose=purpose,
        fee=fee,
        subsidy=subsidy,
        applicant_share=applicant_share,
        ordered_by=actor,
        due_date=timezone.localdate() + timedelta(days=days),
    )
    order.assets.set(assets if assets is not None else application.ip_assets.all())
    audit_record(
        actor=actor,
        action="valuation.ordered",
        target=order,
        case=application,
        new_state=order.status,
        details={"valuer": valuer.name, "fee": fee, "subsidy": subsidy, "applicant_share": applicant_share},
    )
    _order_notify(order, application, valuer)
    return order


def _order_notify(order, application, valuer):
    notify(
        users=[m.user for m in valuer.memberships.select_related("user")],
        subject=later(_lazy("New valuation order for %(ref)s"), ref=application.reference),
        body=later(
            _lazy(
                "%(agency)s asks %(valuer)s to value %(n)s IP assets of %(company)s by %(due)s, for a fee of "
                "%(fee)s. Accept or decline the order; once accepted, submit the signed report by "
                "the due date."
            ),
            agency=application.program.agency.name,
            valuer=valuer.name,
            n=order.assets.count(),
            company=application.company.legal_name,
            due=order.due_date.isoformat(),
            fee=money(order.fee, application.program.currency),
        ),
        link=reverse("valuations:order", args=[order.pk]),
    )


def _order_check(application, actor, fee, valuer, purpose):
    """At the valuation stage (for an application's valuation), by the program agency's case officer, from a panel
    valuer (the least loaded when none is chosen) for a positive fee; the valuer."""
    program = application.program
    if purpose == "application" and application.status != Status.VALUATION:
        raise Conflict(_("Valuations are ordered at the valuation stage."), code="not_in_valuation")
    if not actor.has_role(Role.CASE_OFFICER) or program.agency not in actor.organizations_for(
        Role.CASE_OFFICER
    ):
        raise PermissionRefused(_("Only the agency's case officers order valuations."))
    valuer = valuer or _valuer_with_least_load(program)
    if valuer is None or not program.valuer_panel.filter(pk=valuer.pk).exists():
        raise InvalidInput(
            _("Choose a valuer from the program's panel."),
            code="not_on_panel",
            details={"valuer": [_("not on the panel")]},
        )
    if Decimal(fee) <= 0:
        raise InvalidInput(
            _("The fee must be positive."), code="invalid_fee", details={"fee": [_("must be positive")]}
        )
    return valuer


def _valuer_check(order, actor):
    if order.valuer not in actor.organizations_for(Role.VALUER):
        raise PermissionRefused(_("This order is addressed to another firm."))


@transaction.atomic
def valuation_order_accept(*, order: ValuationOrder, actor: User) -> ValuationOrder:
    """The valuer accepts; the subsidy is drawn from the program's valuation budget, never beyond it."""
    _valuer_check(order, actor)
    locked = _move(order, "accept", actor)
    if locked.subsidy > 0:
        drawn = Program.objects.filter(
            pk=locked.application.program_id,
            valuation_budget_used__lte=F("valuation_budget") - locked.subsidy,
        ).update(valuation_budget_used=F("valuation_budget_used") + locked.subsidy)
        if not drawn:
            raise Conflict(
                _("The program's valuation subsidy budget is exhausted."), code="valuation_budget_exhausted"
            )
        ValuationOrder.objects.filter(pk=locked.pk).update(budget_drawn=True)
    return locked


@transaction.atomic
def valuation_order_decline(*, order: ValuationOrder, actor: User, reason: str) -> ValuationOrder:
    _valuer_check(order, actor)
    if not reason.strip():
        raise InvalidInput(_("Give the reason."), code="reason_missing", details={"reason": [_("required")]})
    return _move(order, "decline", actor, fields={"decline_reason": reason}, details={"comment": reason})


@transaction.atomic
def valuation_report_submit(
    *,
    order: ValuationOrder,
    actor: User,
    lines: list[dict],
    assumptions: str,
    technology_grade: str,
    valid_until: date,
    pdf: UploadedFile,
    scorecard: dict | None = None,
) -> ValuationReport:
    """``lines``: [{"asset": IPAsset, "method", "value", "value_low", "value_high"}] covering every ordered asset.
    The calculations the valuer attached to the order since the last report go with this one."""
    _valuer_check(order, actor)
    _report_check(order, lines, valid_until)
    checked = check_upload(pdf, allowed={PDF})
    locked = _move(order, "submit", actor)
    report = ValuationReport.objects.create(
        order=locked,
        version=locked.reports.count() + 1,
        currency=locked.application.program.currency,
        total_value=sum(Decimal(line["value"]) for line in lines),
        total_low=sum(Decimal(line["value_low"]) for line in lines),
        total_high=sum(Decimal(line["value_high"]) for line in lines),
        assumptions=assumptions,
        technology_grade=technology_grade,
        scorecard=scorecard or {},
        valid_until=valid_until,
        pdf_storage_name=checked.storage_name,
        pdf_original_name=checked.original_name,
        submitted_by=actor,
    )
    ValuationLine.objects.bulk_create([ValuationLine(report=report, **line) for line in lines])
    Calculation.objects.filter(order=locked, report=None).update(report=report)
    _store_pdf(pdf, checked.storage_name)
    _report_notify(locked, report)
    return report


def _report_check(order, lines, valid_until):
    ordered = set(order.assets.values_list("pk", flat=True))
    if {line["asset"].pk for line in lines} != ordered:
        raise InvalidInput(_("Value every ordered asset, and only those."), code="lines_mismatch")
    for line in lines:
        if not Decimal(line["value_low"]) <= Decimal(line["value"]) <= Decimal(line["value_high"]):
            raise InvalidInput(_("Each value must lie within its low–high range."), code="value_out_of_range")
    if valid_until <= timezone.localdate():
        raise InvalidInput(
            _("The validity must end in the future."),
            code="invalid_validity",
            details={"valid_until": [_("must be in the future")]},
        )


def _store_pdf(pdf, storage_name):
    root = settings.MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)
    with open(root / storage_name, "wb") as out:
        for chunk in pdf.chunks():
            out.write(chunk)


def _report_notify(order, report):
    notify(
        users=[order.ordered_by],
        subject=later(_lazy("Valuation report for %(ref)s"), ref=order.application.reference),
        body=later(
            _lazy(
                "%(valuer)s submitted version %(version)s of the valuation: %(value)s (range %(low)s – %(high)s), "
                "technology grade %(grade)s. Review it from the case, then accept it or return it for revision."
            ),
            valuer=order.valuer.name,
            version=report.version,
            value=money(report.total_value, report.currency),
            low=money(report.total_low, report.currency),
            high=money(report.total_high, report.currency),
            grade=report.technology_grade,
        ),
        link=reverse("casework:case", args=[order.application_id]),
    )


def _officer_check(order, actor):
    program = order.application.program
    if not actor.has_role(Role.CASE_OFFICER) or program.agency not in actor.organizations_for(
        Role.CASE_OFFICER
    ):
        raise PermissionRefused(_("Only the agency's case officers review valuations."))


@transaction.atomic
def valuation_order_agency_accept(*, order: ValuationOrder, actor: User) -> ValuationOrder:
    _officer_check(order, actor)
    return _move(order, "agency_accept", actor)


@transaction.atomic
def valuation_order_return(*, order: ValuationOrder, actor: User, comments: str) -> ValuationOrder:
    _officer_check(order, actor)
    if not comments.strip():
        raise InvalidInput(
            _("Say what must be revised."), code="comments_missing", details={"comments": [_("required")]}
        )
    return _move(order, "return", actor, fields={"return_comments": comments}, details={"comment": comments})


@transaction.atomic
def valuation_order_cancel(*, order: ValuationOrder, actor: User) -> ValuationOrder:
    """Cancel; a subsidy already drawn goes back to the program's budget."""
    _officer_check(order, actor)
    locked = _move(order, "cancel", actor)
    if locked.budget_drawn:
        Program.objects.filter(pk=locked.application.program_id).update(
            valuation_budget_used=F("valuation_budget_used") - locked.subsidy
        )
        ValuationOrder.objects.filter(pk=locked.pk).update(budget_drawn=False)
    return locked


def valuations_monitor(*, today: date | None = None) -> list[MonitoringFlag]:
    """Weekly: flag accepted valuations of pledged assets expiring within 60 days, assets that lapsed or expired, and
    orders past their due date; the case officer is notified of each new flag."""
    today = today or timezone.localdate()
    raised = [*_expiring_valuations(today), *_lapsed_assets(today), *_overdue_orders(today)]
    return _raise_flags(raised, today)


def _expiring_valuations(today):
    """(application, asset, code, message) of accepted valuations of pledged assets expiring within 60 days."""
    soon = (
        ValuationReport.objects.filter(
            order__status=OrderStatus.ACCEPTED_BY_AGENCY,
            valid_until__lte=today + timedelta(days=60),
            lines__asset__encumbrance=Encumbrance.PLEDGED,
        )
        .select_related("order__application")
        .distinct()
    )
    for report in soon:
        message = later(
            _lazy("Valuation #%(order)s valid until %(day)s"),
            order=report.order_id,
            day=report.valid_until.isoformat(),
        )
        yield report.order.application, None, "valuation_expiring", message


def _lapsed_assets(today):
    """Assets expired or lapsed, once per open application that holds them."""
    lapsed = (
        IPAsset.objects.filter(
            Q(expiry_date__lte=today) | Q(status__in=["lapsed", "expired"]),
            applications__status__in=["valuation", "credit_review", "recommended", "approved"],
        )
        .prefetch_related("applications")
        .distinct()
    )
    for asset in lapsed:
        for application in asset.applications.all():
            yield (
                application,
                asset,
                "asset_lapsed",
                later(_lazy("%(asset)s has expired or lapsed"), asset=str(asset)),
            )


def _overdue_orders(today):
    overdue = ValuationOrder.objects.filter(
        status__in=[OrderStatus.ORDERED, OrderStatus.ACCEPTED, OrderStatus.RETURNED], due_date__lt=today
    ).select_related("application", "valuer")
    for order in overdue:
        message = later(
            _lazy("Valuation #%(order)s by %(valuer)s was due on %(day)s"),
            order=order.pk,
            valuer=order.valuer.name,
            day=order.due_date.isoformat(),
        )
        yield order.application, None, "order_overdue", message


def _raise_flags(raised, today):
    """A flag for each finding not flagged before; the case officer hears of each new one. The new flags."""
    new = []
    for application, asset, code, message in raised:
        with translation.override(settings.LANGUAGE_CODE):  # the flag is read by the agency's staff
            stored = str(message)
        flag, created = MonitoringFlag.objects.get_or_create(
            application=application, asset=asset, code=code, defaults={"message": stored, "raised_on": today}
        )
        if created:
            new.append(flag)
            notify(
                users=[application.assignee] if application.assignee else [],
                subject=message,
                link=reverse("casework:case", args=[application.pk]),
            )
    return new


@transaction.atomic
def valuation_calculation_attach(*, order, actor, kind: str, inputs: dict, result: dict) -> Calculation:
    """The valuer attaches a calculator's inputs and result to the order while preparing the report; the next
    report submitted carries it (the officer reads it there)."""
    _valuer_check(order, actor)
    if kind not in CalculationKind.values:
        raise InvalidInput(_("Unknown calculator."), code="unknown_calculator")
    locked = ValuationOrder.objects.select_for_update().get(pk=order.pk)
    if "submit" not in locked.allowed_actions():
        raise Conflict(
            _("Calculations are attached while the report is being prepared (order accepted or returned)."),
            code="not_preparing_report",
        )
    calculation = Calculation.objects.create(
        order=locked, kind=kind, inputs=inputs, result=result, made_by=actor
    )
    audit_record(
        actor=actor,
        action="valuation.calculation_attached",
        target=locked,
        case=locked.application,
        details={"kind": kind, "calculation": calculation.pk},
    )
    return calculation
