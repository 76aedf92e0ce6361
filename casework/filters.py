from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from applications.models import OPEN_STATUSES, Application, CreditGrade, Status
from programs.models import Program

from .selectors import case_text_q, overdue_q


def _descending(label):
    return _("%s (descending)") % label


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter has no Korean catalogue and words "(descending)" once, at import: here it is the project's
    msgid, put into words when the form is shown."""

    def build_choices(self, fields, labels):
        choices = super().build_choices(fields, labels)
        return [
            (value, lazy(_descending, str)(choices[i - 1][1]) if value.startswith("-") else label)
            for i, (value, label) in enumerate(choices)
        ]


STAGES = [(s, label) for s, label in Status.choices if s in OPEN_STATUSES]
VIEWS = [
    ("mine", _("My cases")),
    ("unassigned", _("Unassigned")),
    ("overdue", _("Overdue")),
    ("awaiting", _("Awaiting my decision")),
]


class CaseFilter(django_filters.FilterSet):
    """The queue's filters; the same class serves the page and the API."""

    view = django_filters.ChoiceFilter(label=_("Saved view"), choices=VIEWS, method="filter_view")
    q = django_filters.CharFilter(label=_("Reference or company"), method="filter_text")
    program = django_filters.ModelChoiceFilter(label=_("Program"), queryset=Program.objects.none())
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=[c for c in Status.choices if c[0] != "draft"]
    )
    stage = django_filters.ChoiceFilter(label=_("Open stage"), choices=STAGES, field_name="status")
    assignee = django_filters.ModelChoiceFilter(label=_("Assignee"), queryset=User.objects.none())
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=3650
    )
    amount_min = django_filters.NumberFilter(
        label=_("Amount from"), field_name="requested_amount", lookup_expr="gte"
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount to"), field_name="requested_amount", lookup_expr="lte"
    )
    submitted_from = django_filters.DateFilter(
        label=_("Submitted from"), field_name="submitted_at", lookup_expr="date__gte"
    )
    submitted_to = django_filters.DateFilter(
        label=_("Submitted to"), field_name="submitted_at", lookup_expr="date__lte"
    )
    credit_grade = django_filters.MultipleChoiceFilter(
        label=_("Credit grade"), field_name="company__credit_grade", choices=CreditGrade.choices
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("submitted_at", "submitted"),
            ("stage_due_at", "due"),
            ("requested_amount", "amount"),
            ("reference", "reference"),
            ("status", "status"),
        ),
    )

    class Meta:
        model = Application
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            agencies = user.organizations_for(Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR)
            self.filters["program"].queryset = Program.objects.filter(agency__in=agencies).order_by("name")
            self.filters["assignee"].queryset = User.objects.filter(
                memberships__organization__in=agencies, memberships__role=Role.CASE_OFFICER
            ).distinct()

    def filter_view(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee=self.user, status__in=OPEN_STATUSES)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
        if value == "overdue":
            return queryset.filter(overdue_q())
        if value == "awaiting":
            return queryset.filter(status=Status.RECOMMENDED).exclude(
                recommendations__recommended_by=self.user
            )
        return queryset

    def filter_text(self, queryset, name, value):
        value = value.replace("\x00", "").strip()
        return queryset.filter(case_text_q(value)) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_due_within(self, queryset, name, value):
        limit = timezone.now() + timedelta(days=int(value))
        return queryset.filter(status__in=OPEN_STATUSES, stage_due_at__lte=limit)
