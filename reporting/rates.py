"""Entering the dated exchange rates that every conversion reads."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction

from audit.services import audit_record
from core.errors import Conflict, InvalidInput

from .models import ExchangeRate


@transaction.atomic
def exchange_rate_record(*, actor, currency, quote_currency, rate, as_of, source="") -> ExchangeRate:
    """Record 1 ``currency`` = ``rate`` ``quote_currency`` on ``as_of`` with who entered it; one rate per pair and
    day (Conflict ``rate_exists``). Writes reporting.rate_entered."""
    errors = {}
    for field, code in (("currency", currency), ("quote_currency", quote_currency)):
        if code not in settings.CURRENCIES:
            errors[field] = [f"One of {', '.join(settings.CURRENCIES)}."]
    if currency == quote_currency:
        errors["quote_currency"] = ["A rate is between two different currencies."]
    try:
        rate = Decimal(rate)
    except (InvalidOperation, TypeError):
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        errors["rate"] = ["A positive number."]
    if errors:
        raise InvalidInput("The rate is not valid.", code="invalid_rate", details=errors)
    try:
        with transaction.atomic():
            row = ExchangeRate.objects.create(
                currency=currency,
                quote_currency=quote_currency,
                rate=rate,
                as_of=as_of,
                source=source,
                entered_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            f"A {currency}→{quote_currency} rate for {as_of} exists already; delete it first to correct it.",
            code="rate_exists",
            details={"as_of": [str(as_of)]},
        )
    audit_record(
        actor=actor,
        action="reporting.rate_entered",
        target=row,
        details={"currency": currency, "to": quote_currency, "rate": rate, "as_of": as_of, "source": source},
    )
    return row
