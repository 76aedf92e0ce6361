from datetime import date

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES
from programs.models import IPType

from .models import CreditGrade, IPAsset, IPAssetStatus
from .validators import COMPANY_NUMBER_FORMATS, REGISTRY_FORMATS

MAX_AMOUNT = 10**17
# Countries and IP offices by their names in the reader's language, the code beside them.
PLACE_NAMES = {
    "KR": _("Republic of Korea"),
    "CN": _("China"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
    "EP": _("European Patent Office"),
}


def _place_choices(codes):
    return [(code, format_lazy("{} ({})", PLACE_NAMES.get(code, code), code)) for code in codes]


def revenue_years(today=None):
    """The four most recent closed years: three years of growth need four revenues."""
    last = (today or date.today()).year - 1
    return [last - 3, last - 2, last - 1, last]


class CompanyForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=_place_choices(COMPANY_NUMBER_FORMATS))
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=40,
        help_text=_("KR 123-45-67890 · CN 18-character code · GB 01234567 · US 12-3456789"),
    )
    sector = forms.CharField(label=_("Sector"), max_length=100)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, max_value=10_000_000)
    credit_grade = forms.ChoiceField(
        label=_("Credit grade"), choices=[("", "—"), *CreditGrade.choices], required=False
    )
    currency = forms.ChoiceField(
        label=_("Currency of the revenue figures"),
        choices=CURRENCY_CHOICES,
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        for year in revenue_years():
            self.fields[f"revenue_{year}"] = forms.DecimalField(
                label=_("Revenue %(year)s") % {"year": year},
                required=False,
                min_value=0,
                max_digits=20,
                decimal_places=2,
            )
        if editing:
            for name in ("country", "registration_number"):
                self.fields[name].disabled = True

    def revenues(self):
        return {year: self.cleaned_data.get(f"revenue_{year}") for year in revenue_years()}


class IPAssetForm(forms.ModelForm):
    jurisdiction = forms.ChoiceField(label=_("IP office"), choices=_place_choices(REGISTRY_FORMATS))

    class Meta:
        model = IPAsset
        fields = [
            "ip_type",
            "jurisdiction",
            "registry_number",
            "title",
            "filing_date",
            "grant_date",
            "expiry_date",
            "status",
            "owner_name",
        ]
        widgets = {
            f: forms.DateInput(attrs={"type": "date"}) for f in ("filing_date", "grant_date", "expiry_date")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ip_type"].choices = IPType.choices
        self.fields["status"].choices = IPAssetStatus.choices

    def validate_unique(self):
        """Uniqueness is the service's to check (with a clear message)."""


class AmountForm(forms.Form):
    requested_amount = forms.DecimalField(
        label=_("Amount requested"), min_value=1, max_value=MAX_AMOUNT, max_digits=20, decimal_places=2
    )
    purpose = forms.CharField(
        label=_("Purpose of the financing"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class AssetsForm(forms.Form):
    ip_assets = forms.ModelMultipleChoiceField(
        label=_("IP assets offered"), queryset=IPAsset.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ip_assets"].queryset = company.ip_assets.all()


class DocumentForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"))
    file = forms.FileField(label=_("File (PDF, PNG, JPEG or XLSX, up to 20 MB)"))

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = [(d, d) for d in program.required_documents or []] + [
            ("other", _("Other"))
        ]


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=_(
            "I declare that the information given is true and complete, and that the company owns the IP assets offered."
        ),
        required=True,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000)


class ColleagueForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"))


class AcceptForm(forms.Form):
    leave_current = forms.BooleanField(
        label=_("I leave the company I act for now (a person acts for one company at a time)"), required=False
    )
