"""Admin screens of the libraries the project runs on, where their defaults do not fit."""

from django.contrib import admin
from django_celery_results.admin import GroupResultAdmin, TaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult


class ReadOnlyResultMixin:
    """Task results are written by the workers; an administrator reads them (an empty add form used to be saved
    as a result with no task)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model, model_admin in ((TaskResult, TaskResultAdmin), (GroupResult, GroupResultAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (ReadOnlyResultMixin, model_admin), {}))
