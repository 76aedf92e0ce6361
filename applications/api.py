"""The applicant's API: company, IP assets, applications, documents. Everything scoped to the user's company."""

import functools

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from core.api import Pagination, role_permission
from core.counts import FirstPageCountPaginator
from core.errors import Conflict, InvalidInput
from core.parsers import JSONParser
from core.uploads import CONTENT_TYPES
from programs.models import Program

from . import services
from .forms import MAX_AMOUNT
from .holders import ip_asset_holders
from .models import Application, Company, Document, IPAsset, IPHolding, Status
from .selectors import application_get_for, application_visible_to, company_for, ip_asset_visible_to

IsApplicant = role_permission(Role.APPLICANT)


class CompanySerializer(serializers.ModelSerializer):
    revenues = serializers.DictField(
        child=serializers.DecimalField(max_digits=20, decimal_places=2, min_value=0),
        required=False,
        write_only=True,
        help_text="{year: revenue}",
    )
    currency = serializers.ChoiceField(
        choices=settings.CURRENCIES, required=False, write_only=True, default="KRW"
    )
    financial_years = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = [
            "id",
            "legal_name",
            "registration_number",
            "country",
            "region",
            "sector",
            "employees",
            "credit_grade",
            "contact_name",
            "contact_email",
            "contact_phone",
            "revenues",
            "currency",
            "financial_years",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"employees": {"max_value": 10_000_000}}
        validators = []  # the service answers a duplicate with a 409 and a clear message

    def get_financial_years(self, company) -> list[dict]:
        return [
            {"year": fy.year, "revenue": str(fy.revenue), "currency": fy.currency}
            for fy in company.financial_years.all()
        ]

    def validate_revenues(self, value):
        errors = {year: [error] for year in value if (error := services.revenue_year_error(year))}
        if errors:
            raise serializers.ValidationError(errors)
        return {int(year): amount for year, amount in value.items()}


class CompanyApi(APIView):
    """The user's own company: read, register (POST, once), update (PATCH)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CompanySerializer)
    def get(self, request):
        company = company_for(user=request.user)
        if company is None:
            raise Http404
        return Response(CompanySerializer(company).data)

    @extend_schema(request=CompanySerializer, responses={201: CompanySerializer})
    def post(self, request):
        if request.user.roles - {Role.APPLICANT}:
            raise Http404
        serializer = CompanySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = services.company_register(
            actor=request.user, data=data, revenues=data.get("revenues"), currency=data.get("currency", "KRW")
        )
        return Response(CompanySerializer(company).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompanySerializer, responses=CompanySerializer)
    def patch(self, request):
        company = company_for(user=request.user)
        if company is None:
            raise Http404
        serializer = CompanySerializer(company, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = services.company_update(
            company=company,
            actor=request.user,
            data=data,
            revenues=data.get("revenues"),
            currency=data.get("currency", "KRW"),
        )
        return Response(CompanySerializer(company).data)


class IPHoldingSerializer(serializers.ModelSerializer):
    class Meta:
        model = IPHolding
        fields = ["holder_name", "event", "since", "reference"]
        read_only_fields = fields


class IPAssetSerializer(serializers.ModelSerializer):
    remaining_life_years = serializers.FloatField(
        read_only=True, allow_null=True, source="remaining_life_years_now"
    )
    holders = serializers.SerializerMethodField(
        help_text="Who has held the asset, oldest first: the company, the agency after a takeover, the buyer or "
        "licensee after a disposal."
    )

    @extend_schema_field(IPHoldingSerializer(many=True))
    def get_holders(self, asset):
        return IPHoldingSerializer(ip_asset_holders(asset=asset), many=True).data

    class Meta:
        model = IPAsset
        fields = [
            "id",
            "ip_type",
            "jurisdiction",
            "registry_number",
            "title",
            "filing_date",
            "grant_date",
            "expiry_date",
            "status",
            "owner_name",
            "encumbrance",
            "remaining_life_years",
            "holders",
        ]
        read_only_fields = ["id", "encumbrance", "remaining_life_years", "holders"]
        validators = []  # uniqueness is the service's to check, with a clear 409


class IPAssetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = IPAsset.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = IPAssetSerializer
    permission_classes = [IsApplicant]
    filterset_fields = ["ip_type", "jurisdiction", "encumbrance"]
    ordering_fields = ["registry_number", "expiry_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        assets = ip_asset_visible_to(user=self.request.user).select_related("company")
        return assets.prefetch_related("holdings").order_by("pk")

    def perform_create(self, serializer):
        company = company_for(user=self.request.user)
        serializer.instance = services.ip_asset_create(
            company=company, actor=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.ip_asset_update(
            asset=serializer.instance, actor=self.request.user, data=serializer.validated_data
        )


class PrefetchedManyField(ManyRelatedField):
    """A to-many field that reads the prefetch cache when there is one: a related manager, or a model object per
    asset, costs more than the ids."""

    def get_attribute(self, instance):
        prefetched = getattr(instance, "_prefetched_objects_cache", {})
        if self.source in prefetched:
            return prefetched[self.source]
        return super().get_attribute(instance)

    def to_representation(self, iterable):
        return [
            value if isinstance(value, int) else self.child_relation.to_representation(value)
            for value in iterable
        ]


def asset_ids_of(application_ids: list[int]) -> dict[int, list[int]]:
    """{application id: its assets' ids, ascending} for a page of applications, in one query of the link table."""
    ids = {application_id: [] for application_id in application_ids}
    links = Application.ip_assets.through.objects.filter(application_id__in=ids).order_by(
        "application_id", "ipasset_id"
    )
    for application_id, asset_id in links.values_list("application_id", "ipasset_id"):
        ids[application_id].append(asset_id)
    return ids


class PrefetchedPrimaryKeysField(serializers.PrimaryKeyRelatedField):
    @classmethod
    def many_init(cls, *args, **kwargs):
        return PrefetchedManyField(
            child_relation=cls(*args, **kwargs),
            **{k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS},
        )


class ApplicationSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.filter(is_published=True)
    )
    ip_assets = PrefetchedPrimaryKeysField(many=True, required=False, queryset=IPAsset.objects.none())
    requested_amount = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=1, max_value=MAX_AMOUNT, required=False, allow_null=True
    )
    currency = serializers.CharField(source="program.currency", read_only=True)
    status_display = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "program",
            "currency",
            "status",
            "status_display",
            "requested_amount",
            "purpose",
            "ip_assets",
            "submitted_at",
            "decided_at",
            "approved_amount",
            "eligibility_snapshot",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "reference",
            "status",
            "submitted_at",
            "decided_at",
            "approved_amount",
            "eligibility_snapshot",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["ip_assets"].child_relation.queryset = ip_asset_visible_to(user=request.user)

    def get_status_display(self, application) -> str:
        if not hasattr(self, "_status_labels"):  # once per response, in its language
            self._status_labels = Status.label_map()
        return self._status_labels.get(application.status, application.status)


