"""Recoveries API: the guarantee claim (checklist, filing, status) and the agency's payment of it; the disposals of
the taken-over IP (bids shown to the agency only), their award and the allocation of their proceeds; what each
party recovered on a claim's facility; the write-off of what was not recovered (a money move, four eyes).

Every write calls the recoveries service by name; reads are scoped through the facility's selector (a claim is
visible to whoever may read its facility), and a claim nobody may read answers 404.
"""

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.roles import AGENCY_ROLES, Role
from core.api import role_permission
from core.errors import InvalidInput
from facilities.selectors import facility_get_for, facility_visible_to

from . import services
from .models import Claim, Disposal, LateRecovery, MoneyMove


def claims_visible_to(*, user):
    """Claims on the facilities the user may read (the bank its own, the agency its programs', officials all)."""
    return Claim.objects.filter(facility__in=facility_visible_to(user=user)).select_related("facility")


class ClaimPayRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Empty: in full",
    )
    reason_code = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For a part payment"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MoneyMoveSerializer(serializers.ModelSerializer):
    class Meta:
        model = MoneyMove
        fields = ["id", "facility", "kind", "status", "summary", "requested_by", "requested_at", "decided_at"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="filed, paid or rejected")
    missing = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "facility",
            "status",
            "amount_claimed",
            "amount_paid",
            "filed_at",
            "paid_at",
            "checklist",
            "missing",
            "subrogation_note",
        ]

    def get_missing(self, claim) -> list[str]:
        return [item for item in services.CLAIM_CHECKLIST if not claim.checklist.get(item)]


class AllocationLineSerializer(serializers.Serializer):
    part = serializers.CharField(help_text="costs, agency, bank, borrower or write_off")
    recipient = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)


class DisposalAllocationSerializer(serializers.Serializer):
    disposal = serializers.IntegerField()
    status = serializers.CharField(help_text="open, awarded or closed; the lines are final once closed")
    currency = serializers.CharField()
    proceeds = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    lines = AllocationLineSerializer(many=True)
    write_off_reason = serializers.CharField(allow_blank=True)


class PartyRecoverySerializer(serializers.Serializer):
    loss = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Its loss at default")
    recovered = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="From closed disposals")


class ClaimAllocationSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    facility = serializers.IntegerField()
    currency = serializers.CharField()
    exposure_at_default = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    amount_paid = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    agency = PartyRecoverySerializer()
    bank = PartyRecoverySerializer()
    late_recoveries = serializers.DecimalField(max_digits=20, decimal_places=2)
    disposals = DisposalAllocationSerializer(many=True)
    written_off = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)


def disposal_allocation(disposal) -> dict:
    """Where a disposal's proceeds went: costs, agency, bank, the borrower's surplus and the loss written off."""
    facility = disposal.facility
    lines = []
    if disposal.status == "closed":
        recipients = {
            "costs": "",
            "agency": facility.application.program.agency.name,
            "bank": facility.lender.name,
            "borrower": facility.application.company.legal_name,
            "write_off": "",
        }
        amounts = {
            "costs": disposal.costs,
            "agency": disposal.agency_share,
            "bank": disposal.bank_share,
            "borrower": disposal.borrower_surplus,
            "write_off": disposal.write_off,
        }
        lines = [{"part": p, "recipient": recipients[p], "amount": amounts[p] or 0} for p in recipients]
    return {
        "disposal": disposal.pk,
        "status": disposal.status,
        "currency": facility.currency,
        "proceeds": disposal.proceeds,
        "lines": lines,
        "write_off_reason": disposal.write_off_reason,
    }


