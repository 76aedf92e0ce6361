from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES, MONEY

RATE = {"max_digits": 7, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


class ProgramKind(models.TextChoices):
    IP_COLLATERAL_LOAN = "ip_collateral_loan", _("IP-collateral loan")
    IP_GUARANTEED_LOAN = "ip_guaranteed_loan", _("IP-guaranteed loan")


class IPType(models.TextChoices):
    PATENT = "patent", _("Patent")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design")
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    SOFTWARE = "software", _("Software")
    GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")
    KNOW_HOW = "know_how", _("Know-how")


class Stage(models.TextChoices):
    """Stages that carry a service level (days), configured per program in ``Program.service_levels``."""

    SCREENING = "screening", _("Screening")
    INFO_REQUESTED = "info_requested", _("Information requested")
    VALUATION = "valuation", _("Valuation")
    CREDIT_REVIEW = "credit_review", _("Credit review")
    RECOMMENDED = "recommended", _("Decision")


class Program(models.Model):
    """A government IP-finance program: configured data, never code.

    Amounts are in ``currency``. Rates and shares are fractions (0.5 = 50%).
    """

    agency = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="programs",
        limit_choices_to={"kind": "agency"},
    )
    code = models.SlugField(
        _("code"), max_length=20, unique=True, help_text=_("Prefix of case references, e.g. KIPO")
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    who_can_apply = models.TextField(_("who can apply"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=ProgramKind.choices)
    country = models.CharField(_("country"), max_length=2, default="KR")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    min_amount = models.DecimalField(_("minimum amount"), **MONEY)
    max_amount = models.DecimalField(_("maximum amount"), **MONEY)
    max_advance_rate = models.DecimalField(_("maximum advance rate on appraised IP value"), **RATE)
    base_interest_rate = models.DecimalField(_("base interest rate"), **RATE)
    subsidised_interest_rate = models.DecimalField(_("subsidised interest rate"), **RATE)
    guarantee_coverage_min = models.DecimalField(_("guarantee coverage, lowest tier"), default=0, **RATE)
    guarantee_coverage_max = models.DecimalField(_("guarantee coverage, highest tier"), default=0, **RATE)
    guarantee_fee_min = models.DecimalField(_("annual guarantee fee, lowest"), default=0, **RATE)
    guarantee_fee_max = models.DecimalField(_("annual guarantee fee, highest"), default=0, **RATE)
    valuation_subsidy_share = models.DecimalField(_("valuation fee subsidy share"), default=0, **RATE)
    valuation_subsidy_cap = models.DecimalField(_("valuation fee subsidy cap per order"), default=0, **MONEY)
    service_levels = models.JSONField(
        _("service level in days per stage"),
        default=dict,
        blank=True,
        help_text=_('e.g. {"screening": 5, "valuation": 7}'),
    )
    default_threshold_days = models.PositiveIntegerField(_("days past due that mean default"), default=90)
    max_term_months = models.PositiveSmallIntegerField(
        _("maximum term (months)"), null=True, blank=True, help_text=_("Empty: the program sets no maximum")
    )
    allows_valuation_waiver = models.BooleanField(
        _("an approver may waive the valuation"),
        default=False,
        help_text=_("Credit review may start without an accepted valuation when an approver documents why."),
    )
    accepted_ip_types = models.JSONField(_("accepted IP types"), default=list, blank=True)
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    opens_on = models.DateField(_("application window opens"), null=True, blank=True)
    closes_on = models.DateField(_("application window closes"), null=True, blank=True)
    budget_envelope = models.DecimalField(_("budget envelope"), **MONEY)
    budget_committed = models.DecimalField(_("budget committed"), default=Decimal("0"), **MONEY)
    budget_used = models.DecimalField(_("budget used"), default=Decimal("0"), **MONEY)
    valuation_budget = models.DecimalField(_("valuation subsidy budget"), default=Decimal("0"), **MONEY)
    valuation_budget_used = models.DecimalField(
        _("valuation subsidy budget used"), default=Decimal("0"), **MONEY
    )
    company_exposure_ceiling = models.DecimalField(_("exposure ceiling per company, all programs"), **MONEY)
    annual_volume_target = models.DecimalField(_("annual volume target"), default=Decimal("0"), **MONEY)
    partner_lenders = models.ManyToManyField(
        "accounts.Organization",
        blank=True,
        related_name="lender_programs",
        limit_choices_to={"kind": "lender"},
    )
    valuer_panel = models.ManyToManyField(
        "accounts.Organization",
        blank=True,
        related_name="valuer_programs",
        limit_choices_to={"kind": "valuer"},
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="officer_programs",
        help_text=_("Round-robin assignment pool"),
    )
    pledge_registration_required = models.BooleanField(
        _("pledges registered with the IP office before disbursement"),
        default=False,
        help_text=_(
            "The bank disburses only once every pledge of the facility is registered with the IP office."
        ),
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_committed__gte=0)
                & Q(budget_used__gte=0)
                & Q(budget_committed__lte=F("budget_envelope") - F("budget_used")),
                name="program_budget_within_envelope",
            ),
            models.CheckConstraint(
                condition=Q(valuation_budget_used__gte=0)
                & Q(valuation_budget_used__lte=F("valuation_budget")),
                name="program_valuation_budget_within_envelope",
            ),
            models.CheckConstraint(condition=Q(min_amount__lte=F("max_amount")), name="program_min_le_max"),
        ]

    def __str__(self):
        return self.name

    def service_level_days(self, stage):
        """Days allowed for ``stage`` (None when the program sets no service level for it)."""
        value = (self.service_levels or {}).get(str(stage))
        return int(value) if value is not None else None


