"""The credit rubric of each program: criteria and their weights, edited by the administrator."""

from django.contrib import admin

from .models import RubricCriterion


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["program", "order", "name", "weight"]
    list_display_links = ["name"]
    list_editable = ["order", "weight"]
    list_filter = ["program"]
    search_fields = ["name", "program__code", "program__name"]
    list_select_related = ["program"]
    autocomplete_fields = ["program"]
