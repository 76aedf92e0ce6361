from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.money import currency_places

register = template.Library()

# Currencies without a minor unit are shown (and stored) as whole numbers.


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
    places = currency_places(currency)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "—"
    # Python's grouping, not humanize.intcomma: the same commas, without a locale lookup per number (the queue shows
    # 50 amounts per page)
    return f"{amount:,.{places}f} {currency}".strip()


def _decimal(value):
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None


@register.filter
def number(value, places=None):
    """1234567 -> '1,234,567'; '1234.50' -> '1,234.5'; text that is not a number is returned as it is."""
    amount = _decimal(value)
    if amount is None or not amount.is_finite():
        return "—" if value in (None, "") else value
    if places not in (None, ""):
        return f"{amount:,.{int(places)}f}"
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    text = f"{amount:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Korean counts large numbers in 만 (10^4) steps: 억 = 10^8, 조 = 10^12; English in thousands: bn, tn.
_UNITS = {
    "ko": ((Decimal(10) ** 12, "조"), (Decimal(10) ** 8, "억")),
    "en": ((Decimal(10) ** 12, " tn"), (Decimal(10) ** 9, " bn"), (Decimal(10) ** 6, " m")),
}


@register.filter
def compact(value, currency=""):
    """A large amount for a headline, in the reader's language: 15860000000000 'KRW' -> '15.86조 KRW' (Korean),
    'KRW 15.86 tn' (English). Below the smallest unit it is the full number. Two decimals at most, no trailing 0."""
    amount = _decimal(value)
    if amount is None or not amount.is_finite():
        return "—" if value in (None, "") else value
    units = _UNITS["ko" if (get_language() or "").startswith("ko") else "en"]
    for size, unit in units:
        if abs(amount) >= size:
            short = number((amount / size).quantize(Decimal("0.01")))
            text = f"{short}{unit}"
            break
    else:
        text = number(amount)
    if not currency:
        return text
    return f"{text} {currency}" if units is _UNITS["ko"] else f"{currency} {text}"


@register.filter
def cell(value, kind=""):
    """One cell of a report table: a rate as a percentage when the column says so, a number with its thousands
    separators, anything else as it is; None is a dash."""
    if value is None or value == "":
        return "—"
    if kind == "percent":
        return percent(value)
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _looks_numeric(value)):
        return number(value)
    return value


def _looks_numeric(text):
    stripped = text.replace(",", "").strip()
    return bool(stripped) and stripped.lstrip("-").replace(".", "", 1).isdigit()


@register.filter
def headline(value):
    """A headline figure: a bare number (with or without separators) is shown compact with the full number beside
    it ('3.25조 (3,247,000,000,000)'); a sentence is left as written."""
    if isinstance(value, str) and not _looks_numeric(value):
        return value
    amount = _decimal(value)
    if amount is None:
        return value
    full = number(amount)
    short = compact(amount)
    return full if short == full else _("%(short)s (%(full)s)") % {"short": short, "full": full}


@register.filter
def with_formats(row, table):
    """Pairs each cell of a report row with its column's format: the table's ``formats`` ('percent', ...; '' when
    the table names none, as in reports stored before formats existed)."""
    formats = list((table or {}).get("formats") or [])
    return [(value, formats[i] if i < len(formats) else "") for i, value in enumerate(row)]
