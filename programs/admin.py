from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .market import with_flow_growth, with_stock_growth
from .models import (
    TECHNOLOGY_GRADES,
    EligibilityRule,
    GuaranteeTier,
    IPType,
    MarketOutstanding,
    MarketTarget,
    MarketVolume,
    Program,
    RuleKind,
    Stage,
)

MONEY_FIELDS = [
    "min_amount",
    "max_amount",
    "valuation_subsidy_cap",
    "budget_envelope",
    "valuation_budget",
    "company_exposure_ceiling",
    "annual_volume_target",
]


def _is_list_of_text(value):
    return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)


class ProgramForm(forms.ModelForm):
    """Every term an administrator types is checked here, so that a bad one comes back as the field's error: the
    database constraints on the budget counters would otherwise refuse the row with a 500 (the counters are not
    form fields, so Django's own constraint validation skips those constraints)."""

    class Meta:
        model = Program
        fields = "__all__"  # noqa: DJ007  (the budget counters are readonly_fields in the admin)

    def clean(self):
        data = super().clean()
        errors = {
            **self._rate_errors(data),
            **self._list_errors(data),
            **self._money_errors(data),
        }
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            errors["closes_on"] = _("The window closes before it opens.")
        levels = data.get("service_levels") or {}
        if (
            not isinstance(levels, dict)
            or set(levels) - set(Stage.values)
            or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in levels.values())
        ):
            errors["service_levels"] = _("A mapping of stage to positive days; stages: %(stages)s") % {
                "stages": ", ".join(Stage.values)
            }
        if errors:
            raise ValidationError(errors)
        return data

    @staticmethod
    def _rate_errors(data):
        errors = {}
        if (
            data.get("subsidised_interest_rate") is not None
            and data.get("base_interest_rate") is not None
            and data["subsidised_interest_rate"] > data["base_interest_rate"]
        ):
            errors["subsidised_interest_rate"] = _("The subsidised rate cannot exceed the base rate.")
        if (data.get("guarantee_coverage_min") or 0) > (data.get("guarantee_coverage_max") or 0):
            errors["guarantee_coverage_max"] = _("The highest coverage tier must be at least the lowest.")
        if (data.get("guarantee_fee_min") or 0) > (data.get("guarantee_fee_max") or 0):
            errors["guarantee_fee_max"] = _("The highest fee must be at least the lowest.")
        return errors

    @staticmethod
    def _list_errors(data):
        errors = {}
        types = data.get("accepted_ip_types") or []
        if not _is_list_of_text(types):
            errors["accepted_ip_types"] = _('A list of IP types, e.g. ["patent", "trademark"].')
        elif set(types) - set(IPType.values):
            errors["accepted_ip_types"] = _("Unknown IP types: %(types)s (known: %(known)s)") % {
                "types": ", ".join(sorted(set(types) - set(IPType.values))),
                "known": ", ".join(IPType.values),
            }
        if not _is_list_of_text(data.get("required_documents") or []):
            errors["required_documents"] = _('A list of document names, e.g. ["Financial statements"].')
        return errors

    def _money_errors(self, data):
        errors = {
            name: _("Cannot be negative.")
            for name in MONEY_FIELDS
            if data.get(name) is not None and data[name] < 0
        }
        program = self.instance
        envelope, valuation_budget = data.get("budget_envelope"), data.get("valuation_budget")
        if envelope is not None and envelope < program.budget_committed + program.budget_used:
            errors["budget_envelope"] = _("The envelope cannot be below what is already committed and used.")
        if valuation_budget is not None and valuation_budget < program.valuation_budget_used:
            errors["valuation_budget"] = _(
                "The valuation budget cannot be below what is already used (%(used)s)."
            ) % {"used": program.valuation_budget_used}
        return errors


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value):
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)).is_finite() and Decimal(str(value)) >= 0
    except InvalidOperation:
        return False


