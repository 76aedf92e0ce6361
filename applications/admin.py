from django.contrib import admin

from .models import Application, Company, Document, IPAsset


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "country", "registration_number", "sector", "employees", "credit_grade"]
    search_fields = ["legal_name", "registration_number"]
    list_filter = ["country", "credit_grade"]


@admin.register(IPAsset)
class IPAssetAdmin(admin.ModelAdmin):
    list_display = [
        "registry_number",
        "ip_type",
        "jurisdiction",
        "title",
        "company",
        "expiry_date",
        "encumbrance",
    ]
    list_filter = ["ip_type", "jurisdiction", "encumbrance"]
    search_fields = ["registry_number", "title"]
    readonly_fields = ["encumbrance"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: cases move only through the services (the case pages)."""

    list_display = ["__str__", "program", "company", "status", "requested_amount", "submitted_at"]
    list_filter = ["status", "program"]
    search_fields = ["reference", "company__legal_name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["application", "document_type", "original_name", "kind", "size", "uploaded_at"]

    def has_change_permission(self, request, obj=None):
        return False
