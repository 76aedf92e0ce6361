from rest_framework.routers import SimpleRouter

from .api import ValuationOrderViewSet

router = SimpleRouter()
router.register("valuation-orders", ValuationOrderViewSet, basename="valuation-order")
urlpatterns = router.urls