# The parameters each rule kind reads (programs/eligibility.py) and what each must be: a typo or a text where a
# number belongs was saved and then broke every applicant's eligibility check.
PARAMETERS = {
    RuleKind.COMPANY_SIZE: {"max_employees": _whole, "min_employees": _whole, "max_revenue": _number},
    RuleKind.CREDIT_GRADE: {"allowed": _is_list_of_text},
    RuleKind.SECTOR: {"allowed": _is_list_of_text},
    RuleKind.IP_REMAINING_LIFE: {"min_years": _number},
    RuleKind.REVENUE_GROWTH: {"min_rate": _number, "years": _whole},
    RuleKind.TECHNOLOGY_GRADE: {"min_grade": lambda value: value in TECHNOLOGY_GRADES},
    RuleKind.IP_TYPES: {
        "allowed": lambda value: _is_list_of_text(value) and set(value) <= set(IPType.values)
    },
    RuleKind.EXPOSURE_CEILING: {},
}


class EligibilityRuleForm(forms.ModelForm):
    class Meta:
        model = EligibilityRule
        fields = "__all__"  # noqa: DJ007

    def clean(self):
        data = super().clean()
        parameters = data.get("parameters")
        if parameters is None or "parameters" in self.errors:
            return data
        if not isinstance(parameters, dict):
            self.add_error("parameters", _('A JSON object, e.g. {"max_employees": 300}.'))
            return data
        checks = PARAMETERS.get(data.get("kind"))
        if checks is None:
            return data  # a kind this form does not know checks its own parameters
        unknown = sorted(set(parameters) - set(checks))
        wrong = sorted(
            key for key, check in checks.items() if key in parameters and not check(parameters[key])
        )
        if unknown:
            self.add_error(
                "parameters",
                _("Unknown parameters %(unknown)s; this kind reads %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(checks) or "none"},
            )
        if wrong:
            self.add_error("parameters", _("Invalid values for %(keys)s.") % {"keys": ", ".join(wrong)})
        return data


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    form = EligibilityRuleForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["kind"].choices = RuleKind.choices
        return formset


class GuaranteeTierForm(forms.ModelForm):
    class Meta:
        model = GuaranteeTier
        fields = "__all__"  # noqa: DJ007

    def clean_grades(self):
        grades = self.cleaned_data.get("grades") or []
        if not _is_list_of_text(grades) or set(grades) - set(TECHNOLOGY_GRADES):
            raise ValidationError(
                _('A list of technology grades, e.g. ["A", "BBB"] (empty: every grade); known: %(known)s')
                % {"known": ", ".join(TECHNOLOGY_GRADES)}
            )
        return grades


class GuaranteeTierInline(admin.TabularInline):
    """The program's published tier table: coverage and fee by technology grade, growth group and term."""

    model = GuaranteeTier
    form = GuaranteeTierForm
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = ProgramForm
    list_display = [
        "code",
        "name",
        "agency",
        "kind",
        "currency",
        "budget_envelope",
        "budget_committed",
        "budget_used",
        "is_published",
    ]
    list_filter = ["kind", "currency", "is_published", "agency"]
    search_fields = ["code", "name"]
    filter_horizontal = ["partner_lenders", "valuer_panel", "officers"]
    readonly_fields = ["budget_committed", "budget_used", "valuation_budget_used"]
    inlines = [EligibilityRuleInline, GuaranteeTierInline]


class WithGrowthMixin:
    """A change list whose rows carry their year-on-year growth, computed for the page in one query."""

    annotate_rows = None

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = type(self).annotate_rows(changelist.result_list)
        return changelist

    @admin.display(description=_("year on year"))
    def year_on_year(self, row):
        growth = getattr(row, "growth", None)
        return "—" if growth is None else f"{growth * 100:+.1f} %"


@admin.register(MarketVolume)
class MarketVolumeAdmin(WithGrowthMixin, admin.ModelAdmin):
    """Flows: the market's lending over a period."""

    annotate_rows = staticmethod(with_flow_growth)
    list_display = ["country", "period_start", "period_end", "amount", "currency", "year_on_year", "source"]
    list_filter = ["country"]
    search_fields = ["country", "source"]


@admin.register(MarketOutstanding)
class MarketOutstandingAdmin(WithGrowthMixin, admin.ModelAdmin):
    """Stocks: the market's lending outstanding on a date."""

    annotate_rows = staticmethod(with_stock_growth)
    list_display = ["country", "as_of", "amount", "currency", "year_on_year", "source"]
    list_filter = ["country"]
    search_fields = ["country", "source"]


@admin.register(MarketTarget)
class MarketTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "amount", "currency", "due"]
    list_filter = ["country"]
    search_fields = ["name", "country", "source"]
