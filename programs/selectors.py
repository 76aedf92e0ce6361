from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch

from .models import EligibilityRule, Program

if TYPE_CHECKING:
    from django.db.models import QuerySet


def program_published() -> QuerySet[Program]:
    """Programs open to the public, with their rules (one query each)."""
    return (
        Program.objects.filter(is_published=True)
        .select_related("agency")
        .prefetch_related(
            Prefetch("eligibility_rules", queryset=EligibilityRule.objects.order_by("order", "id"))
        )
    )
