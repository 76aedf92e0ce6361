from decimal import Decimal, InvalidOperation

from django import template

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
    text = f"{number:.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def money(value, currency=""):
    """1234567 'KRW' -> '1,234,567 KRW'; 1234.5 'GBP' -> '1,234.50 GBP'."""
    if value in (None, ""):
        return "—"
    places = 0 if currency in ZERO_DECIMAL else 2
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "—"
    # Python's grouping, not humanize.intcomma: the same commas, without a locale lookup per number (the queue shows
    # 50 amounts per page)
    return f"{amount:,.{places}f} {currency}".strip()
