"""Cross-currency sums always name the dated rate they used."""

from decimal import Decimal

from core.errors import Conflict

from .models import ExchangeRate


def rate_for(currency, to, on):
    """The latest rate on or before ``on``; None for the same currency. Conflict when there is none."""
    if currency == to:
        return None
    row = (
        ExchangeRate.objects.filter(currency=currency, quote_currency=to, as_of__lte=on)
        .order_by("-as_of")
        .first()
    )
    if row is None:
        raise Conflict(
            f"No exchange rate {currency}→{to} on or before {on}.",
            code="missing_rate",
            details={"currency": currency, "to": to, "on": str(on)},
        )
    return row


def convert(amount, currency, to, on):
    """``(converted amount, rate row or None)``."""
    row = rate_for(currency, to, on)
    if row is None:
        return Decimal(amount), None
    return Decimal(amount) * row.rate, row


def describe(row):
    return (
        None
        if row is None
        else {
            "currency": row.currency,
            "to": row.quote_currency,
            "rate": str(row.rate),
            "as_of": row.as_of.isoformat(),
        }
    )
