from django.contrib import admin

from .models import Buyer


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    """Read here; registration, verification and revocation go through the registry page (they are audited)."""

    list_display = ["organization", "agency", "status", "registered_at", "verified_at"]
    list_filter = ["status", "agency"]
    search_fields = ["organization__name", "organization__short_code"]
    readonly_fields = [
        "agency",
        "organization",
        "status",
        "note",
        "registered_by",
        "registered_at",
        "verified_by",
        "verified_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
