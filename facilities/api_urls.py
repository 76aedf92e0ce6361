from core.routing import Router

from .api import FacilityViewSet

router = Router()
router.register("facilities", FacilityViewSet, basename="facility")
urlpatterns = router.urls
