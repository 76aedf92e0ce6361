from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import EligibilityRuleForm, GuaranteeTierForm, ProgramForm
from .market import with_flow_growth, with_stock_growth
from .models import (
    EligibilityRule,
    GuaranteeTier,
    MarketOutstanding,
    MarketTarget,
    MarketVolume,
    Program,
    RuleKind,
)


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    form = EligibilityRuleForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["kind"].choices = RuleKind.choices
        return formset


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
