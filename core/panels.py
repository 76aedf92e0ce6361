"""Panels on the staff case page, contributed by the apps that own them.

An app declares ``PANELS`` (staff case page) and/or ``APPLICANT_PANELS`` (the
applicant's own case page) in its ``panels.py``: ``CasePanel`` objects whose
``context(request, application)`` returns the template context, or None to
leave the panel out. The case page renders them in ``order``; valuations,
facilities and recoveries add their part of the case without the case page
importing them.
"""

from dataclasses import dataclass
from functools import cache

from django.template.loader import render_to_string

from core.discovery import app_modules


@dataclass(frozen=True)
class CasePanel:
    order: int
    template: str
    context: object  # callable(request, application) -> dict | None


@cache
def all_panels(kind="PANELS"):
    panels = [panel for module in app_modules("panels") for panel in getattr(module, kind, [])]
    return sorted(panels, key=lambda panel: panel.order)


def render_case_panels(request, application, *, applicant_view=False):
    rendered = []
    for panel in all_panels("APPLICANT_PANELS" if applicant_view else "PANELS"):
        context = panel.context(request, application)
        if context is not None:
            rendered.append(
                render_to_string(panel.template, {**context, "application": application}, request=request)
            )
    return rendered
