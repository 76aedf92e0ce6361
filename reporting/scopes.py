"""What a user may ask a report about: the scopes each report kind offers them (who may read a report or follow a
run is reporting.selectors)."""

from . import registry
from .selectors import READERS

KIND_NAMES = ("fund_utilisation", "program_dashboard")


def scope_choices_for(*, user, kind):
    """[(scope, label)] of ``kind`` that ``user`` may read (the kind decides, see registry.ReportKind.choices)."""
    if not user.has_role(*READERS):
        return []
    return registry.get(kind).scope_choices(user)
