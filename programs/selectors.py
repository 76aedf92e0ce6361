from django.db.models import Prefetch

from .models import EligibilityRule, Program


def program_published():
    """Programs open to the public, with their rules (one query each)."""
    return (
        Program.objects.filter(is_published=True)
        .select_related("agency")
        .prefetch_related(
            Prefetch("eligibility_rules", queryset=EligibilityRule.objects.order_by("order", "id"))
        )
    )
