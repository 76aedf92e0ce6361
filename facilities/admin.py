from django.contrib import admin

from .models import PledgeOffice


@admin.register(PledgeOffice)
class PledgeOfficeAdmin(admin.ModelAdmin):
    """The platform operator's table of IP offices' service levels for registering a pledge."""

    list_display = ["jurisdiction", "ip_type", "office", "registration_days"]
    list_filter = ["jurisdiction"]
    search_fields = ["office", "jurisdiction"]
