from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import Delivery, DeliveryAttempt, Endpoint, Event


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "organization__name"]
    readonly_fields = ["organization", "created_by", "created_at"]
    exclude = [
        "secret"
    ]  # an organisation's signing secret is shown to its own integrators once, nowhere else

    def has_add_permission(self, request):
        return False  # registered by the organisation (screen or API): the service checks and audits

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "subject_kind", "subject_id", "occurred_at"]
    list_filter = ["type", "subject_kind"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "attempted_at", "response_status", "response_ms", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "response_ms",
        "created_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("endpoint", "event"):
            try:
                services.delivery_replay(delivery=delivery, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{delivery.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)s deliveries queued again.") % {"n": done})
