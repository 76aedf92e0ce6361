from core.routing import Router

from .api import ValuationOrderViewSet

router = Router()
router.register("valuation-orders", ValuationOrderViewSet, basename="valuation-order")
urlpatterns = router.urls
