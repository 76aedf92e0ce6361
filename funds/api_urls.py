from rest_framework.routers import SimpleRouter

from .api import FundViewSet

router = SimpleRouter()
router.register("funds", FundViewSet, basename="fund")
urlpatterns = router.urls
