from django.urls import path

from .api import MeApi

urlpatterns = [path("me/", MeApi.as_view(), name="api-me")]