class RuleKind(models.TextChoices):
    COMPANY_SIZE = "company_size", _("Company size (employees, revenue)")
    CREDIT_GRADE = "credit_grade", _("Credit grade allowed")
    SECTOR = "sector", _("Sectors")
    IP_REMAINING_LIFE = "ip_remaining_life", _("Minimum remaining life of the pledged IP")
    REVENUE_GROWTH = "revenue_growth", _("Revenue growth")
    TECHNOLOGY_GRADE = "technology_grade", _("Minimum technology grade")
    IP_TYPES = "ip_types", _("IP types")
    EXPOSURE_CEILING = "exposure_ceiling", _("Exposure ceiling across programs")


class EligibilityRule(models.Model):
    """One eligibility condition of a program, as data, with the explanation shown to applicants.

    ``parameters`` by kind (all optional keys):
    - company_size: ``max_employees``, ``max_revenue``, ``min_employees``
    - credit_grade: ``allowed`` (list of grades)
    - sector: ``allowed`` (list of sector names)
    - ip_remaining_life: ``min_years``
    - revenue_growth: ``min_rate`` (0.2 = 20% a year), ``years`` (consecutive years)
    - technology_grade: ``min_grade`` (AAA … C)
    - ip_types: ``allowed`` (defaults to the program's accepted IP types)
    - exposure_ceiling: none (uses the program's ``company_exposure_ceiling``)
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="eligibility_rules")
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    explanation = models.CharField(_("explanation shown to applicants"), max_length=300)
    group = models.CharField(
        _("any-of group"),
        max_length=40,
        blank=True,
        help_text=_(
            "Rules sharing a group name are alternatives: the group passes when any one of them passes. "
            "Rules without a group must each pass."
        ),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "order", "id"]

    def __str__(self):
        return f"{self.program.code}: {self.get_kind_display()}"


class GrowthGroup(models.TextChoices):
    """The company's growth as guarantee agencies tier it, from its last two years of revenue."""

    HIGH = "high", _("High growth (revenue at least +20%)")
    GROWING = "growing", _("Growing (revenue up to +20%)")
    DECLINING = "declining", _("Declining revenue")
    UNKNOWN = "unknown", _("Growth not known (under two years of revenue)")


