from rest_framework.routers import SimpleRouter

from .api import ProgramViewSet

router = SimpleRouter()
router.register("programs", ProgramViewSet, basename="program")
urlpatterns = router.urls
