from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.errors import InvalidInput, PermissionRefused

from . import services
from .models import CashFlow, Deal, FlowKind, Fund
from .selectors import fund_get_for, fund_visible_to, fund_writable_by

BIG = 10**17


class FundSerializer(serializers.ModelSerializer):
    manager = serializers.CharField(source="manager.name", default=None, allow_null=True)
    parent = serializers.CharField(source="parent.name", default=None, allow_null=True)

    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "parent",
            "manager",
            "currency",
            "size",
            "public_commitment",
            "private_commitment",
            "vintage",
            "investment_period_start",
            "investment_period_end",
            "category",
            "management_fee_rate",
            "min_overseas_revenue_share",
            "licence_state",
            "deployed_total",
            "reserved_total",
        ]


class CashFlowSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FlowKind.choices)
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=-BIG, max_value=BIG)
    cash = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=-BIG, max_value=BIG, required=False, allow_null=True
    )
    corrects = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)

    class Meta:
        model = CashFlow
        fields = [
            "id",
            "kind",
            "date",
            "amount",
            "cash",
            "description",
            "corrects",
            "validation",
            "created_at",
        ]
        read_only_fields = ["id", "validation", "created_at"]


class DealSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)
    overseas_revenue_share = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    main_purpose_share = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "considered_on",
            "amount",
            "overseas_revenue_share",
            "main_purpose_share",
            "eligible",
            "exclusion_reasons",
        ]
        read_only_fields = ["id", "eligible", "exclusion_reasons"]


class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Funds the user may see; fund managers post cash flows and deals for their own sub-funds."""

    queryset = Fund.objects.none()
    serializer_class = FundSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["category", "licence_state", "currency"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Fund.objects.none()
        return fund_visible_to(user=self.request.user).order_by("pk")

    def get_object(self):
        return fund_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _writable(self, fund):
        if not fund_writable_by(user=self.request.user, fund=fund):
            raise PermissionRefused("Only the fund's manager records entries.")

    @extend_schema(methods=["get"], request=None, responses=CashFlowSerializer(many=True))
    @extend_schema(methods=["post"], request=CashFlowSerializer, responses={201: CashFlowSerializer})
    # the fund list's filters are not this list's (they were documented here and ignored)
    @action(detail=True, methods=["get", "post"], url_path="cash-flows", filter_backends=[])
    def cash_flows(self, request, pk=None):
        fund = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(fund.cash_flows.order_by("date", "id"))
            return self.get_paginated_response(CashFlowSerializer(page, many=True).data)
        self._writable(fund)
        payload = CashFlowSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        corrects = None
        if data.get("corrects"):
            corrects = fund.cash_flows.filter(pk=data["corrects"]).first()
            if corrects is None:
                raise InvalidInput(
                    "No such entry in this fund.",
                    code="invalid_correction",
                    details={"corrects": ["unknown entry"]},
                )
        entry = services.cash_flow_record(
            fund=fund,
            actor=request.user,
            kind=data["kind"],
            date=data["date"],
            amount=data["amount"],
            cash=data.get("cash"),
            description=data.get("description", ""),
            corrects=corrects,
        )
        return Response(CashFlowSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], request=None, responses=DealSerializer(many=True))
    @extend_schema(methods=["post"], request=DealSerializer, responses={201: DealSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def deals(self, request, pk=None):
        fund = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(fund.deals.order_by("-considered_on", "id"))
            return self.get_paginated_response(DealSerializer(page, many=True).data)
        self._writable(fund)
        payload = DealSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        deal = services.deal_screen(fund=fund, actor=request.user, **payload.validated_data)
        return Response(DealSerializer(deal).data, status=status.HTTP_201_CREATED)
