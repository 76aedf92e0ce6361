from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role
from audit.actions import Action
from core.money import MONEY
from core.transitions import Move, Table
from programs.models import IPType


class CreditGrade(models.TextChoices):
    """Company credit grades, best first. BB and below count as low credit."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    CCC = "CCC", "CCC"
    CC = "CC", "CC"
    C = "C", "C"
    D = "D", "D"


LOW_CREDIT_GRADES = frozenset({"BB", "B", "CCC", "CC", "C", "D"})


class Company(models.Model):
    """An SME's profile. Its users are the members of ``organization``."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.PROTECT, related_name="company"
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=40)
    country = models.CharField(_("country"), max_length=2, default="KR")
    region = models.CharField(_("region"), max_length=100, blank=True)
    sector = models.CharField(_("sector"), max_length=100)
    employees = models.PositiveIntegerField(_("employees"))
    credit_grade = models.CharField(_("credit grade"), max_length=3, choices=CreditGrade.choices, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"], name="company_registration_unique"
            ),
        ]

    def __str__(self):
        return self.legal_name


class CompanyFinancialYear(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="financial_years")
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, default="KRW")
    revenue = models.DecimalField(_("revenue"), **MONEY)

    class Meta:
        ordering = ["company", "-year"]
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="company_year_unique")]

    def __str__(self):
        return f"{self.company} {self.year}: {self.revenue} {self.currency}"


class Encumbrance(models.TextChoices):
    FREE = "free", _("Free")
    PLEDGED = "pledged", _("Pledged")
    TAKEN_OVER = "taken_over", _("Taken over")
    DISPOSED = "disposed", _("Disposed")


class IPAssetStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REGISTERED = "registered", _("Registered / granted")
    LAPSED = "lapsed", _("Lapsed")
    EXPIRED = "expired", _("Expired")


class IPAsset(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="ip_assets")
    ip_type = models.CharField(_("type"), max_length=30, choices=IPType.choices)
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, help_text=_("IP office: KR, CN, GB, EP, US, ...")
    )
    registry_number = models.CharField(_("registry number"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant / registration date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=IPAssetStatus.choices, default=IPAssetStatus.REGISTERED
    )
    owner_name = models.CharField(_("owner name"), max_length=200)
    # Changed only by services (pledge, takeover, disposal); never by the applicant.
    encumbrance = models.CharField(
        _("encumbrance"), max_length=20, choices=Encumbrance.choices, default=Encumbrance.FREE, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "ip_type", "registry_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "ip_type", "registry_number"], name="ipasset_registry_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_ip_type_display()} {self.jurisdiction} {self.registry_number}"

    @property
    def remaining_life_years_now(self):
        return self.remaining_life_years()

    def remaining_life_years(self, on=None):
        """Years (with fraction) until expiry; 0 when expired, None when no expiry is known."""
        if self.expiry_date is None:
            return None
        on = on or date.today()
        return max(0.0, round((self.expiry_date - on).days / 365.25, 2))


class HolderEvent(models.TextChoices):
    OWNER = "owner", _("Owner when the IP was recorded")
    TAKEOVER = "takeover", _("Taken over after the guarantee claim")
    SALE = "sale", _("Sold in the disposal")
    LICENCE = "licence", _("Licensed in the disposal")


class IPHolding(models.Model):
    """Who holds an IP asset from a date, and the event that moved it there: the SME, then the agency after a
    takeover, then the buyer or licensee after the disposal. Written only by ``applications.holders``."""

    asset = models.ForeignKey(IPAsset, on_delete=models.CASCADE, related_name="holdings")
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(_("event"), max_length=20, choices=HolderEvent.choices)
    since = models.DateField(_("since"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "since", "id"]

    def __str__(self):
        return f"{self.asset}: {self.holder_name} since {self.since}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = (
        "submitted",
        pgettext_lazy("application status", "Submitted"),
    )  # the column "Submitted" is a date
    SCREENING = "screening", _("Screening")
    INFO_REQUESTED = "info_requested", _("Information requested")
    VALUATION = "valuation", _("Valuation")
    CREDIT_REVIEW = "credit_review", _("Credit review")
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def label_map(cls):
        """{status: label} in the active language, for pages and responses that label many cases at once
        (get_status_display rebuilds the field's choices on every call)."""
        return {value: str(label) for value, label in cls.choices}


S = Status
# The whole lifecycle on one screen: from, action, to, who. Only services move a
# case, and only along these lines. "return_for_rework" is the documented way
# back from a recommendation; "withdraw" is the applicant's, after submitting and before a decision (a draft
# was never submitted: it has no reference, which every status past draft must have, so it is left, not withdrawn).
APPLICANT = frozenset({Role.APPLICANT})
OFFICER = frozenset({Role.CASE_OFFICER})
APPROVER = frozenset({Role.APPROVER})
# Roles: the applicant submits, answers and withdraws; the agency's case officer screens, asks, sends to
# valuation, reviews and recommends; an approver decides (a second person: never the recommender, the maker
# passed by casework) or returns the recommendation. Whose case it is (company, agency) the calling service checks.
TRANSITIONS = Table(
    "application",
    [
        Move(S.DRAFT, "submit", S.SUBMITTED, APPLICANT, audit=Action.APPLICATION_SUBMIT),
        Move(S.SUBMITTED, "start_screening", S.SCREENING, OFFICER, audit=Action.APPLICATION_START_SCREENING),
        *(
            Move(source, "request_info", S.INFO_REQUESTED, OFFICER, audit=Action.APPLICATION_REQUEST_INFO)
            for source in (S.SCREENING, S.VALUATION, S.CREDIT_REVIEW)
        ),
        # The answer takes the case back to the stage that asked.
        Move(S.INFO_REQUESTED, "answer_info", S.SCREENING, APPLICANT, audit=Action.APPLICATION_ANSWER_INFO),
        Move(
            S.INFO_REQUESTED,
            "resume_valuation",
            S.VALUATION,
            APPLICANT,
            audit=Action.APPLICATION_RESUME_VALUATION,
        ),
        Move(
            S.INFO_REQUESTED,
            "resume_credit_review",
            S.CREDIT_REVIEW,
            APPLICANT,
            audit=Action.APPLICATION_RESUME_CREDIT_REVIEW,
        ),
        Move(
            S.SCREENING, "send_to_valuation", S.VALUATION, OFFICER, audit=Action.APPLICATION_SEND_TO_VALUATION
        ),
        Move(S.SCREENING, "reject", S.REJECTED, OFFICER | APPROVER, audit=Action.APPLICATION_REJECT),
        Move(
            S.VALUATION,
            "start_credit_review",
            S.CREDIT_REVIEW,
            OFFICER,
            audit=Action.APPLICATION_START_CREDIT_REVIEW,
        ),
        Move(S.CREDIT_REVIEW, "recommend", S.RECOMMENDED, OFFICER, audit=Action.APPLICATION_RECOMMEND),
        Move(S.RECOMMENDED, "approve", S.APPROVED, APPROVER, True, Action.APPLICATION_APPROVE),
        Move(S.RECOMMENDED, "reject", S.REJECTED, APPROVER, True, Action.APPLICATION_REJECT),
        Move(
            S.RECOMMENDED,
            "return_for_rework",
            S.CREDIT_REVIEW,
            APPROVER,
            audit=Action.APPLICATION_RETURN_FOR_REWORK,
        ),
        *(
            Move(status, "withdraw", S.WITHDRAWN, APPLICANT, audit=Action.APPLICATION_WITHDRAW)
            for status in (
                S.SUBMITTED,
                S.SCREENING,
                S.INFO_REQUESTED,
                S.VALUATION,
                S.CREDIT_REVIEW,
                S.RECOMMENDED,
            )
        ),
    ],
)
OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.SCREENING, S.INFO_REQUESTED, S.VALUATION, S.CREDIT_REVIEW, S.RECOMMENDED}
)
DECIDED_STATUSES = frozenset({S.APPROVED, S.REJECTED})
FINAL_STATUSES = frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})


