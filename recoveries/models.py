"""After default: the guarantee claim, the takeover of the IP, its disposal and the allocation of the proceeds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, Role
from audit.actions import Action
from core.money import MONEY
from core.transitions import Move, Table

AGENCY = frozenset(AGENCY_ROLES)
LENDER = frozenset({Role.LENDER_OFFICER})
CHECKER = frozenset({Role.APPROVER})


class ClaimStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for documents")


class ClaimReason(models.TextChoices):
    """Why a claim is paid in part or rejected: the codes the review must give."""

    EXPOSURE_NOT_DOCUMENTED = "P10", _("Part of the exposure is not documented")
    INTEREST_NOT_COVERED = "P20", _("Interest beyond the covered period")
    CONDITIONS_PARTLY_BREACHED = "P30", _("The lender breached a condition for part of the loan")
    NOT_COVERED = "J10", _("The loss is not covered by the guarantee")
    CONDITIONS_BREACHED = "J20", _("The lender breached the guarantee's conditions")
    FILED_LATE = "J30", _("The claim was filed after the deadline")


PART_PAYMENT_REASONS = ("P10", "P20", "P30")
REJECTION_REASONS = ("J10", "J20", "J30")
WRITE_OFF_REASONS = {"W10": "Proceeds below exposure", "W20": "No buyer found", "W30": "IP lapsed or invalid"}
MAX_BID_DAYS = 30  # an auction's bid window is at most this many days from its opening

# The claim's lifecycle: filed by the bank (created, or filed again after a return), reviewed by the agency, paid
# by the checker of a money move. The facility's own move records the payment's event (recovery.claim_paid).
CLAIM_TRANSITIONS = Table(
    "claim",
    [
        Move(ClaimStatus.RETURNED, "refile", ClaimStatus.FILED, LENDER),
        Move(ClaimStatus.FILED, "reject", ClaimStatus.REJECTED, AGENCY, audit=Action.RECOVERY_CLAIM_REJECTED),
        Move(ClaimStatus.FILED, "return", ClaimStatus.RETURNED, AGENCY, audit=Action.RECOVERY_CLAIM_RETURNED),
        Move(ClaimStatus.FILED, "pay", ClaimStatus.PAID, CHECKER, second_person=True),
    ],
)


class Claim(models.Model):
    """The bank's claim under the guarantee. One per facility; paid at most once (``CLAIM_TRANSITIONS``)."""

    TRANSITIONS = CLAIM_TRANSITIONS

    facility = models.OneToOneField("facilities.Facility", on_delete=models.PROTECT, related_name="claim")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    checklist = models.JSONField(default=dict)
    amount_claimed = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.FILED)
    review_reason = models.CharField(max_length=3, choices=ClaimReason.choices, blank=True)
    review_comment = models.TextField(blank=True)
    amount_paid = models.DecimalField(null=True, blank=True, **MONEY)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subrogation_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="paid", amount_paid__isnull=False) | ~Q(status="paid"),
                name="paid_claim_has_amount",
            )
        ]

    def __str__(self):
        return f"Claim on {self.facility}"


class Channel(models.TextChoices):
    MARKETPLACE = "marketplace", _("Marketplace listing")
    AUCTION = "auction", _("Auction")
    DIRECT_SALE = "direct_sale", _("Direct sale")
    LICENCE = "licence", _("Licence")
    RECOVERY_FUND = "recovery_fund", _("Purchase by a public recovery fund")


class DisposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    CLOSED = "closed", _("Closed")


# Award and close are carried out by the checker of a money move; the close's event is the facility's.
DISPOSAL_TRANSITIONS = Table(
    "disposal",
    [
        Move(DisposalStatus.OPEN, "award", DisposalStatus.AWARDED, CHECKER, True, Action.RECOVERY_AWARDED),
        Move(DisposalStatus.OPEN, "close", DisposalStatus.CLOSED, CHECKER, second_person=True),
        Move(DisposalStatus.AWARDED, "close", DisposalStatus.CLOSED, CHECKER, second_person=True),
    ],
)


