"""The forms that set up a program: its terms (admin and the agency's staff page), eligibility rules and guarantee
tiers. Every term is checked here, so that a bad one comes back as the field's error, never a 500."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import TECHNOLOGY_GRADES, EligibilityRule, GuaranteeTier, IPType, Program, RuleKind, Stage

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


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SETUP_FIELDS = [
    "agency",
    "code",
    "name",
    "kind",
    "country",
    "currency",
    "purpose",
    "who_can_apply",
    "min_amount",
    "max_amount",
    "max_advance_rate",
    "base_interest_rate",
    "subsidised_interest_rate",
    "max_term_months",
    "guarantee_coverage_min",
    "guarantee_coverage_max",
    "guarantee_fee_min",
    "guarantee_fee_max",
    "valuation_subsidy_share",
    "valuation_subsidy_cap",
    "default_threshold_days",
    "allows_valuation_waiver",
    "pledge_registration_required",
    "accepted_ip_types",
    "required_documents",
    "opens_on",
    "closes_on",
    "budget_envelope",
    "valuation_budget",
    "company_exposure_ceiling",
    "annual_volume_target",
    "partner_lenders",
    "valuer_panel",
    "officers",
    "is_published",
]
PANELS = ("partner_lenders", "valuer_panel", "officers")


class ProgramSetupForm(ProgramForm):
    """The agency's staff page for a program: every term, the service level of each stage as a number of days, the
    accepted IP types as boxes, the documents one a line, the bank, valuer and officer panels."""

    accepted_ip_types = forms.MultipleChoiceField(
        label=_("accepted IP types"), choices=IPType.choices, widget=forms.CheckboxSelectMultiple
    )
    required_documents = forms.CharField(
        label=_("required documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One document a line."),
    )

    class Meta:
        model = Program
        fields = SETUP_FIELDS
        labels = {"max_advance_rate": _("Value-based cap: at most this share of the appraised IP value")}
        widgets = {
            "opens_on": DATE,
            "closes_on": DATE,
            "partner_lenders": forms.CheckboxSelectMultiple,
            "valuer_panel": forms.CheckboxSelectMultiple,
            "officers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, agencies, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].empty_label = None
        self.fields["officers"].queryset = officers
        for stage, label in Stage.choices:
            self.fields[f"service_level_{stage}"] = forms.IntegerField(
                label=_("Service level: %(stage)s (days)") % {"stage": label}, required=False, min_value=1
            )
            self.initial.setdefault(f"service_level_{stage}", (self.instance.service_levels or {}).get(stage))
        if self.instance.pk:
            self.fields["agency"].disabled = True
            self.fields["code"].disabled = True  # it prefixes the case references already issued
            self.initial["required_documents"] = "\n".join(self.instance.required_documents or [])

    def clean_required_documents(self):
        return [line.strip() for line in self.cleaned_data["required_documents"].splitlines() if line.strip()]

    def clean(self):
        self.cleaned_data["service_levels"] = {
            stage: self.cleaned_data[f"service_level_{stage}"]
            for stage in Stage.values
            if self.cleaned_data.get(f"service_level_{stage}")
        }
        return super().clean()

    def terms(self) -> dict:
        """The program's own fields, as the service takes them (the panels apart)."""
        names = [n for n in SETUP_FIELDS if n not in PANELS and n != "agency"] + ["service_levels"]
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def panels(self) -> dict:
        return {name: list(self.cleaned_data[name]) for name in PANELS}


class _OrderOptional:
    """The order of a row may be left empty: it is then 0 (rows of equal order keep the order they were added in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False

    def clean_order(self):
        return self.cleaned_data.get("order") or 0


class RuleSetupForm(_OrderOptional, EligibilityRuleForm):
    class Meta:
        model = EligibilityRule
        fields = ["kind", "parameters", "explanation", "group", "order"]
        widgets = {"parameters": forms.Textarea(attrs={"rows": 2})}


class TierSetupForm(_OrderOptional, GuaranteeTierForm):
    class Meta:
        model = GuaranteeTier
        fields = [
            "name",
            "grades",
            "growth_group",
            "min_term_months",
            "max_term_months",
            "coverage_ratio",
            "fee_rate",
            "order",
        ]
        widgets = {"grades": forms.TextInput}
