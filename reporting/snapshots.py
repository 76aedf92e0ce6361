"""A report computed for one request and never stored (the program dashboard, the portfolio): it quacks like a
``reporting.models.Report``, so that the same report template and exporters serve it."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone


@dataclass
class Snapshot:
    title: str
    data: dict
    period_start: date = field(default_factory=lambda: date(2000, 1, 1))
    period_end: date = field(default_factory=timezone.localdate)
    generated_at: object = field(default_factory=timezone.now)
    kind: str = "portfolio"
    scope: str = "all"
