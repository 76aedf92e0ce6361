"""Webhook endpoints and their delivery log for the organisation's integrators; the event feed for any user."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import role_permission, strict_page_size
from core.errors import InvalidInput

from . import services
from .models import Delivery, DeliveryAttempt, Endpoint, Event, EventType
from .roles import MANAGER_ROLES
from .selectors import (
    deliveries_visible_to,
    delivery_get_for,
    endpoint_get_for,
    endpoints_visible_to,
    events_visible_to,
)


class EndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1
    )
    organization = serializers.CharField(source="organization.name", read_only=True)
    secret_hint = serializers.SerializerMethodField()

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "event_types",
            "active",
            "secret_hint",
            "created_at",
        ]
        read_only_fields = ["id", "organization", "secret_hint", "created_at"]

    def get_secret_hint(self, endpoint) -> str:
        return "…" + endpoint.secret[-4:]


class EndpointWithSecretSerializer(EndpointSerializer):
    """Only the answers to create and rotate-secret carry the secret: store it then, it is not shown again."""

    secret = serializers.CharField(read_only=True)

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, required=False
    )
    active = serializers.BooleanField(required=False)


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1
    )


class EndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """An organisation's webhook endpoints (lender officers, fund managers, valuers, administrators)."""

    queryset = Endpoint.objects.none()
    serializer_class = EndpointSerializer
    permission_classes = [role_permission(*MANAGER_ROLES)]
    filterset_fields = ["active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        return endpoints_visible_to(user=self.request.user).order_by("pk")

    def get_object(self):
        return endpoint_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=EndpointCreateSerializer, responses={201: EndpointWithSecretSerializer})
    def create(self, request):
        payload = EndpointCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(actor=request.user, **payload.validated_data)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointUpdateSerializer, responses=EndpointSerializer)
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        payload = EndpointUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, actor=request.user, **payload.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object(), actor=request.user)
        return Response(EndpointWithSecretSerializer(endpoint).data)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "attempted_at", "response_status", "response_ms", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.type")
    status = serializers.CharField(help_text="pending, succeeded or failed")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "response_ms",
            "error",
            "next_attempt_at",
            "delivered_at",
            "replay_of",
            "created_at",
        ]


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_log = AttemptSerializer(many=True)
    payload = serializers.JSONField(source="event.payload")

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempt_log"]


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log of the organisation's endpoints: status, attempts, response status and time; replay."""

    queryset = Delivery.objects.none()
    serializer_class = DeliverySerializer
    permission_classes = [role_permission(*MANAGER_ROLES)]
    filterset_fields = ["endpoint", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return deliveries_visible_to(user=self.request.user).order_by("-pk")

    def get_object(self):
        return delivery_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses=DeliveryDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(DeliveryDetailSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        replay = services.delivery_replay(delivery=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)


class EventSerializer(serializers.ModelSerializer):
    type = serializers.CharField(help_text="The event type (see GET /webhooks/endpoints/ event_types)")
    subject_kind = serializers.CharField(help_text="application, valuation_order, facility, report or fund")

    class Meta:
        model = Event
        fields = ["id", "type", "occurred_at", "subject_kind", "subject_id", "payload"]


class EventCursor(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        return strict_page_size(self, request)


class EventFeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Events about objects the caller may read, oldest first; follow ``next`` to poll (the cursor is stable)."""

    queryset = Event.objects.none()
    serializer_class = EventSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = EventCursor
    filter_backends = [DjangoFilterBackend]  # the cursor fixes the order: oldest first, by id
    filterset_fields = ["type", "subject_kind"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.INT,
                description="Only events with a larger id (where the last poll stopped)",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        events = events_visible_to(user=self.request.user)
        after = self.request.query_params.get("after", "")
        if after:
            if not after.isdigit() or len(after) > 18:
                raise InvalidInput("after must be an event id.", details={"after": ["an integer"]})
            events = events.filter(pk__gt=int(after))
        return events
