from django.urls import path

from core.routing import Router

from .api import ApplicationViewSet, CompanyApi, DocumentDownloadApi, IPAssetViewSet

router = Router()
router.register("ip-assets", IPAssetViewSet, basename="ip-asset")
router.register("applications", ApplicationViewSet, basename="application")
urlpatterns = [
    path("company/", CompanyApi.as_view(), name="api-company"),
    path("documents/<int:pk>/download/", DocumentDownloadApi.as_view(), name="api-document-download"),
    *router.urls,
]
