from core.routing import Router

from .api import ClaimViewSet, DisposalViewSet

router = Router()
router.register("claims", ClaimViewSet, basename="claim")
router.register("disposals", DisposalViewSet, basename="disposal")
urlpatterns = router.urls
