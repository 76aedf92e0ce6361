from rest_framework.routers import SimpleRouter

from .api import FacilityViewSet

router = SimpleRouter()
router.register("facilities", FacilityViewSet, basename="facility")
urlpatterns = router.urls
