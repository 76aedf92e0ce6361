from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "actor_label",
        "organization",
        "action",
        "target_type",
        "target_id",
        "state_change",
    ]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "action", "target_id", "case_id"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
