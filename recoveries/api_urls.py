from rest_framework.routers import SimpleRouter

from .api import ClaimViewSet, DisposalViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("disposals", DisposalViewSet, basename="disposal")
urlpatterns = router.urls
