"""Funds in the admin: mother funds with their declared size, sub-funds in any currency, the licence history.
Every save goes through funds.services (the admin is one more caller); the ledger and the deals are read here and
written by the managers on the fund pages."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import CashFlow, Deal, Fund, LicenceEvent

CREATION_ONLY = ["parent", "currency", "size", "public_commitment", "private_commitment"]


def _errors_of(exc):
    """A DomainError as the form's errors: on the fields it names, else for the whole form."""
    named = {field: messages for field, messages in (exc.details or {}).items() if isinstance(messages, list)}
    return ValidationError(named or exc.message) if named else ValidationError(exc.message)


class FundForm(forms.ModelForm):
    committed_on = forms.DateField(
        label=_("commitment date"),
        required=False,
        help_text=_(
            "A sub-fund in another currency than its mother fund's: the day of the rate (default today)."
        ),
    )

    class Meta:
        model = Fund
        fields = [
            "parent",
            "name",
            "agency",
            "manager",
            "currency",
            "size",
            "public_commitment",
            "private_commitment",
            "vintage",
            "investment_period_start",
            "investment_period_end",
            "term_years",
            "category",
            "management_fee_rate",
            "min_overseas_revenue_share",
            "min_main_purpose_share",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" not in self.fields:  # (a view-only page has no fields)
            return
        self.fields["parent"].queryset = Fund.objects.filter(parent__isnull=True)
        self.fields["parent"].help_text = _("Empty for a mother fund.")
        for name in ("public_commitment", "private_commitment"):
            self.fields[name].required = False  # a sub-fund's split; a mother fund has none
        if self.instance.pk:
            for name in CREATION_ONLY:
                if name in self.fields and (self.instance.is_sub_fund or name != "size"):
                    self.fields[name].disabled = True
            self.fields["committed_on"].disabled = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk:
            self._clean_change(data)
        elif data.get("parent") is None:
            if data.get("agency") is None:
                self.add_error("agency", _("A mother fund is anchored by an agency."))
        else:
            self._clean_sub_fund(data)
        return data

    def _clean_change(self, data):
        """A mother fund's declared size stays at or above what is committed to its sub-funds."""
        fund = self.instance
        if (
            not fund.is_sub_fund
            and data.get("size") is not None
            and data["size"] < fund.committed_to_sub_funds
        ):
            self.add_error(
                "size",
                _("At least %(committed)s %(currency)s: already committed to sub-funds.")
                % {"committed": fund.committed_to_sub_funds, "currency": fund.currency},
            )

    def _clean_sub_fund(self, data):
        """A new sub-fund: a manager, commitments that add up, and room left in the mother fund."""
        parent = data["parent"]
        if data.get("manager") is None:
            self.add_error("manager", _("A sub-fund has a manager."))
        public, private = data.get("public_commitment") or 0, data.get("private_commitment") or 0
        if public + private != data["size"]:
            self.add_error("private_commitment", _("Public and private commitments must add up to the size."))
            return
        try:  # the service's own check of the room left, so that a refusal keeps what was typed
            counted, _rate = services.commitment_in_mother_currency(
                mother=parent,
                amount=data["size"],
                currency=data["currency"],
                on=data.get("committed_on") or timezone.localdate(),
            )
        except DomainError as exc:
            raise _errors_of(exc)
        if counted > parent.room_left:
            self.add_error(
                "size",
                _("The mother fund has %(room)s %(currency)s left; this commitment counts %(counted)s.")
                % {"room": parent.room_left, "currency": parent.currency, "counted": counted},
            )


class LicenceEventInline(admin.TabularInline):
    model = LicenceEvent
    extra = 0
    fields = ["effective_on", "state", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ServiceErrorsAsMessagesMixin:
    """A refusal the form could not foresee (two people committing the last room at once) is shown as a message
    on the page instead of a 500."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Fund)
class FundAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = FundForm
    list_display = [
        "name",
        "parent",
        "currency",
        "size",
        "committed_to_sub_funds",
        "parent_commitment",
        "deployed_total",
        "manager",
        "licence_state",
    ]
    list_filter = [("parent", admin.EmptyFieldListFilter), "currency", "licence_state"]
    search_fields = ["name", "manager__name", "agency__name", "category"]
    list_select_related = ["parent", "manager"]
    autocomplete_fields = ["agency", "manager"]
    readonly_fields = [
        "committed_to_sub_funds",
        "parent_commitment",
        "parent_rate",
        "deployed_total",
        "reserved_total",
        "licence_state",
        "licence_changed_on",
    ]
    inlines = [LicenceEventInline]

    def get_fields(self, request, obj=None):
        return [*FundForm.Meta.fields, "committed_on", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            editable = services.SUB_FUND_TERMS if obj.is_sub_fund else services.MOTHER_FUND_TERMS | {"size"}
            saved = services.fund_update(
                fund=obj,
                actor=request.user,
                **{name: data[name] for name in form.changed_data if name in editable},
            )
        elif data.get("parent") is not None:
            terms = {
                name: data[name]
                for name in FundForm.Meta.fields
                if name not in ("parent", "agency") and data[name] is not None
            }
            saved = services.sub_fund_create(
                parent=data["parent"], actor=request.user, committed_on=data.get("committed_on"), **terms
            )
        else:
            terms = {
                name: data[name]
                for name in services.MOTHER_FUND_TERMS - {"agency", "name"} | {"category"}
                if data.get(name) not in (None, "")
            }
            saved = services.mother_fund_create(
                actor=request.user,
                agency=data["agency"],
                name=data["name"],
                currency=data["currency"],
                size=data["size"],
                **terms,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False


class LicenceEventForm(forms.ModelForm):
    class Meta:
        model = LicenceEvent
        fields = ["fund", "state", "effective_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "fund" in self.fields:  # (a view-only page has no fields)
            self.fields["fund"].queryset = Fund.objects.filter(parent__isnull=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        fund, on = data["fund"], data["effective_on"]
        if on > timezone.localdate():
            self.add_error("effective_on", _("A licence change is recorded once it has taken effect."))
        elif services.licence_state_on(fund=fund, day=on) == data["state"]:
            self.add_error("state", _("The licence is already in this state on that day."))
        elif fund.licence_events.filter(effective_on=on).exists():
            self.add_error("effective_on", _("The licence already changed on that day."))
        return data


@admin.register(LicenceEvent)
class LicenceEventAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Licence changes are added, never edited: a mistaken one is followed by the right one."""

    form = LicenceEventForm
    list_display = ["fund", "state", "effective_on", "recorded_by", "recorded_at"]
    list_filter = ["state"]
    search_fields = ["fund__name", "note"]
    list_select_related = ["fund", "recorded_by"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        event = services.licence_change(
            fund=data["fund"],
            actor=request.user,
            state=data["state"],
            on=data["effective_on"],
            note=data["note"],
        )
        obj.pk = event.pk
        obj.refresh_from_db()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CashFlow)
class CashFlowAdmin(ReadOnlyAdmin):
    """The ledger, read-only: entries are recorded by the managers and reviewed on the fund pages."""

    list_display = ["fund", "date", "kind", "amount", "validation", "submitted_by"]
    list_filter = ["kind", "validation"]
    search_fields = ["fund__name", "description"]
    list_select_related = ["fund", "submitted_by"]
    date_hierarchy = "date"


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = ["name", "fund", "considered_on", "amount", "eligible"]
    list_filter = ["eligible"]
    search_fields = ["name", "fund__name"]
    list_select_related = ["fund"]
