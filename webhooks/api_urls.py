from rest_framework.routers import SimpleRouter

from .api import DeliveryViewSet, EndpointViewSet, EventFeedViewSet

router = SimpleRouter()
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")
router.register("events", EventFeedViewSet, basename="event")
urlpatterns = router.urls
