from core.routing import Router

from .api import ClaimViewSet, DisposalViewSet, MoneyMoveViewSet, WriteOffViewSet

router = Router()
router.register("claims", ClaimViewSet, basename="claim")
router.register("disposals", DisposalViewSet, basename="disposal")
router.register("money-moves", MoneyMoveViewSet, basename="money-move")
router.register("write-offs", WriteOffViewSet, basename="write-off")
urlpatterns = router.urls
