"""After default: the guarantee claim, the takeover of the IP, its disposal and the allocation of the proceeds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models import MONEY


class Claim(models.Model):
    """The bank's claim under the guarantee. One per facility; paid at most once (conditional UPDATE)."""

    facility = models.OneToOneField("facilities.Facility", on_delete=models.PROTECT, related_name="claim")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    checklist = models.JSONField(default=dict)
    amount_claimed = models.DecimalField(**MONEY)
    status = models.CharField(
        max_length=10,
        choices=[("filed", _("Filed")), ("paid", _("Paid")), ("rejected", _("Rejected"))],
        default="filed",
    )
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


class Disposal(models.Model):
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
    status = models.CharField(
        max_length=10,
        choices=[("open", _("Open")), ("awarded", _("Awarded")), ("closed", _("Closed"))],
        default="open",
    )
    awarded_bid = models.ForeignKey("Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proceeds = models.DecimalField(null=True, blank=True, **MONEY)
    agency_share = models.DecimalField(null=True, blank=True, **MONEY)
    bank_share = models.DecimalField(null=True, blank=True, **MONEY)
    write_off = models.DecimalField(null=True, blank=True, **MONEY)
    write_off_reason = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"Disposal #{self.pk} ({self.get_channel_display()})"


class Bid(models.Model):
    disposal = models.ForeignKey(Disposal, on_delete=models.CASCADE, related_name="bids")
    bidder = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-amount", "placed_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bid_positive")]

    def __str__(self):
        return f"{self.bidder}: {self.amount}"
