from core.routing import Router

from .api import FacilityViewSet, RestructuringViewSet

router = Router()
router.register("facilities", FacilityViewSet, basename="facility")
router.register("restructurings", RestructuringViewSet, basename="restructuring")
urlpatterns = router.urls
