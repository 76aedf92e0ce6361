"""Staff API on cases: the queue (same filters as the page) and one endpoint per action."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Role
from applications.models import Application
from core.api import role_permission

from . import services
from .filters import CaseFilter
from .models import CaseNote, NoteKind, ReasonCode
from .selectors import case_get_for, case_queue_for

IsAgencyStaff = role_permission(Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR)


class CaseSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code")
    currency = serializers.CharField(source="program.currency")
    company = serializers.CharField(source="company.legal_name")
    credit_grade = serializers.CharField(source="company.credit_grade")
    assignee = serializers.EmailField(source="assignee.email", allow_null=True, default=None)

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "program",
            "currency",
            "company",
            "credit_grade",
            "status",
            "requested_amount",
            "approved_amount",
            "assignee",
            "stage_due_at",
            "submitted_at",
            "decided_at",
        ]


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "kind", "body", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class AssignSerializer(serializers.Serializer):
    # A plain id, looked up among the case agency's officers only: any other id gets the same answer, so the
    # endpoint tells nothing about who exists (it named any user before).
    officer = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)


class InfoRequestSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=4000)
    due_date = serializers.DateField()


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RecommendSerializer(serializers.Serializer):
    conditions = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    term_months = serializers.IntegerField(min_value=1, max_value=360, required=False, allow_null=True)


class ChecklistSerializer(serializers.Serializer):
    documents_complete = serializers.BooleanField(required=False)
    eligibility_confirmed = serializers.BooleanField(required=False)
    identity_checked = serializers.BooleanField(required=False)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


# what a listed case shows: 50 rows of four joined tables, so the list reads only these
CASE_LIST_COLUMNS = [
    "id",
    "reference",
    "program__code",
    "program__currency",
    "company__legal_name",
    "company__credit_grade",
    "status",
    "requested_amount",
    "approved_amount",
    "assignee__email",
    "stage_due_at",
    "submitted_at",
    "decided_at",
]


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Application.objects.none()
    serializer_class = CaseSerializer
    permission_classes = [IsAgencyStaff]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        cases = case_queue_for(user=self.request.user).order_by("stage_due_at", "pk")
        return cases.only(*CASE_LIST_COLUMNS) if self.action == "list" else cases

    def get_object(self):
        return case_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _done(self, case):
        case.refresh_from_db()
        return Response(CaseSerializer(case).data)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=AssignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case, data = self.get_object(), self._payload(AssignSerializer)
        if data.get("officer"):
            officer = services.officer_of_agency(agency=case.program.agency, pk=data["officer"])
            services.case_assign(application=case, officer=officer, actor=request.user)
        else:
            services.case_assign_automatically(application=case, actor=request.user)
        return self._done(case)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="start-screening")
    def start_screening(self, request, pk=None):
        case = self.get_object()
        services.case_start_screening(application=case, actor=request.user)
        return self._done(case)

    @extend_schema(request=ChecklistSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        case = self.get_object()
        services.checklist_update(application=case, actor=request.user, **self._payload(ChecklistSerializer))
        return self._done(case)

    @extend_schema(request=InfoRequestSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        case = self.get_object()
        services.case_request_info(
            application=case, actor=request.user, **self._payload(InfoRequestSerializer)
        )
        return self._done(case)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="send-to-valuation")
    def send_to_valuation(self, request, pk=None):
        case = self.get_object()
        services.case_send_to_valuation(application=case, actor=request.user)
        return self._done(case)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="start-credit-review")
    def start_credit_review(self, request, pk=None):
        case = self.get_object()
        services.case_start_credit_review(application=case, actor=request.user)
        return self._done(case)

    @extend_schema(request=ScoreSerializer(many=True), responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        case = self.get_object()
        payload = ScoreSerializer(data=request.data, many=True)
        payload.is_valid(raise_exception=True)
        services.credit_score(
            application=case,
            actor=request.user,
            scores={s["criterion"]: (s["score"], s.get("comment", "")) for s in payload.validated_data},
        )
        return self._done(case)

    @extend_schema(request=RecommendSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        case = self.get_object()
        services.case_recommend(application=case, actor=request.user, **self._payload(RecommendSerializer))
        return self._done(case)

    @extend_schema(request=DecisionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        case, data = self.get_object(), self._payload(DecisionSerializer)
        services.case_decide(
            application=case,
            actor=request.user,
            approve=data["approve"],
            reason_code=data["reason_code"],
            comment=data.get("comment", ""),
        )
        return self._done(case)

    @extend_schema(request=CommentSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="return-for-rework")
    def return_for_rework(self, request, pk=None):
        case = self.get_object()
        services.case_return_for_rework(
            application=case, actor=request.user, comment=self._payload(CommentSerializer).get("comment", "")
        )
        return self._done(case)

    @extend_schema(methods=["get"], request=None, responses=NoteSerializer(many=True))
    @extend_schema(methods=["post"], request=NoteSerializer, responses={201: NoteSerializer})
    # the whole list, unfiltered, as documented (the viewset's pagination and filters are for the case list)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def notes(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(NoteSerializer(case.notes.select_related("author"), many=True).data)
        data = self._payload(NoteSerializer)
        note = services.case_note_add(
            application=case, actor=request.user, body=data["body"], kind=data.get("kind", NoteKind.INTERNAL)
        )
        return Response(NoteSerializer(note).data, status=201)
