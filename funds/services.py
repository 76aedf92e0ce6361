"""Fund changes. Commitments and deployments move running totals by conditional UPDATE; the CheckConstraints
``fund_commitments_within_size`` and ``fund_deployments_within_commitment`` back them in the database."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from audit.services import audit_record
from core.errors import Conflict, InvalidInput

from . import ledger
from .models import CashFlow, Deal, FlowKind, Fund, LicenceState, Validation


@transaction.atomic
def sub_fund_create(*, parent, actor, **fields):
    """Anchor a sub-fund; the mother fund's commitments can never exceed its size."""
    size = Decimal(fields["size"])
    if size <= 0:
        raise InvalidInput("The size must be positive.", code="invalid_size")
    if Decimal(fields.get("public_commitment", 0)) + Decimal(fields.get("private_commitment", 0)) != size:
        raise InvalidInput("Public and private commitments must add up to the size.", code="split_mismatch")
    updated = Fund.objects.filter(pk=parent.pk, committed_to_sub_funds__lte=F("size") - size).update(
        committed_to_sub_funds=F("committed_to_sub_funds") + size
    )
    if not updated:
        raise Conflict(
            "The mother fund has no room left for this commitment.",
            code="over_commitment",
            details={"fund": parent.name, "size": str(size)},
        )
    fund = Fund.objects.create(parent=parent, currency=parent.currency, **fields)
    audit_record(
        actor=actor, action="fund.sub_fund_created", target=fund, case=parent, details={"size": size}
    )
    return fund


def _move_totals(fund, kind, amount):
    if kind == FlowKind.DEPLOY:
        updated = Fund.objects.filter(
            pk=fund.pk, deployed_total__lte=F("size") - F("reserved_total") - amount
        ).update(deployed_total=F("deployed_total") + amount)
    elif kind == FlowKind.RESERVE:
        updated = Fund.objects.filter(
            pk=fund.pk,
            reserved_total__gte=-amount,
            reserved_total__lte=F("size") - F("deployed_total") - amount,
        ).update(reserved_total=F("reserved_total") + amount)
    else:
        return
    if not updated:
        raise Conflict(
            "This entry would take the fund's deployments and reservations beyond its commitment.",
            code="over_commitment",
            details={"fund": fund.name, "amount": str(amount)},
        )


@transaction.atomic
def cash_flow_record(*, fund, actor, kind, date, amount, description="", cash=None, corrects=None):
    """Append a ledger entry (a correction is an entry of the opposite sign pointing at the original)."""
    if not fund.is_sub_fund:
        raise InvalidInput("Cash flows are recorded on sub-funds.", code="not_a_sub_fund")
    if (
        fund.licence_state != LicenceState.ACTIVE
        and kind in (FlowKind.RESERVE, FlowKind.DEPLOY)
        and amount > 0
    ):
        raise Conflict(
            "The manager's licence is no longer active: no new investment.", code="licence_inactive"
        )
    amount = Decimal(amount)
    if corrects is not None:
        if corrects.fund_id != fund.pk or corrects.kind != kind:
            raise InvalidInput(
                "A correction must be of the same fund and kind as the entry it corrects.",
                code="invalid_correction",
            )
    elif amount < 0 and kind != FlowKind.RESERVE:
        raise InvalidInput(
            "Amounts are positive; record a correction to reverse an entry.",
            code="negative_amount",
            details={"amount": ["must be positive"]},
        )
    _move_totals(fund, kind, amount)
    try:
        with transaction.atomic():
            entry = CashFlow.objects.create(
                fund=fund,
                kind=kind,
                date=date,
                amount=amount,
                cash=cash,
                description=description,
                corrects=corrects,
                submitted_by=actor,
            )
    except IntegrityError:
        raise Conflict("This entry is not consistent with the ledger.", code="invalid_entry")
    ledger.refresh(fund.pk, entry.date)
    audit_record(
        actor=actor,
        action=f"fund.cash_flow.{kind}",
        target=entry,
        case=fund,
        details={"amount": amount, "date": date, "corrects": corrects.pk if corrects else None},
    )
    return entry


@transaction.atomic
def cash_flow_validate(*, entry, actor, accept):
    updated = CashFlow.objects.filter(pk=entry.pk, validation=Validation.PENDING).update(
        validation=Validation.VALIDATED if accept else Validation.REJECTED
    )
    if not updated:
        raise Conflict("This entry has been reviewed already.", code="already_reviewed")
    entry.refresh_from_db()
    ledger.refresh(entry.fund_id, entry.date)
    audit_record(
        actor=actor,
        action="fund.cash_flow.validated" if accept else "fund.cash_flow.rejected",
        target=entry,
        case=entry.fund,
        new_state=entry.validation,
    )
    return entry


def deal_check(fund, *, overseas_revenue_share=None, main_purpose_share=None):
    """The fund's investment rules applied to a deal: [(rule, reason)] for each rule it fails."""
    reasons = []
    rules = [
        (
            "min_overseas_revenue_share",
            "overseas revenue",
            fund.min_overseas_revenue_share,
            overseas_revenue_share,
        ),
        (
            "min_main_purpose_share",
            "share in the main purpose",
            fund.min_main_purpose_share,
            main_purpose_share,
        ),
    ]
    for rule, label, minimum, value in rules:
        if minimum is None:
            continue
        if value is None:
            reasons.append(
                {"rule": rule, "reason": f"{label} not reported (minimum {exact_percent(minimum)})"}
            )
        elif Decimal(value) < minimum:
            reasons.append(
                {
                    "rule": rule,
                    "reason": f"{label} {exact_percent(value)} < {exact_percent(minimum)}",
                    "value": str(value),
                    "minimum": str(minimum),
                }
            )
    return reasons


def exact_percent(ratio) -> str:
    """A ratio as a percentage with every digit it has: 0.1999 -> '19.99%' (never rounded up to the limit)."""
    text = f"{Decimal(ratio) * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


@transaction.atomic
def deal_screen(
    *, fund, actor, name, considered_on, amount, overseas_revenue_share=None, main_purpose_share=None
):
    reasons = deal_check(
        fund, overseas_revenue_share=overseas_revenue_share, main_purpose_share=main_purpose_share
    )
    deal = Deal.objects.create(
        fund=fund,
        name=name,
        considered_on=considered_on,
        amount=amount,
        overseas_revenue_share=overseas_revenue_share,
        main_purpose_share=main_purpose_share,
        eligible=not reasons,
        exclusion_reasons=reasons,
        submitted_by=actor,
    )
    audit_record(
        actor=actor,
        action="fund.deal_screened",
        target=deal,
        case=fund,
        details={"eligible": not reasons, "reasons": [r["reason"] for r in reasons]},
    )
    return deal


@transaction.atomic
def licence_change(*, fund, actor, state, on):
    old = fund.licence_state
    Fund.objects.filter(pk=fund.pk).update(licence_state=state, licence_changed_on=on)
    fund.licence_state, fund.licence_changed_on = state, on
    audit_record(actor=actor, action="fund.licence_changed", target=fund, old_state=old, new_state=state)
    return fund
