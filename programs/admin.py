from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import EligibilityRule, IPType, MarketTarget, MarketVolume, Program, RuleKind, Stage


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = "__all__"  # noqa: DJ007  (the budget counters are readonly_fields in the admin)

    def clean(self):
        data = super().clean()
        errors = {}
        if (
            data.get("subsidised_interest_rate") is not None
            and data.get("base_interest_rate") is not None
            and data["subsidised_interest_rate"] > data["base_interest_rate"]
        ):
            errors["subsidised_interest_rate"] = "The subsidised rate cannot exceed the base rate."
        if (data.get("guarantee_coverage_min") or 0) > (data.get("guarantee_coverage_max") or 0):
            errors["guarantee_coverage_max"] = "The highest coverage tier must be at least the lowest."
        if (data.get("guarantee_fee_min") or 0) > (data.get("guarantee_fee_max") or 0):
            errors["guarantee_fee_max"] = "The highest fee must be at least the lowest."
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            errors["closes_on"] = "The window closes before it opens."
        unknown_types = set(data.get("accepted_ip_types") or []) - set(IPType.values)
        if unknown_types:
            errors["accepted_ip_types"] = f"Unknown IP types: {', '.join(sorted(unknown_types))}"
        levels = data.get("service_levels") or {}
        if (
            not isinstance(levels, dict)
            or set(levels) - set(Stage.values)
            or any(not isinstance(v, int) or v <= 0 for v in levels.values())
        ):
            errors["service_levels"] = (
                f"A mapping of stage to positive days; stages: {', '.join(Stage.values)}"
            )
        if (
            self.instance.pk
            and data.get("budget_envelope") is not None
            and data["budget_envelope"] < self.instance.budget_committed + self.instance.budget_used
        ):
            errors["budget_envelope"] = "The envelope cannot be below what is already committed and used."
        if errors:
            raise ValidationError(errors)
        return data


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["kind"].choices = RuleKind.choices
        return formset


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
    inlines = [EligibilityRuleInline]


@admin.register(MarketVolume)
class MarketVolumeAdmin(admin.ModelAdmin):
    list_display = ["country", "period_start", "period_end", "amount", "currency", "source"]
    list_filter = ["country"]


@admin.register(MarketTarget)
class MarketTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "amount", "currency", "due"]
    list_filter = ["country"]