class Application(models.Model):
    """The case: an SME's application to a program, from draft to decision."""

    reference = models.CharField(_("reference"), max_length=40, unique=True, null=True, blank=True)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="applications")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    requested_amount = models.DecimalField(_("requested amount"), null=True, blank=True, **MONEY)
    purpose = models.TextField(_("purpose of the financing"), blank=True)
    ip_assets = models.ManyToManyField(IPAsset, blank=True, related_name="applications")
    wizard_step = models.CharField(max_length=30, default="program", editable=False)
    declaration_accepted_at = models.DateTimeField(null=True, blank=True)
    eligibility_snapshot = models.JSONField(default=dict, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Case work (staff); set only by services.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    stage_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    approved_amount = models.DecimalField(_("approved amount"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["program", "status"], name="application_program_status"),
            # the queue's cached counts are keyed by the latest change: MAX(updated_at) reads this index
            models.Index(fields=["updated_at"], name="application_updated_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reference__isnull=False),
                name="application_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gt=0),
                name="application_requested_positive",
            ),
        ]

    def __str__(self):
        return self.reference or f"Draft #{self.pk}"

    @property
    def currency(self):
        return self.program.currency

    def allowed_actions(self):
        return [move.action for move in TRANSITIONS if move.source == self.status]


class StageSpan(models.Model):
    """A case's stay in one status: opened when the case enters it, closed with the whole days spent when it
    leaves. Written by every transition beside its audit event (the log stays the record; this is its projection
    that the dashboards' funnel and days per stage can count without replaying the log)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="stage_spans")
    stage = models.CharField(max_length=20, choices=Status.choices)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("whole days spent, set when it closes")
    )

    class Meta:
        ordering = ["application", "entered_at", "id"]
        indexes = [models.Index(fields=["application", "stage"], name="stage_span_case_stage")]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(left_at__isnull=True), name="stage_span_one_open_per_case"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("entered_at")),
                name="stage_span_left_after_entered",
            ),
        ]

    def __str__(self):
        return f"{self.application_id} {self.stage} {self.entered_at:%Y-%m-%d}"


class Document(models.Model):
    """A file attached to an application. Stored under MEDIA_ROOT by a generated name; served only by an access-checked view."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    document_type = models.CharField(_("document type"), max_length=100)
    original_name = models.CharField(max_length=200)
    storage_name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "document_type", "uploaded_at"]

    def __str__(self):
        return f"{self.document_type}: {self.original_name}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class CompanyInvitation(models.Model):
    """An applicant asks someone, by email address, to act for the company too. Nothing about the invitee changes
    until they accept; a person acts for one company at a time."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_company_and_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.company}"