class GuaranteeTier(models.Model):
    """One row of a guarantee program's published table: the coverage and the annual fee for a technology
    grade band, a growth group and a range of terms. The first matching row (by ``order``) applies."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="guarantee_tiers")
    name = models.CharField(_("tier"), max_length=60)
    grades = models.JSONField(
        _("technology grades"), default=list, blank=True, help_text=_("Empty: every grade")
    )
    growth_group = models.CharField(
        _("growth group"), max_length=10, choices=GrowthGroup.choices, blank=True, help_text=_("Empty: any")
    )
    min_term_months = models.PositiveSmallIntegerField(_("from term (months)"), default=1)
    max_term_months = models.PositiveSmallIntegerField(_("to term (months)"), default=360)
    coverage_ratio = models.DecimalField(_("coverage"), **RATE)
    fee_rate = models.DecimalField(_("annual fee"), **RATE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_term_months__lte=F("max_term_months")), name="guarantee_tier_term_range"
            ),
            models.CheckConstraint(
                condition=Q(coverage_ratio__gt=0) & Q(coverage_ratio__lte=1), name="guarantee_tier_coverage"
            ),
        ]

    def __str__(self):
        return f"{self.program.code} {self.name}: {self.coverage_ratio:.0%} at {self.fee_rate:.2%}"


class ReferenceCounter(models.Model):
    """The last case number used per program and year (row-locked when a case is submitted)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "year"], name="reference_counter_unique")]

    def __str__(self):
        return f"{self.program.code}-{self.year}: {self.last_number}"


# The 9-step technology grade scale, best first (valuation reports grade IP on it).
TECHNOLOGY_GRADES = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"]


class MarketVolume(models.Model):
    """Lending secured on IP across a country's whole market over a period: published statistics, entered by the
    agency. The programs' own cases are only part of it; national targets are set on the market."""

    country = models.CharField(_("country"), max_length=2)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("volume"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "period_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="market_volume_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="market_volume_not_negative"),
            models.UniqueConstraint(fields=["country", "period_start"], name="market_volume_unique"),
        ]

    def __str__(self):
        return f"{self.country} {self.period_start}–{self.period_end}: {self.amount} {self.currency}"

    def clean(self):
        """Periods of one country may not overlap: the cumulative volume would count the overlap twice."""
        if not (self.period_start and self.period_end):
            return  # a missing date is reported by the field itself
        if self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})
        overlapping = (
            MarketVolume.objects.filter(
                country=self.country, period_start__lte=self.period_end, period_end__gte=self.period_start
            )
            .exclude(pk=self.pk)
            .first()
        )
        if overlapping:
            raise ValidationError(
                {"period_start": _("This period overlaps %(other)s.") % {"other": overlapping}}
            )


class MarketOutstanding(models.Model):
    """A stock: IP-secured lending outstanding across a country's market on a date (e.g. China's CNY 486.9 bn),
    beside the flows of MarketVolume. Its year-on-year growth is computed against the stock a year earlier
    (programs.market)."""

    country = models.CharField(_("country"), max_length=2)
    as_of = models.DateField(_("outstanding on"))
    amount = models.DecimalField(_("outstanding"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "as_of"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="market_outstanding_not_negative"),
            models.UniqueConstraint(fields=["country", "as_of"], name="market_outstanding_unique"),
        ]

    def __str__(self):
        return f"{self.country} {self.as_of}: {self.amount} {self.currency} outstanding"


class MarketTarget(models.Model):
    """A national target for the market's cumulative volume (counted from the first statistic) by a date."""

    country = models.CharField(_("country"), max_length=2)
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("cumulative volume targeted"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    due = models.DateField(_("by"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "due"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="market_target_positive")]

    def __str__(self):
        return f"{self.name} ({self.country}, by {self.due})"
