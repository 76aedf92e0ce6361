"""Valuation orders through the API: valuers accept, decline and report; the agency reviews."""

import json

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from applications.models import IPAsset
from core.api import role_permission
from core.errors import InvalidInput
from core.parsers import JSONParser
from programs.models import TECHNOLOGY_GRADES

from . import services
from .models import Method, ValuationOrder
from .selectors import order_get_for, orders_visible_to
from .views import READERS

BIG = 10**17


class LineSerializer(serializers.Serializer):
    asset = serializers.IntegerField(min_value=1, max_value=2**62)
    method = serializers.ChoiceField(choices=Method.choices)
    value = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)
    value_low = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)
    value_high = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)


class OrderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="application.reference")
    valuer = serializers.CharField(source="valuer.name")
    assets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    latest_report = serializers.SerializerMethodField()

    class Meta:
        model = ValuationOrder
        fields = [
            "id",
            "reference",
            "valuer",
            "assets",
            "fee",
            "subsidy",
            "applicant_share",
            "due_date",
            "status",
            "decline_reason",
            "return_comments",
            "latest_report",
        ]

    def get_latest_report(self, order) -> dict | None:
        report = order.reports.first()
        if report is None:
            return None
        return {
            "version": report.version,
            "total_value": str(report.total_value),
            "currency": report.currency,
            "technology_grade": report.technology_grade,
            "valid_until": report.valid_until.isoformat(),
        }


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CommentsSerializer(serializers.Serializer):
    comments = serializers.CharField(max_length=4000)


class ReportSubmitSerializer(serializers.Serializer):
    lines = serializers.CharField(
        help_text="JSON list of {asset, method, value, value_low, value_high}", max_length=100_000
    )
    assumptions = serializers.CharField(max_length=8000)
    technology_grade = serializers.ChoiceField(choices=[(g, g) for g in TECHNOLOGY_GRADES])
    valid_until = serializers.DateField()
    pdf = serializers.FileField()

    def validate_lines(self, value):
        try:
            raw = json.loads(value)
        except ValueError:
            raise serializers.ValidationError("Not valid JSON.")
        lines = LineSerializer(data=raw, many=True)
        lines.is_valid(raise_exception=True)
        return lines.validated_data


class ValuationOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ValuationOrder.objects.none()
    serializer_class = OrderSerializer
    permission_classes = [role_permission(*READERS)]
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ValuationOrder.objects.none()
        return (
            orders_visible_to(user=self.request.user)
            .prefetch_related("assets", "reports")
            .order_by("due_date", "pk")
        )

    def get_object(self):
        return order_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _done(self, order):
        return Response(OrderSerializer(ValuationOrder.objects.get(pk=order.pk)).data)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = self.get_object()
        services.valuation_order_accept(order=order, actor=request.user)
        return self._done(order)

    @extend_schema(request=ReasonSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        order = self.get_object()
        services.valuation_order_decline(order=order, actor=request.user, **self._payload(ReasonSerializer))
        return self._done(order)

    @extend_schema(request={"multipart/form-data": ReportSubmitSerializer}, responses=OrderSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def report(self, request, pk=None):
        order = self.get_object()
        data = self._payload(ReportSubmitSerializer)
        assets = {a.pk: a for a in IPAsset.objects.filter(pk__in=[line["asset"] for line in data["lines"]])}
        if len(assets) != len({line["asset"] for line in data["lines"]}):
            raise InvalidInput("Unknown asset in the lines.", code="unknown_asset")
        lines = [{**line, "asset": assets[line["asset"]]} for line in data["lines"]]
        services.valuation_report_submit(
            order=order,
            actor=request.user,
            lines=lines,
            assumptions=data["assumptions"],
            technology_grade=data["technology_grade"],
            valid_until=data["valid_until"],
            pdf=data["pdf"],
        )
        return self._done(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="agency-accept")
    def agency_accept(self, request, pk=None):
        order = self.get_object()
        services.valuation_order_agency_accept(order=order, actor=request.user)
        return self._done(order)

    @extend_schema(request=CommentsSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_revision(self, request, pk=None):
        order = self.get_object()
        services.valuation_order_return(order=order, actor=request.user, **self._payload(CommentsSerializer))
        return self._done(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        services.valuation_order_cancel(order=order, actor=request.user)
        return self._done(order)
