"""Fund changes. Commitments and deployments move running totals by conditional UPDATE; the CheckConstraints
``fund_commitments_within_size`` and ``fund_deployments_within_commitment`` back them in the database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from core.errors import Conflict, InvalidInput
from core.money import round_money
from reporting.money import convert, describe

from . import ledger
from .models import CashFlow, Deal, FlowKind, Fund, LicenceEvent, LicenceState, Validation

if TYPE_CHECKING:
    from accounts.models import Organization, User
    from reporting.models import ExchangeRate

SUB_FUND_TERMS = {
    "name",
    "manager",
    "category",
    "vintage",
    "investment_period_start",
    "investment_period_end",
    "term_years",
    "management_fee_rate",
    "min_overseas_revenue_share",
    "min_main_purpose_share",
}
MOTHER_FUND_TERMS = {
    "name",
    "agency",
    "vintage",
    "investment_period_start",
    "investment_period_end",
    "term_years",
}


def _check_terms(fields):
    """The terms a fund is refused for, as an InvalidInput naming the fields."""
    errors = {}
    start, end = fields.get("investment_period_start"), fields.get("investment_period_end")
    if start and end and end <= start:
        errors["investment_period_end"] = ["The investment period must end after it starts."]
    for name in ("min_overseas_revenue_share", "min_main_purpose_share", "management_fee_rate"):
        value = fields.get(name)
        if value is not None and not 0 <= Decimal(value) <= 1:
            errors[name] = ["A share between 0 and 1."]
    if "currency" in fields and fields["currency"] not in settings.CURRENCIES:
        errors["currency"] = [f"One of {', '.join(settings.CURRENCIES)}."]
    if errors:
        raise InvalidInput("Some terms of the fund are not valid.", code="invalid_terms", details=errors)


def commitment_in_mother_currency(
    *, mother: Fund, amount: Decimal, currency: str, on: datetime.date
) -> tuple[Decimal, ExchangeRate | None]:
    """(``amount`` of ``currency`` in the mother fund's currency at the rate dated on or before ``on``, the rate row
    or None). Conflict ``missing_rate`` when no such rate has been entered."""
    converted, rate = convert(amount, currency, mother.currency, on)
    return round_money(converted, mother.currency), rate


@transaction.atomic
def mother_fund_create(
    *, actor: User | None, agency: Organization, name: str, currency: str, size: Decimal, **terms: object
) -> Fund:
    """Create a mother fund of ``agency`` with its declared size; writes fund.mother_fund_created."""
    size = Decimal(size)
    if size <= 0:
        raise InvalidInput(
            "The size must be positive.", code="invalid_size", details={"size": ["must be positive"]}
        )
    _check_terms({**terms, "currency": currency})
    fund = Fund.objects.create(agency=agency, name=name, currency=currency, size=size, **terms)
    audit_record(
        actor=actor,
        action="fund.mother_fund_created",
        target=fund,
        details={"size": size, "currency": currency},
    )
    return fund


def _checked_size(fields) -> Decimal:
    """A sub-fund's size: positive, and the sum of its public and private commitments."""
    size = Decimal(fields["size"])
    if size <= 0:
        raise InvalidInput(
            "The size must be positive.", code="invalid_size", details={"size": ["must be positive"]}
        )
    if Decimal(fields.get("public_commitment", 0)) + Decimal(fields.get("private_commitment", 0)) != size:
        raise InvalidInput("Public and private commitments must add up to the size.", code="split_mismatch")
    return size


