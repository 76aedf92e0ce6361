from core.routing import Router

from .api import DeliveryViewSet, EndpointViewSet, EventFeedViewSet

router = Router()
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")
router.register("events", EventFeedViewSet, basename="event")
urlpatterns = router.urls
