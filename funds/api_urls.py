from core.routing import Router

from .api import FundViewSet

router = Router()
router.register("funds", FundViewSet, basename="fund")
urlpatterns = router.urls
