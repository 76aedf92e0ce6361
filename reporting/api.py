from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission

from . import services
from .forms import KINDS
from .models import Report, ReportRun
from .scopes import scope_choices_for
from .selectors import READERS, report_get_for, report_run_get_for, report_scope_check, reports_visible_to


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "kind", "scope", "title", "period_start", "period_end", "generated_at", "data"]


class ReportRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "scope",
            "period_start",
            "period_end",
            "status",
            "attempts",
            "report",
            "error",
        ]


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    scope = serializers.RegexField(
        r"^(all|fund:[0-9]{1,12}|program:[A-Za-z0-9_-]{1,20})$", max_length=60, default="all"
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()


IsReader = role_permission(*READERS)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Report.objects.none()
    serializer_class = ReportSerializer
    permission_classes = [IsReader]
    filterset_fields = ["kind", "scope", "period_end"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return reports_visible_to(user=self.request.user).order_by("-period_end", "pk")

    def get_object(self):
        return report_get_for(user=self.request.user, pk=self.kwargs["pk"])


class ReportRunApi(APIView):
    """Ask for a report of any ended period: 202 with the run; follow the run until it names its report."""

    permission_classes = [IsReader]

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportRunSerializer})
    def post(self, request):
        payload = ReportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        report_scope_check(user=request.user, kind=data["kind"], scope=data["scope"])
        if data["scope"] not in {s for s, _label in scope_choices_for(user=request.user, kind=data["kind"])}:
            raise serializers.ValidationError({"scope": ["Choose a scope of this report that you may read."]})
        run = services.report_request(actor=request.user, **data)
        return Response(ReportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ReportRunDetailApi(APIView):
    permission_classes = [IsReader]

    @extend_schema(responses=ReportRunSerializer)
    def get(self, request, pk):
        run = report_run_get_for(user=request.user, pk=pk)
        return Response(ReportRunSerializer(run).data)
