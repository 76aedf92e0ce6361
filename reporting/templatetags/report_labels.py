"""The words of a stored report in the reader's language (see reporting.labels)."""

from django import template

from reporting import labels

register = template.Library()


@register.filter
def label(item):
    return labels.text(item)


@register.filter
def in_currency(amount, currency):
    return labels.money(amount, currency)


@register.filter
def percent(ratio):
    return labels.percent(ratio)


@register.filter
def rendered_tables(tables):
    return [labels.rendered_table(t) for t in tables or []]
