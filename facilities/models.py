"""The loan or guarantee an approved case becomes: pledges, schedule, disbursement, repayments, delinquency, default."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, Role
from audit.actions import Action
from core.money import MONEY
from core.transitions import SYSTEM, Move, Table

RATE = {"max_digits": 7, "decimal_places": 4}


class FacilityStatus(models.TextChoices):
    APPROVED = "approved", _("Approved, not disbursed")
    ACTIVE = "active", _("Active")
    DELINQUENT = "delinquent", _("Delinquent")
    DEFAULTED = "defaulted", _("Defaulted")
    CLAIM_PAID = "claim_paid", _("Guarantee claim paid")
    IN_DISPOSAL = "in_disposal", _("IP in disposal")
    REPAID = "repaid", _("Repaid")
    CLOSED = "closed", _("Closed")


LENDER = frozenset({Role.LENDER_OFFICER})
AGENCY = frozenset(AGENCY_ROLES)
CHECKER = frozenset({Role.APPROVER})
_S = FacilityStatus
AWAITING_DISPOSAL = (_S.DEFAULTED, _S.CLAIM_PAID, _S.IN_DISPOSAL)

# The facility's lifecycle. Moves with a second person are carried out by the checker of a money move
# (recoveries); the nightly job (SYSTEM) flips ACTIVE/DELINQUENT and declares default past the threshold.
TRANSITIONS = Table(
    "facility",
    [
        Move(_S.APPROVED, "disburse", _S.ACTIVE, LENDER, audit=Action.FACILITY_DISBURSED),
        Move(_S.ACTIVE, "delinquent", _S.DELINQUENT, frozenset({SYSTEM}), audit=Action.FACILITY_DELINQUENT),
        Move(
            _S.DELINQUENT,
            "current_again",
            _S.ACTIVE,
            frozenset({SYSTEM}),
            audit=Action.FACILITY_CURRENT_AGAIN,
        ),
        *(
            Move(source, "default", _S.DEFAULTED, LENDER | AGENCY | {SYSTEM}, audit=Action.FACILITY_DEFAULTED)
            for source in (_S.ACTIVE, _S.DELINQUENT)
        ),
        # the repayment that settles the last instalment closes the facility (its event is the repayment's)
        *(Move(source, "repaid", _S.REPAID, LENDER) for source in (_S.ACTIVE, _S.DELINQUENT)),
        Move(_S.DEFAULTED, "claim_paid", _S.CLAIM_PAID, CHECKER, True, Action.RECOVERY_CLAIM_PAID),
        *(
            Move(source, "dispose", _S.IN_DISPOSAL, AGENCY, audit=Action.RECOVERY_DISPOSAL_OPENED)
            for source in AWAITING_DISPOSAL
        ),
        Move(_S.IN_DISPOSAL, "close", _S.CLOSED, CHECKER, True, Action.RECOVERY_CLOSED),
        *(
            Move(source, "write_off", _S.CLOSED, CHECKER, True, Action.RECOVERY_WRITTEN_OFF)
            for source in AWAITING_DISPOSAL
        ),
    ],
)

# Why a facility is declared in default before the program's days-past-due threshold (kept short and coded, as
# banks report them). THRESHOLD is the nightly job's own reason: the threshold was crossed.
THRESHOLD = "DPD"
DEFAULT_REASONS = {
    "D10": _("Insolvency or bankruptcy proceedings"),
    "D20": _("The business has closed or stopped trading"),
    "D30": _("Fraud or misrepresentation"),
    "D40": _("Loan accelerated for a breach of covenant"),
    "D50": _("The borrower declared it cannot pay"),
}


LIVE = frozenset(
    {
        FacilityStatus.APPROVED,
        FacilityStatus.ACTIVE,
        FacilityStatus.DELINQUENT,
        FacilityStatus.DEFAULTED,
        FacilityStatus.CLAIM_PAID,
        FacilityStatus.IN_DISPOSAL,
    }
)


class Facility(models.Model):
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="facility"
    )
    lender = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(max_length=30)  # the program's kind: ip_collateral_loan or ip_guaranteed_loan
    currency = models.CharField(max_length=3)
    principal = models.DecimalField(**MONEY)
    base_rate = models.DecimalField(**RATE)
    subsidised_rate = models.DecimalField(**RATE)
    term_months = models.PositiveSmallIntegerField()
    schedule_type = models.CharField(
        max_length=20,
        choices=[
            ("annuity", _("Annuity")),
            ("equal_principal", _("Equal principal")),
            ("bullet", _("Bullet")),
        ],
    )
    coverage_ratio = models.DecimalField(default=0, **RATE)
    guarantee_fee_rate = models.DecimalField(default=0, **RATE)
    guarantee_tier = models.ForeignKey(
        "programs.GuaranteeTier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The row of the program's tier table the coverage and fee came from"),
    )
    terms_override_reason = models.CharField(
        _("why the tier's terms were overridden"), max_length=300, blank=True
    )
    terms_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=FacilityStatus.choices, default=FacilityStatus.APPROVED, db_index=True
    )
    disbursed_on = models.DateField(null=True, blank=True)
    days_past_due = models.PositiveIntegerField(default=0)
    dpd_bucket = models.CharField(max_length=10, default="current")
    defaulted_on = models.DateField(null=True, blank=True)
    default_reason = models.CharField(max_length=300, blank=True)
    exposure_at_default = models.DecimalField(null=True, blank=True, **MONEY)
    closed_on = models.DateField(null=True, blank=True)
    written_off_amount = models.DecimalField(
        null=True, blank=True, help_text=_("The loss written off when the facility closed"), **MONEY
    )
    written_off_on = models.DateField(null=True, blank=True)
    interest_subsidy = models.DecimalField(
        null=True,
        blank=True,
        help_text=_("What the subsidised rate costs over the schedule, fixed at disbursement."),
        **MONEY,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "facilities"

    def __str__(self):
        return f"Facility {self.application.reference}"

    @property
    def is_guaranteed(self):
        return self.kind == "ip_guaranteed_loan"


class Installment(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal = models.DecimalField(**MONEY)
    interest = models.DecimalField(**MONEY)
    paid_principal = models.DecimalField(default=0, **MONEY)
    paid_interest = models.DecimalField(default=0, **MONEY)

    class Meta:
        ordering = ["facility", "number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="installment_number_unique")
        ]

    def __str__(self):
        return f"{self.facility} #{self.number}"

    @property
    def settled(self):
        return self.paid_principal >= self.principal and self.paid_interest >= self.interest


class Disbursement(models.Model):
    """A tranche of the facility's principal paid out (the whole principal at once, or several tranches up to it,
    an R&D loan drawing on its milestones); the idempotency key makes a retry return the same row.

    Keys are the bank's own: unique per lender, so that two banks choosing the same key never meet."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="disbursements")
    lender = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", editable=False
    )
    amount = models.DecimalField(**MONEY)
    disbursed_on = models.DateField()
    idempotency_key = models.CharField(max_length=100)
    milestone = models.CharField(_("milestone"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "disbursed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lender", "idempotency_key"], name="disbursement_key_per_lender"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive"),
        ]

    def __str__(self):
        return f"{self.facility}: {self.amount}"


