from core.routing import Router

from .api import ProgramViewSet

router = Router()
router.register("programs", ProgramViewSet, basename="program")
urlpatterns = router.urls
