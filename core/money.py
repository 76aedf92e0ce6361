"""Money, written once: the currencies, the stored amount field, their minor units and rounding to them.

KRW and JPY have no minor unit; the others the platform handles have cents (ISO 4217). Amounts are Decimal
throughout; a computed amount is rounded once, half-up, to its currency's minor unit, at the end.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

# The currencies the platform handles (settings.CURRENCIES) as model/form choices.
CURRENCY_CHOICES = [(c, c) for c in settings.CURRENCIES]
# Every stored amount: ``models.DecimalField(label, **MONEY)``. Two places hold any currency's minor unit; the
# amount itself is rounded to its currency's unit by ``round_money``.
MONEY = {"max_digits": 20, "decimal_places": 2}

# ISO 4217 exponents of the currencies the platform handles.
MINOR_UNIT_EXPONENT = {"KRW": 0, "JPY": 0, "CNY": 2, "GBP": 2, "USD": 2, "EUR": 2}


def currency_places(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (2 for a currency not in the table)."""
    return MINOR_UNIT_EXPONENT.get(currency, 2)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal('1') for KRW and JPY, Decimal('0.01') for GBP, USD, CNY."""
    return Decimal(1).scaleb(-currency_places(currency))


def round_money(amount, currency: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded once to ``currency``'s minor unit (half-up unless told otherwise)."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=rounding)


def minor_unit_message(currency: str) -> str:
    """What a refused amount of ``currency`` is told: whole won or yen, at most two places for the others."""
    places = currency_places(currency)
    if places == 0:
        return _("Amounts in %(currency)s are whole numbers: %(currency)s has no minor unit.") % {
            "currency": currency
        }
    return _("Amounts in %(currency)s have at most %(places)s decimal places.") % {
        "currency": currency,
        "places": places,
    }