class Repayment(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="repayments")
    paid_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=100, help_text=_("The bank's own reference; unique per facility"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "paid_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "reference"], name="repayment_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive"),
        ]

    def __str__(self):
        return f"{self.facility} {self.paid_on} {self.amount}"


class Pledge(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="pledges")
    asset = models.ForeignKey("applications.IPAsset", on_delete=models.PROTECT, related_name="pledges")
    registration_reference = models.CharField(max_length=100)
    registered_on = models.DateField()
    live = models.BooleanField(default=True)
    released_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(live=True), name="one_live_pledge_per_asset"
            ),
        ]

    def __str__(self):
        return f"{self.asset} → {self.facility}"


class FacilityEvent(models.Model):
    """Restructurings and other reports from the bank, kept as notes on the facility."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.facility}: {self.kind}"


class ScheduleVersion(models.Model):
    """One version of a facility's schedule: made at the first disbursement, again at each later tranche and each
    confirmed restructuring. ``rows`` keeps the whole schedule as it stood when this version was made (the live
    instalments are the last version's); ``segment`` holds the terms the version's new rows were computed on."""

    class Reason(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        TRANCHE = "tranche", _("Tranche")
        RESTRUCTURING = "restructuring", _("Restructuring")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="schedule_versions")
    number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    effective_on = models.DateField()
    segment = models.JSONField(default=dict)
    rows = models.JSONField(default=list)
    interest_subsidy = models.DecimalField(**MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "number"]
        constraints = [models.UniqueConstraint(fields=["facility", "number"], name="schedule_version_unique")]

    def __str__(self):
        return f"{self.facility} v{self.number}"


class RestructuringStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class Restructuring(models.Model):
    """The bank proposes new terms (grace, a longer term, a new rate); the program's agency confirms them and the
    schedule is rebuilt from the outstanding balance, or refuses them with a reason. One proposal open at a time."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="restructurings")
    status = models.CharField(
        max_length=10, choices=RestructuringStatus.choices, default=RestructuringStatus.PROPOSED
    )
    grace_months = models.PositiveSmallIntegerField(default=0)
    extension_months = models.PositiveSmallIntegerField(default=0)
    new_rate = models.DecimalField(null=True, blank=True, **RATE)
    reason = models.TextField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    version = models.OneToOneField(
        ScheduleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="restructuring"
    )

    class Meta:
        ordering = ["facility", "-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility"],
                condition=Q(status="proposed"),
                name="one_open_restructuring_per_facility",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="restructuring_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.facility}: restructuring {self.status}"


# The restructuring's lifecycle: the facility's bank proposes (the row is created PROPOSED); an approver of the
# program's agency, another person than the proposer, confirms (the schedule is rebuilt) or refuses.
RESTRUCTURING_TRANSITIONS = Table(
    "restructuring",
    [
        Move(
            RestructuringStatus.PROPOSED,
            "confirm",
            RestructuringStatus.CONFIRMED,
            CHECKER,
            True,
            "facility.restructured",
        ),
        Move(
            RestructuringStatus.PROPOSED,
            "refuse",
            RestructuringStatus.REFUSED,
            CHECKER,
            True,
            "facility.restructuring_refused",
        ),
    ],
)
