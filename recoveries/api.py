"""Recoveries API: the guarantee claim (checklist, filing, status) and the agency's payment of it; the disposals of
the taken-over IP (bids shown to the agency only) and their award. Where money leaves, a call asks (202, a money
move with the amounts and who receives them) and a different approver confirms it at /api/v1/money-moves/{id}/.

Every write calls the recoveries service by name; reads are scoped through the facility's selector (a claim is
visible to whoever may read its facility), and a claim nobody may read answers 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.roles import AGENCY_ROLES, Role
from core.api import role_permission
from core.errors import InvalidInput
from facilities.selectors import facility_get_for, facility_visible_to

from . import services
from .models import Claim, Disposal, MoneyMove


def _pk(value):
    """A path id that is not a whole number names nothing: 404, never a 500 from the database."""
    if not str(value).isdigit():
        raise Http404
    return int(value)


def claims_visible_to(*, user):
    """Claims on the facilities the user may read (the bank its own, the agency its programs', officials all)."""
    return Claim.objects.filter(facility__in=facility_visible_to(user=user)).select_related("facility")


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


class MoneyMoveSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.email")
    decided_by = serializers.CharField(source="decided_by.email", allow_null=True, default=None)

    class Meta:
        model = MoneyMove
        fields = [
            "id",
            "facility",
            "kind",
            "status",
            "terms",
            "summary",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "refusal_reason",
        ]


class ClaimPaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, required=False, allow_null=True)
    reason_code = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


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
        claim = claims_visible_to(user=self.request.user).filter(pk=_pk(self.kwargs["pk"])).first()
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

    @extend_schema(request=ClaimPaySerializer, responses={202: MoneyMoveSerializer})
    @action(detail=True, methods=["post"], permission_classes=[role_permission(*AGENCY_ROLES)])
    def pay(self, request, pk=None):
        """Ask to pay the claim in full, or in part (``amount`` below the claim and a P-reason code); a different
        approver confirms at /api/v1/money-moves/{id}/confirm/. A second request while one waits is a 409."""
        payload = ClaimPaySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        move = services.claim_payment_request(
            claim=self.get_object(), actor=request.user, **payload.validated_data
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

    def get_bids(self, disposal) -> list[BidSerializer]:
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
        disposal = disposals_visible_to(user=self.request.user).filter(pk=_pk(self.kwargs["pk"])).first()
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
        """Ask to award the disposal to a bid (the highest by default) once the bid window has closed; a different
        approver confirms at /api/v1/money-moves/{id}/confirm/."""
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


def money_moves_visible_to(*, user):
    """Money moves of the facilities of the agencies the user works for (nobody else: 404)."""
    agencies = user.organizations_for(*AGENCY_ROLES)
    return MoneyMove.objects.filter(
        facility__in=facility_visible_to(user=user), facility__application__program__agency__in=agencies
    ).select_related("requested_by", "decided_by")


class MoneyMoveViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A payment, award, allocation or write-off asked by one person, carried out when another approver confirms."""

    queryset = MoneyMove.objects.none()
    serializer_class = MoneyMoveSerializer
    permission_classes = [role_permission(*AGENCY_ROLES)]

    def get_object(self):
        move = money_moves_visible_to(user=self.request.user).filter(pk=_pk(self.kwargs["pk"])).first()
        if move is None:
            raise Http404
        return move

    @extend_schema(request=None, responses=MoneyMoveSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def confirm(self, request, pk=None):
        """Confirm exactly the amounts of the move (an approver of the agency, never the one who asked)."""
        move = self.get_object()
        services.money_move_confirm(move=move, actor=request.user)
        move.refresh_from_db()
        return Response(MoneyMoveSerializer(move).data)

    @extend_schema(request=RefuseSerializer, responses=MoneyMoveSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def refuse(self, request, pk=None):
        """Refuse with a reason: nothing moves."""
        move = self.get_object()  # a stranger gets 404 before the body is read
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        move = services.money_move_refuse(move=move, actor=request.user, **payload.validated_data)
        return Response(MoneyMoveSerializer(move).data)
