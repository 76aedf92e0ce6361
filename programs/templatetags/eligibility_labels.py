from django import template

from programs.eligibility import reason_text
from programs.models import RuleKind

register = template.Library()


@register.filter
def rule_kind_label(result):
    """A rule result's kind in the reader's language (a submitted application's snapshot keeps the words of the day
    it was submitted; the kind code does not change)."""
    kind = result.get("kind") if isinstance(result, dict) else getattr(result, "kind", None)
    if kind in RuleKind.values:
        return RuleKind(kind).label
    return result.get("label", "") if isinstance(result, dict) else getattr(result, "label", "")


@register.filter
def rule_reason(result):
    """A rule result's reason in the reader's language (a snapshot keeps its message and parameters; an older one
    keeps the sentence of the day it was submitted, shown as it is)."""
    return reason_text(result)
