from core.routing import Router

from .api import CaseViewSet

router = Router()
router.register("cases", CaseViewSet, basename="case")
urlpatterns = router.urls