class SubmitSerializer(serializers.Serializer):
    declaration_accepted = serializers.BooleanField()


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class EligibilityResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["passed", "failed", "unknown"])
    explanation = serializers.CharField()
    reason = serializers.CharField()


class EligibilityCheckSerializer(serializers.Serializer):
    can_submit = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    rules = EligibilityResultSerializer(many=True)


class DocumentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)

    class Meta:
        model = Document
        fields = ["id", "document_type", "original_name", "kind", "size", "uploaded_at", "file"]
        read_only_fields = ["id", "original_name", "kind", "size", "uploaded_at"]


LIST_COLUMNS = [
    "id",
    "reference",
    "program__code",
    "program__currency",
    "status",
    "requested_amount",
    "purpose",
    "submitted_at",
    "decided_at",
    "approved_amount",
    "eligibility_snapshot",
    "created_at",
]


@functools.cache
def _amount_writers():
    """The serializer's own fields for the two amounts (DRF's DecimalField: quantized, written as a string)."""
    fields = ApplicationSerializer().fields
    return fields["requested_amount"].to_representation, fields["approved_amount"].to_representation


def _amount(write, value):
    return None if value is None else write(value)


def _when(value, zone):
    """What DRF's DateTimeField writes for an aware datetime: ISO 8601 in the current time zone, UTC as "Z"."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def application_list_data(rows: list[dict]) -> list[dict]:
    """A page of ``values(*LIST_COLUMNS)`` rows as ApplicationSerializer writes them: the same fields in the same
    order and formats, without a model object and the serializer's field machinery for each of 50 rows (the
    columns are already the types the fields write; tests/applications/test_list_data.py compares the two)."""
    requested, approved = _amount_writers()
    labels, zone = Status.label_map(), timezone.get_current_timezone()
    assets = asset_ids_of([row["id"] for row in rows])
    return [
        {
            "id": row["id"],
            "reference": row["reference"],
            "program": row["program__code"],
            "currency": row["program__currency"],
            "status": row["status"],
            "status_display": labels.get(row["status"], row["status"]),
            "requested_amount": _amount(requested, row["requested_amount"]),
            "purpose": row["purpose"],
            "ip_assets": assets[row["id"]],
            "submitted_at": _when(row["submitted_at"], zone),
            "decided_at": _when(row["decided_at"], zone),
            "approved_amount": _amount(approved, row["approved_amount"]),
            "eligibility_snapshot": row["eligibility_snapshot"],
            "created_at": _when(row["created_at"], zone),
        }
        for row in rows
    ]


class ListFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds the filter set and its form at every request: not when the request
    names none of its filters (a filter set given no values returns the queryset as it is)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(filterset_class.base_filters) & set(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ApplicationPagination(Pagination):
    """The API's pagination; an applicant's applications mostly fit on the first page, which is then its own count."""

    django_paginator_class = FirstPageCountPaginator


class ApplicationFilter(FilterSet):
    """The list's filters: what ``filterset_fields = ["status", "program__code"]`` made, as a class made once
    (django-filter makes a class per request from filterset_fields)."""

    class Meta:
        model = Application
        fields = ["status", "program__code"]


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The company's applications: drafts are created and edited here, then submitted or withdrawn."""

    queryset = Application.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = ApplicationSerializer
    permission_classes = [IsApplicant]
    filter_backends = [ListFilterBackend, OrderingFilter]
    pagination_class = ApplicationPagination
    filterset_class = ApplicationFilter
    ordering_fields = ["created_at", "submitted_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = application_visible_to(user=self.request.user).order_by("-created_at", "-pk")
        return queryset if self.action == "list" else queryset.prefetch_related("ip_assets")

    # The page read as plain rows of the columns it shows (no model objects), written as the documented
    # ApplicationSerializer writes them (application_list_data). A comment, not a docstring: the schema would
    # take a docstring as the operation's description.
    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values(*LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(application_list_data(list(rows)))
        return self.get_paginated_response(application_list_data(list(page)))

    def get_object(self):
        return application_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def perform_create(self, serializer):
        company = company_for(user=self.request.user)
        data = serializer.validated_data
        application = services.application_create_draft(
            company=company, program=data["program"], actor=self.request.user
        )
        serializer.instance = services.application_update_draft(
            application=application,
            actor=self.request.user,
            requested_amount=data.get("requested_amount"),
            purpose=data.get("purpose"),
            ip_assets=data.get("ip_assets"),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        if "program" in data and data["program"] != serializer.instance.program:
            raise Conflict(
                "The program of an application cannot change; start a new draft.", code="program_fixed"
            )
        serializer.instance = services.application_update_draft(
            application=serializer.instance,
            actor=self.request.user,
            requested_amount=data.get("requested_amount"),
            purpose=data.get("purpose"),
            ip_assets=data.get("ip_assets"),
        )

    @extend_schema(request=SubmitSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = services.application_submit(
            application=application,
            actor=request.user,
            declaration_accepted=payload.validated_data["declaration_accepted"],
        )
        return Response(ApplicationSerializer(application, context={"request": request}).data)

    @extend_schema(request=WithdrawSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = services.application_withdraw(
            application=application, actor=request.user, reason=payload.validated_data.get("reason", "")
        )
        return Response(ApplicationSerializer(application, context={"request": request}).data)

    @extend_schema(request=None, responses=EligibilityCheckSerializer)
    @action(detail=True, methods=["get"])
    def eligibility(self, request, pk=None):
        results, problems = services.application_check(application=self.get_object())
        return Response(
            {
                "can_submit": not problems,
                "problems": [str(p) for p in problems],
                "rules": [r.as_dict() for r in results],
            }
        )

    @extend_schema(methods=["get"], responses=DocumentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": DocumentSerializer},
        responses={201: DocumentSerializer},
    )
    # the whole list, unfiltered, as documented (the viewset's pagination and filters are for the case list)
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def documents(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            return Response(DocumentSerializer(application.documents.all(), many=True).data)
        payload = DocumentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = services.document_upload(
            application=application,
            actor=request.user,
            document_type=payload.validated_data["document_type"],
            upload=payload.validated_data["file"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadApi(APIView):
    # answered with the stored type's own content type (a PDF as application/pdf), each one documented
    @extend_schema(
        responses={
            (200, content_type): OpenApiTypes.BINARY for content_type in sorted(set(CONTENT_TYPES.values()))
        }
    )
    def get(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        application_get_for(user=request.user, pk=document.application_id)
        path = services.document_path(document)
        if not path.exists():
            raise InvalidInput("The file is missing from storage.", code="file_missing")
        response = FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=services.CONTENT_TYPES[document.kind],
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