@transaction.atomic
def sub_fund_create(
    *, parent: Fund, actor: User | None, committed_on: datetime.date | None = None, **fields: object
) -> Fund:
    """Anchor a sub-fund in any currency under a mother fund; its commitment, converted to the mother's currency at
    the rate dated ``committed_on`` (default today), can never take the mother's commitments beyond its declared
    size. Writes fund.sub_fund_created; raises InvalidInput, Conflict (over_commitment, missing_rate)."""
    if parent.parent_id is not None:
        raise InvalidInput("A sub-fund is anchored by a mother fund.", code="not_a_mother_fund")
    currency = fields.pop("currency", None) or parent.currency
    size = _checked_size(fields)
    _check_terms({**fields, "currency": currency})
    committed_on = committed_on or timezone.localdate()
    counted, rate = commitment_in_mother_currency(
        mother=parent, amount=size, currency=currency, on=committed_on
    )
    updated = Fund.objects.filter(pk=parent.pk, committed_to_sub_funds__lte=F("size") - counted).update(
        committed_to_sub_funds=F("committed_to_sub_funds") + counted
    )
    if not updated:
        raise Conflict(
            "The mother fund has no room left for this commitment.",
            code="over_commitment",
            details={"fund": parent.name, "size": str(size), "counted": f"{counted} {parent.currency}"},
        )
    fund = Fund.objects.create(
        parent=parent, currency=currency, parent_commitment=counted, parent_rate=rate, **fields
    )
    audit_record(
        actor=actor,
        action="fund.sub_fund_created",
        target=fund,
        case=parent,
        details={"size": size, "currency": currency, "counted": counted, "rate": describe(rate)},
    )
    return fund