def claim_allocation(claim) -> dict:
    """What the agency and the bank lost at default on the claim's facility and what each recovered since."""
    facility = claim.facility
    agency_loss, bank_loss = services.losses(facility)
    disposals = list(
        Disposal.objects.filter(facility=facility).select_related(
            "facility__application__program__agency", "facility__application__company", "facility__lender"
        )
    )
    closed = [d for d in disposals if d.status == "closed"]
    late = sum((r.amount for r in LateRecovery.objects.filter(facility=facility)), Decimal(0))
    return {
        "claim": claim.pk,
        "facility": facility.pk,
        "currency": facility.currency,
        "exposure_at_default": facility.exposure_at_default,
        "amount_paid": claim.amount_paid,
        "agency": {"loss": agency_loss, "recovered": sum((d.agency_share or 0 for d in closed), Decimal(0))},
        "bank": {"loss": bank_loss, "recovered": sum((d.bank_share or 0 for d in closed), Decimal(0))},
        "late_recoveries": late,
        "disposals": [disposal_allocation(d) for d in disposals],
        "written_off": facility.written_off_amount,
    }


class RefusalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ClaimFileSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    checklist = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Every item of GET /api/v1/claims/checklist/ set to true",
    )


class ChecklistSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField())


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Guarantee claims: the bank files one on a defaulted guaranteed facility; both sides follow its status."""

    queryset = Claim.objects.none()
    serializer_class = ClaimSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "facility"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return claims_visible_to(user=self.request.user).order_by("pk")

    def get_object(self):
        claim = claims_visible_to(user=self.request.user).filter(pk=self.kwargs["pk"]).first()
        if claim is None:
            raise Http404
        return claim

    @extend_schema(request=None, responses=ChecklistSerializer)
    @action(detail=False, methods=["get"])
    def checklist(self, request):
        """The items a claim must confirm."""
        return Response({"items": services.CLAIM_CHECKLIST})

    @extend_schema(request=ClaimFileSerializer, responses={201: ClaimSerializer})
    def create(self, request):
        """File the claim (lender officers of the facility's bank): the checklist complete, the facility defaulted."""
        if not request.user.has_role(Role.LENDER_OFFICER):
            raise exceptions.PermissionDenied(_("Only the facility's bank files a claim."))
        payload = ClaimFileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        facility = facility_get_for(user=request.user, pk=payload.validated_data["facility"])
        claim = services.claim_file(
            facility=facility, actor=request.user, checklist=payload.validated_data["checklist"]
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClaimPayRequestSerializer, responses={202: MoneyMoveSerializer})
    @action(detail=True, methods=["post"], permission_classes=[role_permission(*AGENCY_ROLES)])
    def pay(self, request, pk=None):
        """The program's agency asks to pay the claim, in full or in part (an amount and a reason code): money leaves
        only when a different approver confirms the request (``money-moves/{id}/confirm/``). 202 with the request."""
        payload = ClaimPayRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        move = services.claim_payment_request(
            claim=self.get_object(), actor=request.user, **payload.validated_data
        )
        return Response(MoneyMoveSerializer(move).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ClaimAllocationSerializer)
    @action(detail=True, methods=["get"])
    def allocation(self, request, pk=None):
        """The losses at default (the agency's: what it paid; the bank's: the rest of the exposure), what each
        recovered from the closed disposals and later, each disposal's allocation, and the loss written off."""
        return Response(ClaimAllocationSerializer(claim_allocation(self.get_object())).data)


class MoneyMoveViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests that money leave (claim payment, award, close, write-off), each confirmed by a second person with
    the approver role of the program's agency: the four-eyes rule of the web's confirmation pages."""

    serializer_class = MoneyMoveSerializer
    permission_classes = [role_permission(*AGENCY_ROLES)]

    def get_queryset(self):
        agencies = self.request.user.organizations_for(*AGENCY_ROLES)
        return MoneyMove.objects.filter(facility__application__program__agency__in=agencies)

    @extend_schema(request=None, responses=MoneyMoveSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def confirm(self, request, pk=None):
        """A different approver confirms exactly the amounts shown; the money moves now (409 if the figures changed,
        403 for the person who asked)."""
        move = self.get_object()
        services.money_move_confirm(move=move, actor=request.user)
        move.refresh_from_db()
        return Response(MoneyMoveSerializer(move).data)

    @extend_schema(request=RefusalSerializer, responses=MoneyMoveSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def refuse(self, request, pk=None):
        """A different approver refuses with a reason; nothing moves and the maker may ask again."""
        payload = RefusalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        move = services.money_move_refuse(
            move=self.get_object(), actor=request.user, reason=payload.validated_data["reason"]
        )
        return Response(MoneyMoveSerializer(move).data)


class WriteOffSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=sorted(services.WRITE_OFF_REASONS.items()))


class WriteOffViewSet(viewsets.GenericViewSet):
    """Write off what was not recovered on a defaulted facility (no disposal left open) and close it."""

    serializer_class = WriteOffSerializer
    permission_classes = [role_permission(*AGENCY_ROLES)]

    @extend_schema(request=WriteOffSerializer, responses={202: MoneyMoveSerializer})
    def create(self, request):
        """The program's agency asks to write off the exposure not recovered; a different approver confirms it
        (``money-moves/{id}/confirm/``), which closes the facility. 202 with the request."""
        payload = WriteOffSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        facility = facility_get_for(user=request.user, pk=payload.validated_data["facility"])
        move = services.write_off_request(
            facility=facility, actor=request.user, reason=payload.validated_data["reason"]
        )
        return Response(MoneyMoveSerializer(move).data, status=status.HTTP_202_ACCEPTED)


def disposals_visible_to(*, user):
    """Disposals of the facilities the user may read."""
    return Disposal.objects.filter(facility__in=facility_visible_to(user=user)).select_related("awarded_bid")


class BidSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bidder = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    placed_at = serializers.DateTimeField()


class DisposalSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="open, awarded or closed")
    channel = serializers.CharField(help_text="marketplace, auction, direct_sale, licence or recovery_fund")
    bids = serializers.SerializerMethodField(help_text="The program's agency only; empty for everyone else")

    class Meta:
        model = Disposal
        fields = [
            "id",
            "facility",
            "channel",
            "status",
            "opening_price",
            "bids_close_on",
            "proceeds",
            "agency_share",
            "bank_share",
            "write_off",
            "write_off_reason",
            "closed_on",
            "bids",
        ]

    @extend_schema_field(BidSerializer(many=True))
    def get_bids(self, disposal):
        if not self.context.get("agency"):
            return []
        return BidSerializer(disposal.bids.all(), many=True).data


class AwardSerializer(serializers.Serializer):
    bid = serializers.IntegerField(required=False, help_text="Defaults to the highest bid")


class DisposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disposals of taken-over IP: the bank follows them; the program's agency sees the bids and awards."""

    queryset = Disposal.objects.none()
    serializer_class = DisposalSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["facility", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Disposal.objects.none()
        return disposals_visible_to(user=self.request.user).prefetch_related("bids").order_by("pk")

    def get_object(self):
        disposal = disposals_visible_to(user=self.request.user).filter(pk=self.kwargs["pk"]).first()
        if disposal is None:
            raise Http404
        return disposal

    def get_serializer_context(self):
        user = self.request.user
        return {
            **super().get_serializer_context(),
            "agency": user.is_authenticated and user.has_role(*AGENCY_ROLES),
        }

    @extend_schema(request=AwardSerializer, responses={202: MoneyMoveSerializer})
    @action(detail=True, methods=["post"], permission_classes=[role_permission(*AGENCY_ROLES)])
    def award(self, request, pk=None):
        """The program's agency asks to award the disposal to a bid (the highest by default) once the bid window has
        closed (409 before); a different approver confirms it (``money-moves/{id}/confirm/``). 202 with the request."""
        disposal = self.get_object()
        payload = AwardSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        bid = None
        if "bid" in payload.validated_data:
            bid = disposal.bids.filter(pk=payload.validated_data["bid"]).first()
            if bid is None:
                raise InvalidInput(_("No such bid on this disposal."), details={"bid": [_("not a bid here")]})
        move = services.disposal_award_request(disposal=disposal, actor=request.user, bid=bid)
        return Response(MoneyMoveSerializer(move).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=DisposalAllocationSerializer)
    @action(detail=True, methods=["get"])
    def allocation(self, request, pk=None):
        """Where the proceeds went once the disposal is closed: costs first, then the agency and the bank pro rata
        to their losses (each capped at its loss), the borrower's surplus, and the loss written off."""
        return Response(DisposalAllocationSerializer(disposal_allocation(self.get_object())).data)
