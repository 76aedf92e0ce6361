"""The dated exchange rates (the one table every conversion reads) and the report runs, in the admin."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from .models import ExchangeRate, Report, ReportRun
from .rates import exchange_rate_record

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class ExchangeRateForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    quote_currency = forms.ChoiceField(choices=CURRENCY_CHOICES)

    class Meta:
        model = ExchangeRate
        fields = ["currency", "quote_currency", "rate", "as_of", "source"]

    def clean(self):
        data = super().clean()
        if data.get("currency") and data.get("currency") == data.get("quote_currency"):
            self.add_error("quote_currency", _("A rate is between two different currencies."))
        if data.get("rate") is not None and data["rate"] <= 0:
            self.add_error("rate", _("A positive number."))
        return data


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates are entered, never edited (reports already generated name the rate they used): a wrong rate is deleted
    and entered again. Who entered each rate is kept."""

    form = ExchangeRateForm
    list_display = ["as_of", "currency", "quote_currency", "rate", "source", "entered_by", "entered_at"]
    list_filter = ["currency", "quote_currency"]
    search_fields = ["currency", "quote_currency", "source"]
    date_hierarchy = "as_of"
    list_select_related = ["entered_by"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        row = exchange_rate_record(
            actor=request.user, **{name: data[name] for name in ExchangeRateForm.Meta.fields}
        )
        obj.pk = row.pk
        obj.refresh_from_db()

    def add_view(self, request, *args, **kwargs):
        try:
            return super().add_view(request, *args, **kwargs)
        except DomainError as exc:  # entered by someone else meanwhile
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Runs are requested from the report pages and moved by the tasks: read here."""

    list_display = ["kind", "scope", "period_start", "period_end", "status", "attempts", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["kind", "scope", "error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "scope", "period_end", "generated_at"]
    list_filter = ["kind"]
    search_fields = ["title", "scope"]
    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