def _checked_changes(fund, changes):
    """The changes, checked: terms that may change here, a consistent period, a declared size not below what is
    committed already."""
    allowed = SUB_FUND_TERMS if fund.is_sub_fund else MOTHER_FUND_TERMS | {"size"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(
            "These terms cannot be changed here.", code="fixed_terms", details={"fields": sorted(unknown)}
        )
    period = {
        "investment_period_start": fund.investment_period_start,
        "investment_period_end": fund.investment_period_end,
    }
    _check_terms({**period, **changes})
    if "size" in changes:
        changes["size"] = Decimal(changes["size"])
        if changes["size"] < fund.committed_to_sub_funds:
            raise InvalidInput(
                "The declared size cannot be below what is already committed to sub-funds.",
                code="size_below_commitments",
                details={"size": [f"at least {fund.committed_to_sub_funds} {fund.currency}"]},
            )
    return changes


@transaction.atomic
def fund_update(*, fund: Fund, actor: User | None, **changes: object) -> Fund:
    """Change a fund's terms (a mother fund's declared size too, never below its commitments); a sub-fund's size
    and currency are fixed at its creation. Writes fund.terms_changed with the old and new values."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    changes = _checked_changes(fund, changes)
    changed = {name: value for name, value in changes.items() if getattr(fund, name) != value}
    if not changed:
        return fund
    old = {name: getattr(fund, name) for name in changed}
    for name, value in changed.items():
        setattr(fund, name, value)
    fund.save(update_fields=list(changed))
    audit_record(
        actor=actor,
        action="fund.terms_changed",
        target=fund,
        case=fund.parent or fund,
        details={
            "old": {k: _label(v) for k, v in old.items()},
            "new": {k: _label(v) for k, v in changed.items()},
        },
    )
    return fund


def _label(value):
    return getattr(value, "pk", value)


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


def _check_entry(*, fund, kind, date, amount, corrects):
    """Refuse an entry the ledger's rules forbid: an investment while the licence was not active on its date, a
    correction of another fund or kind, a negative amount that is not a correction. Under the fund's lock."""
    investment = kind in (FlowKind.RESERVE, FlowKind.DEPLOY) and amount > 0
    licence = licence_state_on(fund=fund, day=date) if investment else None  # read only when it matters
    if investment and licence != LicenceState.ACTIVE:
        raise Conflict(
            "The manager's licence was not active on the entry's date: no new investment.",
            code="licence_inactive",
            details={"date": [f"licence {licence} on {date}"]},
        )
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


def _create_entry(**fields):
    """Insert the entry and add it to the ledger's summaries (funds.ledger.append)."""
    try:  # no savepoint of its own: the error leaves cash_flow_record's transaction, which is rolled back
        return ledger.append(CashFlow(**fields))
    except IntegrityError:
        raise Conflict("This entry is not consistent with the ledger.", code="invalid_entry")


@transaction.atomic
def cash_flow_record(
    *,
    fund: Fund,
    actor: User | None,
    kind: str,
    date: datetime.date,
    amount: Decimal,
    description: str = "",
    cash: Decimal | None = None,
    corrects: CashFlow | None = None,
) -> CashFlow:
    """Append a ledger entry (a correction is an entry of the opposite sign pointing at the original) and add it to
    the ledger's summaries, under a lock on the fund."""
    if not fund.is_sub_fund:
        raise InvalidInput("Cash flows are recorded on sub-funds.", code="not_a_sub_fund")
    amount = Decimal(amount)
    date = date if isinstance(date, datetime.date) else datetime.date.fromisoformat(str(date))
    ledger.lock(fund.pk)
    _check_entry(fund=fund, kind=kind, date=date, amount=amount, corrects=corrects)
    _move_totals(fund, kind, amount)
    entry = _create_entry(
        fund=fund,
        kind=kind,
        date=date,
        amount=amount,
        cash=cash,
        description=description,
        corrects=corrects,
        submitted_by=actor,
    )
    audit_record(
        actor=actor,
        action=f"fund.cash_flow.{kind}",
        target=entry,
        case=fund,
        details={"amount": amount, "date": date, "corrects": corrects.pk if corrects else None},
    )
    return entry


@transaction.atomic
def cash_flow_validate(*, entry: CashFlow, actor: User | None, accept: bool) -> CashFlow:
    updated = CashFlow.objects.filter(pk=entry.pk, validation=Validation.PENDING).update(
        validation=Validation.VALIDATED if accept else Validation.REJECTED
    )
    if not updated:
        raise Conflict("This entry has been reviewed already.", code="already_reviewed")
    entry.refresh_from_db()
    if not accept:  # pending and validated entries count alike in the summaries: only a rejection moves them
        ledger.refresh(entry.fund_id, entry.date)
    audit_record(
        actor=actor,
        action="fund.cash_flow.validated" if accept else "fund.cash_flow.rejected",
        target=entry,
        case=entry.fund,
        new_state=entry.validation,
    )
    return entry


def deal_check(
    fund: Fund, *, overseas_revenue_share: Decimal | None = None, main_purpose_share: Decimal | None = None
) -> list[dict[str, str]]:
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


def exact_percent(ratio: Decimal) -> str:
    """A ratio as a percentage with every digit it has: 0.1999 -> '19.99%' (never rounded up to the limit)."""
    text = f"{Decimal(ratio) * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


@transaction.atomic
def deal_screen(
    *,
    fund: Fund,
    actor: User | None,
    name: str,
    considered_on: datetime.date,
    amount: Decimal,
    overseas_revenue_share: Decimal | None = None,
    main_purpose_share: Decimal | None = None,
) -> Deal:
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


def licence_state_on(*, fund: Fund, day: datetime.date) -> str:
    """The manager's licence on ``day``: the latest change effective on or before it (active before any)."""
    event = fund.licence_events.filter(effective_on__lte=day).order_by("-effective_on").first()
    return event.state if event is not None else LicenceState.ACTIVE


@transaction.atomic
def licence_change(
    *, fund: Fund, actor: User | None, state: str, on: datetime.date, note: str = ""
) -> LicenceEvent:
    """Record that a sub-fund's licence became ``state`` on ``on`` (not in the future, one change a day); the
    fund's current licence follows its latest change. Writes fund.licence_changed."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    if not fund.is_sub_fund:
        raise InvalidInput("A licence belongs to a sub-fund's manager.", code="not_a_sub_fund")
    if state not in LicenceState.values:
        raise InvalidInput("Unknown licence state.", code="invalid_state", details={"state": [str(state)]})
    if on > timezone.localdate():
        raise InvalidInput(
            "A licence change is recorded once it has taken effect.",
            code="future_date",
            details={"effective_on": ["cannot be in the future"]},
        )
    before = licence_state_on(fund=fund, day=on)
    if before == state:
        raise Conflict(
            f"The licence is already {state} on {on}.", code="no_change", details={"state": [str(state)]}
        )
    if fund.licence_events.filter(effective_on=on).exists():
        raise Conflict(
            "The licence already changed on that day.",
            code="licence_changed_that_day",
            details={"effective_on": [str(on)]},
        )
    event = LicenceEvent.objects.create(fund=fund, state=state, effective_on=on, note=note, recorded_by=actor)
    latest = fund.licence_events.order_by("-effective_on").first()
    Fund.objects.filter(pk=fund.pk).update(licence_state=latest.state, licence_changed_on=latest.effective_on)
    audit_record(
        actor=actor,
        action="fund.licence_changed",
        target=event,
        case=fund,
        old_state=before,
        new_state=state,
        details={"effective_on": on, "note": note},
    )
    return event
