from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

# Currencies without a minor unit are shown (and stored) as whole numbers.
ZERO_DECIMAL = {"KRW", "JPY"}


@register.filter
def percent(value, places=1):
    """0.035 -> '3.5%'; None -> '—'."""
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return "—"
    text = f"{number:.{int(places)}f}".rstrip("0").rstrip(".") if "." in f"{number:.{int(places)}f}" else f"{number}"
    return f"{text}%"


@register.filter
def money(value, currency=""):
    """1234567 'KRW' -> '1,234,567 KRW'; 1234.5 'GBP' -> '1,234.50 GBP'."""
    if value in (None, ""):
        return "—"
    places = 0 if currency in ZERO_DECIMAL else 2
    amount = f"{Decimal(str(value)):.{places}f}"
    return f"{intcomma(amount)} {currency}".strip()