class Disposal(models.Model):
    TRANSITIONS = DISPOSAL_TRANSITIONS

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="disposals")
    assets = models.ManyToManyField("applications.IPAsset", related_name="disposals")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reappraised_value = models.DecimalField(null=True, blank=True, **MONEY)
    reappraisal_order = models.ForeignKey(
        "valuations.ValuationOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The new valuation ordered for the disposal"),
    )
    opening_price = models.DecimalField(null=True, blank=True, **MONEY)
    bids_close_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.OPEN)
    awarded_bid = models.ForeignKey("Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proceeds = models.DecimalField(null=True, blank=True, **MONEY)
    agency_share = models.DecimalField(null=True, blank=True, **MONEY)
    bank_share = models.DecimalField(null=True, blank=True, **MONEY)
    costs = models.DecimalField(
        null=True, blank=True, help_text=_("The disposal's own costs, paid first from the proceeds"), **MONEY
    )
    borrower_surplus = models.DecimalField(
        null=True, blank=True, help_text=_("Proceeds above the losses, owed to the borrower"), **MONEY
    )
    write_off = models.DecimalField(null=True, blank=True, **MONEY)
    write_off_reason = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"Disposal #{self.pk} ({self.get_channel_display()})"


class BuyerStatus(models.TextChoices):
    PENDING = "pending", _("Registered, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REVOKED = "revoked", _("Revoked")


# Who verifies and revokes the agency's buyers; the verifier is another person than the one who registered it.
BUYER_VERIFIERS = frozenset({Role.APPROVER, Role.ADMINISTRATOR})
BUYER_TRANSITIONS = Table(
    "buyer",
    [
        Move(
            BuyerStatus.PENDING,
            "verify",
            BuyerStatus.VERIFIED,
            BUYER_VERIFIERS,
            True,
            Action.RECOVERY_BUYER_VERIFIED,
        ),
        *(
            Move(source, "revoke", BuyerStatus.REVOKED, BUYER_VERIFIERS, audit=Action.RECOVERY_BUYER_REVOKED)
            for source in (BuyerStatus.PENDING, BuyerStatus.VERIFIED)
        ),
    ],
)


class Buyer(models.Model):
    """An organisation an agency has registered as a buyer of the IP it disposes of; only verified ones bid."""

    TRANSITIONS = BUYER_TRANSITIONS

    agency = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="registered_buyers"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="buyer_registrations"
    )
    status = models.CharField(
        max_length=10, choices=BuyerStatus.choices, default=BuyerStatus.PENDING, db_index=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "organization"], name="one_buyer_registration_per_agency"
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="verified_buyer_names_its_verifier",
            ),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_status_display()})"


class Bid(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="bids")
    bidder = models.CharField(max_length=200)
    buyer = models.ForeignKey(Buyer, null=True, blank=True, on_delete=models.PROTECT, related_name="bids")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-amount", "placed_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bid_positive")]

    def __str__(self):
        return f"{self.bidder}: {self.amount}"


class LateRecovery(models.Model):
    """Money received after the facility was written off (a later sale, a settlement): it reduces the loss."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="late_recoveries"
    )
    amount = models.DecimalField(**MONEY)
    received_on = models.DateField()
    source = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "received_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="late_recovery_positive")]

    def __str__(self):
        return f"{self.facility}: {self.amount} on {self.received_on}"


class MoveKind(models.TextChoices):
    """Where money leaves: each needs a maker and a different checker with the approver role."""

    CLAIM_PAYMENT = "claim_payment", _("Claim payment")
    DISPOSAL_AWARD = "disposal_award", _("Disposal award")
    DISPOSAL_CLOSE = "disposal_close", _("Disposal close and allocation")
    WRITE_OFF = "write_off", _("Write-off")


class MoveStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the checker")
    CONFIRMED = "confirmed", _("Confirmed and carried out")
    REFUSED = "refused", _("Refused by the checker")


# The checker decides a pending move once; the four-eyes rule is also a database constraint (below).
MOVE_TRANSITIONS = Table(
    "money_move",
    [
        Move(MoveStatus.PENDING, "confirm", MoveStatus.CONFIRMED, CHECKER, second_person=True),
        Move(MoveStatus.PENDING, "refuse", MoveStatus.REFUSED, CHECKER, second_person=True),
    ],
)


class MoneyMove(models.Model):
    """A maker's request that money leave (or a loss be booked), carried out only when a second person with the
    approver role confirms it. ``terms`` is what the maker asked; ``summary`` the amounts and who receives them,
    computed when asked and shown on the confirmation page; the checker confirms exactly that."""

    TRANSITIONS = MOVE_TRANSITIONS

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="money_moves")
    kind = models.CharField(max_length=20, choices=MoveKind.choices)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    disposal = models.ForeignKey(Disposal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    terms = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=MoveStatus.choices, default=MoveStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind"], condition=Q(status="pending"), name="one_pending_move_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="money_move_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.facility} ({self.get_status_display()})"
