import base64
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

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


@register.filter
def svg_image(svg, alt=""):
    """A chart's SVG markup as an <img> with a data: URL.

    pygal's SVG carries its own <style> and style attributes, which the page's Content-Security-Policy
    (style-src 'self') blocks when the SVG is inline; inside an image they are the image's own business, and the page
    keeps its strict policy. The figure's caption and the tables carry the numbers for screen readers.
    """
    if not svg:
        return ""
    encoded = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return format_html('<img class="chart-image" src="data:image/svg+xml;base64,{}" alt="{}">', encoded, alt)
