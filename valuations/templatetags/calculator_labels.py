from django import template

from valuations.calculators_labels import AREA_LABELS, INDICATOR_LABELS, STEP_LABELS

register = template.Library()


@register.filter
def calc_label(key):
    """A calculator's named part (cost step, scorecard area or indicator) in the reader's language."""
    return STEP_LABELS.get(key) or AREA_LABELS.get(key) or INDICATOR_LABELS.get(key) or key
