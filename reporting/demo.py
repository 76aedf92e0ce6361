"""Dated exchange rates into the reporting currency (idempotent). Illustrative demo values, not market data."""

from datetime import date
from decimal import Decimal

from .models import ExchangeRate

RATES = [("GBP", "KRW", "1850"), ("CNY", "KRW", "195"), ("USD", "KRW", "1400"), ("EUR", "KRW", "1560")]


def seed(stdout):
    for currency, quote, rate in RATES:
        ExchangeRate.objects.get_or_create(
            currency=currency,
            quote_currency=quote,
            as_of=date(2026, 1, 1),
            defaults={"rate": Decimal(rate), "source": "demo"},
        )
    stdout.write(
        "Exchange rates: " + ", ".join(f"1 {c} = {r} {q}" for c, q, r in RATES) + " (demo, 2026-01-01)\n"
    )
