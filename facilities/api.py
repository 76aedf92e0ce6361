"""Bank API: facilities, the disbursement (idempotent with an Idempotency-Key header) or its tranches, repayments
(one or CSV), the schedule and its versions, the default notice, and restructurings (the bank proposes, the program's
agency confirms or refuses). Every write calls the facility's service."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.roles import Role
from core.api import role_permission
from core.errors import InvalidInput, PermissionRefused
from core.parsers import JSONParser
from core.uploads import CSV, check_upload, read_text

from . import restructuring as restructurings
from . import services
from .models import Disbursement, Facility, FacilityStatus, Repayment, Restructuring, ScheduleVersion
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


class InstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    paid_principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    paid_interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=20, decimal_places=2)
    status = serializers.CharField(help_text="paid, partly_paid, due or overdue (due before today, not paid)")


class ScheduleSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    currency = serializers.CharField()
    as_of = serializers.DateField()
    outstanding_principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    installments = InstallmentSerializer(many=True)


class DefaultNoticeSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=[
            *services.DEFAULT_REASONS.items(),
            (services.THRESHOLD, _lazy("Days past due reached the threshold")),
        ],
        help_text="A coded reason (D10–D50); DPD once the program's days-past-due threshold is reached",
    )
    comment = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    defaulted_on = serializers.DateField(required=False, help_text="Defaults to today")

    def validate_defaulted_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("A default cannot be dated in the future."))
        return value


class DefaultNoticeResult(serializers.Serializer):
    facility = serializers.IntegerField()
    status = serializers.CharField()
    defaulted_on = serializers.DateField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    exposure_at_default = serializers.DecimalField(max_digits=20, decimal_places=2)
    replayed = serializers.BooleanField()


class RestructuringProposalSerializer(serializers.Serializer):
    grace_months = serializers.IntegerField(
        min_value=0,
        max_value=120,
        default=0,
        help_text="Months of interest only at the start of the new schedule",
    )
    extension_months = serializers.IntegerField(
        min_value=0, max_value=240, default=0, help_text="Months added to the term (the maturity moves)"
    )
    new_rate = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        default=None,
        help_text="The borrower's new annual rate (0.0150 = 1.5 %), at most the base rate; empty: unchanged",
    )
    reason = serializers.CharField(max_length=2000)


class RestructuringSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="proposed, confirmed or refused")
    version = serializers.IntegerField(
        source="version.number", allow_null=True, help_text="The schedule version it made"
    )

    class Meta:
        model = Restructuring
        fields = [
            "id",
            "facility",
            "status",
            "grace_months",
            "extension_months",
            "new_rate",
            "reason",
            "proposed_at",
            "decided_at",
            "refusal_reason",
            "version",
        ]


class RefusalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TrancheSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0, max_value=BIG)
    disbursed_on = serializers.DateField()
    milestone = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TrancheResult(serializers.ModelSerializer):
    replayed = serializers.SerializerMethodField()

    class Meta:
        model = Disbursement
        fields = ["id", "amount", "disbursed_on", "milestone", "replayed"]

    def get_replayed(self, tranche) -> bool:
        return bool(self.context.get("replayed"))


class ScheduleRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    paid_principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    paid_interest = serializers.DecimalField(max_digits=20, decimal_places=2)


class ScheduleVersionSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(help_text="disbursement, tranche or restructuring")
    rows = ScheduleRowSerializer(many=True, help_text="The schedule as this version made it")

    class Meta:
        model = ScheduleVersion
        fields = ["number", "reason", "effective_on", "interest_subsidy", "segment", "rows", "created_at"]


def _idempotency_key(request):
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key or len(key) > 100:
        raise InvalidInput(
            "Send an Idempotency-Key header (at most 100 characters).", code="idempotency_key_missing"
        )
    return key


def installment_rows(facility, today):
    """The schedule as a bank reads it: what was due, what is paid, what is left and whether it is late."""
    rows = []
    for installment in facility.installments.all():
        owed = installment.principal + installment.interest
        paid = installment.paid_principal + installment.paid_interest
        if paid >= owed:
            state = "paid"
        elif installment.due_date < today:
            state = "overdue"
        elif paid > 0:
            state = "partly_paid"
        else:
            state = "due"
        rows.append(
            {
                "number": installment.number,
                "due_date": installment.due_date,
                "principal": installment.principal,
                "interest": installment.interest,
                "paid_principal": installment.paid_principal,
                "paid_interest": installment.paid_interest,
                "outstanding": owed - paid,
                "status": state,
            }
        )
    return rows


def _same_notice(facility, code):
    """Whether a defaulted facility was declared with this reason code (a client's retry of the same notice)."""
    if code == services.THRESHOLD:
        return "days past due" in facility.default_reason
    return facility.default_reason.startswith(f"{code} ")


def _lender_only(facility, user):
    """facility_default has no role check of its own: a default notice is the facility's bank's to send."""
    if facility.lender not in user.organizations_for(Role.LENDER_OFFICER):
        raise PermissionRefused(_("This facility belongs to another bank."))


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
        key = _idempotency_key(request)
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

    @extend_schema(responses=ScheduleSerializer)
    @action(detail=True, methods=["get"])
    def schedule(self, request, pk=None):
        """The instalments with what is due, paid and outstanding, and each one's status today."""
        facility = self.get_object()
        today = timezone.localdate()
        body = {
            "facility": facility.pk,
            "currency": facility.currency,
            "as_of": today,
            "outstanding_principal": services.outstanding_principal(facility),
            "installments": installment_rows(facility, today),
        }
        return Response(ScheduleSerializer(body).data)

    @extend_schema(
        request=DefaultNoticeSerializer, responses={201: DefaultNoticeResult, 200: DefaultNoticeResult}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="default-notice",
        permission_classes=[role_permission(Role.LENDER_OFFICER)],
    )
    def default_notice(self, request, pk=None):
        """The bank declares the default with its reason; the exposure at default is frozen. The same notice
        again (same reason) answers 200 with ``replayed``; any other move of a defaulted facility is a 409."""
        facility = self.get_object()
        _lender_only(facility, request.user)
        payload = DefaultNoticeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        code, comment = payload.validated_data["reason_code"], payload.validated_data["comment"]
        replayed = facility.status == FacilityStatus.DEFAULTED and _same_notice(facility, code)
        if not replayed:
            facility = services.facility_default(
                facility=facility,
                actor=request.user,
                reason_code=code,
                comment=comment,
                on=payload.validated_data.get("defaulted_on"),
            )
        body = {
            "facility": facility.pk,
            "status": facility.status,
            "defaulted_on": facility.defaulted_on,
            "reason_code": code,
            "reason": facility.default_reason,
            "exposure_at_default": facility.exposure_at_default,
            "replayed": replayed,
        }
        return Response(
            DefaultNoticeResult(body).data, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )

    @extend_schema(methods=["get"], request=None, responses=RestructuringSerializer(many=True))
    @extend_schema(
        methods=["post"], request=RestructuringProposalSerializer, responses={201: RestructuringSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def restructuring(self, request, pk=None):
        """GET: the facility's restructurings, newest first. POST (the facility's bank): propose a grace period, a
        longer term or a new rate; the program's agency confirms it (``restructurings/{id}/confirm/``) and the
        schedule is rebuilt from the outstanding balance, the old one kept as a version. 409 while one is open."""
        facility = self.get_object()
        if request.method == "GET":
            return Response(RestructuringSerializer(facility.restructurings.all(), many=True).data)
        if not request.user.has_role(Role.LENDER_OFFICER):
            raise PermissionRefused(_("Only the facility's bank proposes a restructuring."))
        payload = RestructuringProposalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = restructurings.restructuring_propose(
            facility=facility, actor=request.user, **payload.validated_data
        )
        return Response(RestructuringSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], request=None, responses=TrancheResult(many=True))
    @extend_schema(
        methods=["post"],
        request=TrancheSerializer,
        responses={201: TrancheResult, 200: TrancheResult},
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def tranches(self, request, pk=None):
        """GET: the tranches paid out. POST (the facility's bank): pay out a tranche, up to the principal not yet
        drawn; the first starts the schedule, each later one is rescheduled with the balance to the same maturity.
        The same Idempotency-Key and body again answer 200 with ``replayed``."""
        facility = self.get_object()
        if request.method == "GET":
            return Response(TrancheResult(facility.disbursements.all(), many=True).data)
        key = _idempotency_key(request)
        payload = TrancheSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tranche, created = restructurings.facility_draw_tranche(
            facility=facility, actor=request.user, idempotency_key=key, **payload.validated_data
        )
        body = TrancheResult(tranche, context={"replayed": not created}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=ScheduleVersionSerializer(many=True))
    @action(
        detail=True, methods=["get"], url_path="schedule-versions", pagination_class=None, filter_backends=[]
    )
    def schedule_versions(self, request, pk=None):
        """Every version of the schedule, oldest first: the first disbursement's, then one per later tranche and
        confirmed restructuring, each with its rows as it made them and the interest subsidy it implied."""
        facility = self.get_object()
        return Response(ScheduleVersionSerializer(facility.schedule_versions.all(), many=True).data)


def restructurings_visible_to(*, user):
    """Restructurings of the facilities the user may read."""
    return Restructuring.objects.filter(facility__in=facility_visible_to(user=user)).select_related("version")


class RestructuringViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Restructurings: proposed by the facility's bank, confirmed or refused by an approver of the program's agency."""

    queryset = Restructuring.objects.none()
    serializer_class = RestructuringSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "facility"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Restructuring.objects.none()
        return restructurings_visible_to(user=self.request.user).order_by("pk")

    def get_object(self):
        found = restructurings_visible_to(user=self.request.user).filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(request=None, responses=RestructuringSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def confirm(self, request, pk=None):
        """An approver of the program's agency confirms: the schedule is rebuilt today from the outstanding balance
        (``facility.restructured``); the interest subsidy and the guarantee fees follow."""
        confirmed = restructurings.restructuring_confirm(restructuring=self.get_object(), actor=request.user)
        return Response(RestructuringSerializer(confirmed).data)

    @extend_schema(request=RefusalSerializer, responses=RestructuringSerializer)
    @action(detail=True, methods=["post"], permission_classes=[role_permission(Role.APPROVER)])
    def refuse(self, request, pk=None):
        """An approver of the program's agency refuses with a reason; nothing changes."""
        payload = RefusalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refused = restructurings.restructuring_refuse(
            restructuring=self.get_object(), actor=request.user, reason=payload.validated_data["reason"]
        )
        return Response(RestructuringSerializer(refused).data)
