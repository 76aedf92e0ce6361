"""Bank API: facilities, the disbursement (idempotent with an Idempotency-Key header), repayments (one or CSV)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.errors import InvalidInput
from core.parsers import JSONParser
from core.uploads import CSV, check_upload, read_text

from . import services
from .models import Facility, Repayment
from .selectors import facility_get_for, facility_visible_to

BIG = 10**17


class FacilitySerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="application.reference")
    lender = serializers.CharField(source="lender.name")

    class Meta:
        model = Facility
        fields = [
            "id",
            "reference",
            "lender",
            "kind",
            "currency",
            "principal",
            "base_rate",
            "subsidised_rate",
            "term_months",
            "schedule_type",
            "coverage_ratio",
            "guarantee_fee_rate",
            "status",
            "disbursed_on",
            "days_past_due",
            "dpd_bucket",
            "defaulted_on",
            "exposure_at_default",
        ]


class DisbursementSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)
    disbursed_on = serializers.DateField()


class DisbursementResult(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    disbursed_on = serializers.DateField()
    replayed = serializers.BooleanField()


class RepaymentSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)

    class Meta:
        model = Repayment
        fields = ["id", "paid_on", "amount", "reference"]
        read_only_fields = ["id"]


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CsvResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    refused = serializers.ListField(child=serializers.DictField())


class FacilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Facility.objects.none()
    serializer_class = FacilitySerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "dpd_bucket", "currency"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Facility.objects.none()
        return facility_visible_to(user=self.request.user).order_by("pk")

    def get_object(self):
        return facility_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=DisbursementSerializer,
        responses={201: DisbursementResult, 200: DisbursementResult},
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def disbursement(self, request, pk=None):
        facility = self.get_object()
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 100:
            raise InvalidInput(
                "Send an Idempotency-Key header (at most 100 characters).", code="idempotency_key_missing"
            )
        payload = DisbursementSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record, created = services.facility_disburse(
            facility=facility, actor=request.user, idempotency_key=key, **payload.validated_data
        )
        body = {
            "id": record.pk,
            "amount": record.amount,
            "disbursed_on": record.disbursed_on,
            "replayed": not created,
        }
        return Response(
            DisbursementResult(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(methods=["get"], request=None, responses=RepaymentSerializer(many=True))
    @extend_schema(methods=["post"], request=RepaymentSerializer, responses={201: RepaymentSerializer})
    # the whole list, unfiltered, as documented (the viewset's pagination and filters are for the facility list)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def repayments(self, request, pk=None):
        facility = self.get_object()
        if request.method == "GET":
            return Response(RepaymentSerializer(facility.repayments.all(), many=True).data)
        payload = RepaymentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        repayment = services.repayment_record(facility=facility, actor=request.user, **payload.validated_data)
        return Response(RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": CsvUploadSerializer},
        responses={201: CsvResultSerializer, 400: CsvResultSerializer},
    )
    @action(
        detail=True, methods=["post"], url_path="repayments-csv", parser_classes=[MultiPartParser, JSONParser]
    )
    def repayments_csv(self, request, pk=None):
        facility = self.get_object()
        payload = CsvUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        check_upload(upload, allowed={CSV}, max_bytes=2 * 1024 * 1024)
        accepted, refused = services.repayments_import_csv(
            facility=facility, actor=request.user, text=read_text(upload)
        )
        body = {
            "accepted": len(accepted),
            "refused": [{"line": line, "reason": str(msg)} for line, msg in refused],
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_201_CREATED)
