from rest_framework.routers import SimpleRouter

from .api import ClaimViewSet, DisposalViewSet, MoneyMoveViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("disposals", DisposalViewSet, basename="disposal")
router.register("money-moves", MoneyMoveViewSet, basename="money-move")
urlpatterns = router.urls
